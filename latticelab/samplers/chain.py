"""``Chain``: a batch of Markov chains at several temperatures, advanced a few sweeps at a time.

This is the one sweep loop of latticelab. All temperatures x chains live in one array
``(n_T * n_chains, L, L)`` (index ``t * n_chains + c``) and advance together through a
backend kernel; temperature and field can change between steps (what live widgets do).
"""
from __future__ import annotations

import importlib

import numpy as np

from .. import _validate
from ..backend import resolve
from ..lattice import check_size
from ..systems import check_system
from . import learned, metropolis, updates, wolff, worm  # noqa: F401  (each registers its update)

STARTS = ("auto", "hot", "cold")


def algorithms() -> tuple:
    """The names ``algorithm=`` accepts: 'auto' and every registered update."""
    return ("auto", *updates.UPDATES)


ALGORITHMS = algorithms()


def _fields(system, h, n_T: int) -> np.ndarray:
    """float64 (n_T,) field per temperature; nonzero only where ``system.has_field``."""
    if h is None:
        return np.full(n_T, float(system.h))
    arr = np.asarray(h, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_T, float(arr))
    if arr.shape != (n_T,):
        raise ValueError(f"h must be a scalar or have one entry per temperature ({n_T}), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("h must be finite")
    if not system.has_field and np.any(arr != 0):
        raise ValueError(f"{type(system).__name__} has no field h (ll.Ising has one); pass h=None")
    return arr


class Chain:
    """n_chains Markov chains at each temperature of ``T``, advanced together.

    state:   native (n_T * n_chains, *state_shape) of ``system.state_dtype`` — numpy (numba) or a
             torch tensor (torch)
    configs: numpy (n_T, n_chains, *state_shape)
    algorithm: a registered update (``algorithms()``) or 'auto'; ``options`` go to the update
             (e.g. ``energy=model`` for 'learned_metropolis').
    """

    def __init__(self, system, T, n_chains: int = 1, *, h=None, algorithm="auto", backend="auto",
                 device=None, seed=None, start="auto", **options):
        self.system = check_system(system)
        self.n_chains = _validate.positive_int(n_chains, "n_chains")
        T = _validate.temperatures(T)
        self.backend = resolve(backend, device)
        named = updates.UPDATES.get(algorithm)
        if named and backend == "auto" and device is None and self.backend.name not in named.backends:
            self.backend = resolve(named.backends[0])  # e.g. Wolff runs on numba even where a GPU is
        h = _fields(system, h, T.size)
        update = updates.resolve(algorithm, system, self.backend.name, h)
        self.algorithm = update.name
        if update.needs_even_L:
            check_size(system.L, even=True)
        self.seed = _validate.seed(seed)
        self.kernels = importlib.import_module(f"._{self.backend.name}", __package__)
        self._T, self._h = T, h
        self.sweeps = 0
        self.update = update(self, **options)
        self._update_params()
        self.reset(start)

    # -- parameters --------------------------------------------------------------------
    @property
    def T(self) -> np.ndarray:
        """float64 (n_T,) temperatures; assign a new array of the same length to change them."""
        return self._T.copy()

    @T.setter
    def T(self, value):
        T = _validate.temperatures(value)
        if T.size != self._T.size:
            raise ValueError(f"a running chain keeps its number of temperatures ({self._T.size}); got {T.size}")
        self._T = T
        self._update_params()

    @property
    def h(self) -> np.ndarray:
        """float64 (n_T,) fields (systems with ``has_field``); assign a scalar or an array to change them."""
        return self._h.copy()

    @h.setter
    def h(self, value):
        h = _fields(self.system, value, self._T.size)
        self.update.check(self.system, self.backend.name, h)
        self._h = h
        self._update_params()

    @property
    def n_T(self) -> int:
        return self._T.size

    @property
    def batch(self) -> int:
        return self.n_T * self.n_chains

    def _per_chain(self, a: np.ndarray) -> np.ndarray:
        return np.repeat(a, self.n_chains)

    def _update_params(self):
        beta, h = self._per_chain(1.0 / self._T), self._per_chain(self._h)
        self._beta = beta
        self._h_native = self.kernels.asarray(h, self.backend.device)
        self.update.set_params(beta, h)

    # -- state -------------------------------------------------------------------------
    def reset(self, start: str = "auto"):
        """Restart every chain: 'hot' (random), 'cold' (ordered) or 'auto' (cold below the system's
        ``cold_below`` temperature, hot above)."""
        _validate.choice(start, "start", STARTS)
        sys, B = self.system, self.batch
        hot = sys.hot(np.random.default_rng([self.seed, 2, self.sweeps]), B)
        cold = sys.cold(B, self._per_chain(self._h))
        if start == "hot":
            x = hot
        elif start == "cold":
            x = cold
        else:
            below = 1.0 / self._beta < (sys.cold_below or 0.0)
            x = np.where(below.reshape(B, *[1] * len(sys.state_shape)), cold, hot)
        self._x = self.kernels.asarray(x, self.backend.device)
        self.update.reset()

    @property
    def state(self):
        """The native state, (n_T * n_chains, *state_shape)."""
        return self._x

    @property
    def configs(self) -> np.ndarray:
        """A numpy copy of the configurations, (n_T, n_chains, *state_shape)."""
        return self.kernels.to_numpy(self._x).reshape(self.n_T, self.n_chains, *self.system.state_shape)

    def _measure(self, values) -> np.ndarray:
        if not isinstance(values, np.ndarray):
            values = values.detach().cpu().numpy()
        return np.asarray(values, dtype=np.float64).reshape(self.n_T, self.n_chains)

    def energy(self) -> np.ndarray:
        """Energy per spin, float64 (n_T, n_chains), including each temperature's field."""
        return self._measure(self.system.energy(self._x, h=self._h_native))

    def magnetization(self) -> np.ndarray:
        """Magnetization per spin (Potts: order parameter), float64 (n_T, n_chains)."""
        return self._measure(self.system.magnetization(self._x))

    # -- the loop ----------------------------------------------------------------------
    def step(self, n_sweeps: int = 1) -> "Chain":
        """Advance every chain by ``n_sweeps`` sweeps of its update."""
        n_sweeps = _validate.positive_int(n_sweeps, "n_sweeps", minimum=0)
        for _ in range(n_sweeps):
            self._x = self.update.sweep(self._x, self.sweeps)
            self.sweeps += 1
        return self

    @property
    def learning(self) -> bool:
        """True while the update is still tuning itself (Wolff learning its cluster count)."""
        return self.update.learning

    def __repr__(self):
        return (
            f"Chain({self.system!r}, n_T={self.n_T}, n_chains={self.n_chains}, algorithm={self.algorithm!r}, "
            f"backend={self.backend}, sweeps={self.sweeps})"
        )
