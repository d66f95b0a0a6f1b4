"""``Samples``: what ``ll.sample`` returns — configurations and per-sample measurements."""
from __future__ import annotations

import dataclasses
import operator

import numpy as np


def per_point(**kwargs):
    """A dataclass field whose leading axis runs over the grid points (temperatures); ``at_point`` slices it."""
    return dataclasses.field(metadata={"per_point": True}, **kwargs)


def at_point(obj, i: int):
    """A copy of the dataclass ``obj`` with every ``per_point`` field cut to point ``i`` (leading length 1).

    ``i`` may be negative, as for a list; IndexError when it is out of range.
    """
    names = [f.name for f in dataclasses.fields(obj) if f.metadata.get("per_point")]
    n_points = len(getattr(obj, names[0]))
    i = range(n_points)[operator.index(i)]
    return dataclasses.replace(obj, **{name: getattr(obj, name)[i : i + 1] for name in names})


@dataclasses.dataclass(frozen=True, eq=False)
class Samples:
    """Equilibrium samples at one or more temperatures (and fields).

    configs:       ``system.state_dtype`` (n_T, n_samples, *system.state_shape); int8 +-1 for Ising/EA,
                   int8 0..q-1 for Potts
    energy:        float64 (n_T, n_samples), energy per spin
    magnetization: float64 (n_T, n_samples), per spin (signed for Ising/EA, Potts order parameter)
    T:             float64 (n_T,)
    h:             float64 (n_T,), the field at each temperature (zeros unless Ising in a field)

    Sample order along axis 1 is chain-major: index ``c * n_rounds + r`` is chain ``c``
    after its ``r``-th thinning interval, so consecutive samples are consecutive in
    Monte Carlo time (what binning analyses expect). ``tau`` is the integrated
    autocorrelation time (in sweeps, per temperature) measured by the pilot run that
    chose ``burn_in`` and ``thin`` (NaN where both were given).
    """

    system: object
    configs: np.ndarray = per_point()
    energy: np.ndarray = per_point()
    magnetization: np.ndarray = per_point()
    T: np.ndarray = per_point()
    h: np.ndarray = per_point()
    algorithm: str
    backend: str
    seed: int
    burn_in: int
    thin: int
    n_chains: int
    tau: np.ndarray = per_point()

    @property
    def n_T(self) -> int:
        return self.configs.shape[0]

    @property
    def n_samples(self) -> int:
        return self.configs.shape[1]

    @property
    def L(self) -> int:
        return self.configs.shape[-1]

    @property
    def N(self) -> int:
        return self.L * self.L

    @property
    def beta(self) -> np.ndarray:
        return 1.0 / self.T

    def at(self, i: int) -> "Samples":
        """The samples of temperature index ``i`` alone (n_T = 1)."""
        return at_point(self, i)

    def __repr__(self):
        return (
            f"Samples({self.system!r}, n_T={self.n_T}, n_samples={self.n_samples}, algorithm={self.algorithm!r}, "
            f"backend={self.backend!r}, burn_in={self.burn_in}, thin={self.thin}, n_chains={self.n_chains})"
        )
