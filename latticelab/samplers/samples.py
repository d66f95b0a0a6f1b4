"""``Samples``: what ``ll.sample`` returns — configurations and per-sample measurements."""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class Samples:
    """Equilibrium samples at one or more temperatures (and fields).

    configs:       int8 (n_T, n_samples, L, L); +-1 for Ising/EA, 0..q-1 for Potts
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
    configs: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    T: np.ndarray
    h: np.ndarray
    algorithm: str
    backend: str
    seed: int
    burn_in: int
    thin: int
    n_chains: int
    tau: np.ndarray

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
        sl = slice(i, i + 1)
        return dataclasses.replace(
            self,
            configs=self.configs[sl],
            energy=self.energy[sl],
            magnetization=self.magnetization[sl],
            T=self.T[sl],
            h=self.h[sl],
            tau=self.tau[sl],
        )

    def __repr__(self):
        return (
            f"Samples({self.system!r}, n_T={self.n_T}, n_samples={self.n_samples}, algorithm={self.algorithm!r}, "
            f"backend={self.backend!r}, burn_in={self.burn_in}, thin={self.thin}, n_chains={self.n_chains})"
        )
