"""``Dataset``: a loaded, labelled sample set (what ``ll.data.generate`` returns)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..samplers.samples import at_point, per_point
from .spec import DatasetSpec

LABELS = ("point", "T_index", "h_index", "T", "h", "beta", "energy", "magnetization", "ordered")


def _first_appearance(values: np.ndarray) -> tuple:
    """(distinct values in order of first appearance, index of each entry into them)."""
    uniq, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return uniq[order], rank[inverse.ravel()]


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """Configurations and measurements at every grid point of a ``DatasetSpec``.

    configs:       ``system.state_dtype`` (n_points, n_samples, *system.state_shape); int8 +-1 for
                   Ising/EA, int8 0..q-1 for Potts
    energy:        float64 (n_points, n_samples), energy per spin
    magnetization: float64 (n_points, n_samples), per spin (signed; Potts order parameter)
    T, h:          float64 (n_points,), the temperature and field of each point
    tau:           float64 (n_points,), integrated autocorrelation time (sweeps) that set
                   burn_in/thin (NaN where both were given)
    burn_in, thin, n_chains, algorithm, backend: what the sampler actually used
    indices:       int64 (n_points, n_samples), each sample's index in the generated set
                   (arange unless this is a split or subset)
    key, path, created: cache identity (path is None when not cached)
    """

    spec: DatasetSpec
    configs: np.ndarray = per_point()
    energy: np.ndarray = per_point()
    magnetization: np.ndarray = per_point()
    T: np.ndarray = per_point()
    h: np.ndarray = per_point()
    tau: np.ndarray = per_point()
    burn_in: int
    thin: int
    n_chains: int
    algorithm: str
    backend: str
    key: str
    created: str = None
    path: object = None
    indices: np.ndarray = per_point(default=None)

    def __post_init__(self):
        n_points, n_samples = self.configs.shape[:2]
        if self.indices is None:
            idx = np.broadcast_to(np.arange(n_samples, dtype=np.int64), (n_points, n_samples))
            object.__setattr__(self, "indices", idx)
        for name in ("energy", "magnetization", "indices"):
            if getattr(self, name).shape != (n_points, n_samples):
                raise ValueError(f"{name} must have shape {(n_points, n_samples)}, got {getattr(self, name).shape}")

    # --- shape ------------------------------------------------------------------------------

    @property
    def system(self):
        return self.spec.system

    @property
    def n_points(self) -> int:
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

    def __len__(self) -> int:
        return self.n_points * self.n_samples

    # --- grid labels ---------------------------------------------------------------------------

    @property
    def T_values(self) -> np.ndarray:
        """float64 (n_T,): the distinct temperatures, in the order the spec lists them."""
        return _first_appearance(self.T)[0]

    @property
    def h_values(self) -> np.ndarray:
        """float64 (n_h,): the distinct fields, in the order the spec lists them."""
        return _first_appearance(self.h)[0]

    @property
    def T_index(self) -> np.ndarray:
        """int64 (n_points,): index of each point's temperature into ``T_values``."""
        return _first_appearance(self.T)[1].astype(np.int64)

    @property
    def h_index(self) -> np.ndarray:
        """int64 (n_points,): index of each point's field into ``h_values``."""
        return _first_appearance(self.h)[1].astype(np.int64)

    def labels(self, kind: str = "T_index", flat: bool = True) -> np.ndarray:
        """A label for every configuration: (n_points * n_samples,) if ``flat`` else (n_points, n_samples).

        kind: 'point' (grid point index), 'T_index', 'h_index' (int64); 'T', 'h', 'beta',
        'energy', 'magnetization' (float64); 'ordered' (int64: 1 below the system's exact
        critical temperature, 0 above — Ising at h = 0 and Potts only). Flat order matches
        ``flat_configs()``.
        """
        per_point = {
            "point": lambda: np.arange(self.n_points, dtype=np.int64),
            "T_index": lambda: self.T_index,
            "h_index": lambda: self.h_index,
            "T": lambda: self.T,
            "h": lambda: self.h,
            "beta": lambda: 1.0 / self.T,
            "ordered": self._ordered,
        }
        if kind in ("energy", "magnetization"):
            out = np.asarray(getattr(self, kind))
        elif kind in per_point:
            out = np.repeat(per_point[kind]()[:, None], self.n_samples, axis=1)
        else:
            raise ValueError(f"unknown label kind {kind!r}; choose one of {', '.join(map(repr, LABELS))}")
        return out.reshape(-1) if flat else out

    def _ordered(self) -> np.ndarray:
        tc = getattr(self.system, "tc", None)
        if tc is None or np.any(self.h != 0.0):
            raise ValueError(
                f"'ordered' labels need an exact critical temperature; {self.system!r} at these fields has none. "
                "Use kind='T' or 'T_index' and choose a threshold yourself"
            )
        return (self.T < tc).astype(np.int64)

    def flat_configs(self) -> np.ndarray:
        """(n_points * n_samples, *state_shape), point-major (a view when possible)."""
        return self.configs.reshape(-1, *self.configs.shape[2:])

    # --- subsets ---------------------------------------------------------------------------------

    def take(self, samples) -> "Dataset":
        """The samples ``samples`` (int (n_points, k): per-point indices into axis 1) of every point."""
        idx = np.asarray(samples, dtype=np.int64)
        if idx.ndim != 2 or idx.shape[0] != self.n_points:
            raise ValueError(f"samples must be int (n_points={self.n_points}, k), got shape {idx.shape}")
        rows = np.arange(self.n_points)[:, None]
        return dataclasses.replace(
            self,
            configs=self.configs[rows, idx],
            energy=self.energy[rows, idx],
            magnetization=self.magnetization[rows, idx],
            indices=self.indices[rows, idx],
        )

    def at(self, i: int) -> "Dataset":
        """Grid point ``i`` alone (n_points = 1)."""
        return at_point(self, i)

    def to_samples(self):
        """The same data as an ``ll.Samples`` (for the stats and observables layers)."""
        from ..samplers.samples import Samples

        return Samples(
            system=self.system, configs=self.configs, energy=self.energy, magnetization=self.magnetization,
            T=self.T, h=self.h, algorithm=self.algorithm, backend=self.backend, seed=self.spec.seed,
            burn_in=self.burn_in, thin=self.thin, n_chains=self.n_chains, tau=self.tau,
        )

    def __repr__(self):
        return (
            f"Dataset({self.system!r}, n_points={self.n_points}, n_samples={self.n_samples}, "
            f"burn_in={self.burn_in}, thin={self.thin}, key={self.key[:12]}...)"
        )
