"""``Chain``: a batch of Markov chains at several temperatures, advanced a few sweeps at a time.

This is the one sweep loop of latticelab. All temperatures x chains live in one array
``(n_T * n_chains, L, L)`` (index ``t * n_chains + c``) and advance together through a
backend kernel; temperature and field can change between steps (what live widgets do).
"""
from __future__ import annotations

import importlib
import math

import numpy as np

from .. import _validate
from ..backend import resolve
from ..lattice import check_size
from ..systems import EdwardsAnderson, Ising, Potts, check_system
from . import _rng, _rules

ALGORITHMS = ("auto", "metropolis", "wolff")
STARTS = ("auto", "hot", "cold")
WOLFF_ADAPT = 10  # sweeps per round that measure how many Wolff clusters make a sweep
WOLFF_ROUNDS = 6  # rounds at most; learning stops when a round agrees with the one before within 20%
_RULE = {Ising: "ising", Potts: "potts", EdwardsAnderson: "ea"}


def _fields(system, h, n_T: int) -> np.ndarray:
    """float64 (n_T,) field per temperature; nonzero only for Ising."""
    if h is None:
        return np.full(n_T, float(system.h))
    arr = np.asarray(h, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_T, float(arr))
    if arr.shape != (n_T,):
        raise ValueError(f"h must be a scalar or have one entry per temperature ({n_T}), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("h must be finite")
    if not isinstance(system, Ising) and np.any(arr != 0):
        raise ValueError(f"a field h is defined for ll.Ising only; {type(system).__name__} takes h=None")
    return arr


def resolve_algorithm(algorithm: str, system, backend_name: str, h: np.ndarray) -> str:
    """'metropolis' or 'wolff'. 'auto' is Wolff on the numba backend for ferromagnets at h = 0."""
    _validate.choice(algorithm, "algorithm", ALGORITHMS)
    clusterable = isinstance(system, (Ising, Potts)) and system.J > 0
    if algorithm == "wolff":
        if not clusterable:
            raise ValueError(
                f"Wolff cluster updates need a ferromagnetic Ising or Potts model (J > 0), not {system!r}; "
                "use algorithm='metropolis'"
            )
        if backend_name != "numba":
            raise ValueError("Wolff updates run on the CPU numba backend only; use backend='numba', or algorithm='metropolis' on torch")
        return "wolff"
    if algorithm == "auto":
        return "wolff" if clusterable and backend_name == "numba" and not np.any(h != 0) else "metropolis"
    return algorithm


class Chain:
    """n_chains Markov chains at each temperature of ``T``, advanced together.

    state:   native int8 (n_T * n_chains, L, L) — numpy (numba) or a torch tensor (torch)
    configs: numpy int8 (n_T, n_chains, L, L)
    """

    def __init__(self, system, T, n_chains: int = 1, *, h=None, algorithm="auto", backend="auto",
                 device=None, seed=None, start="auto"):
        self.system = check_system(system)
        self.n_chains = _validate.positive_int(n_chains, "n_chains")
        T = _validate.temperatures(T)
        if algorithm == "wolff" and backend == "auto" and device is None:
            backend = "numba"  # the only backend with cluster updates
        self.backend = resolve(backend, device)
        h = _fields(system, h, T.size)
        self.algorithm = resolve_algorithm(algorithm, system, self.backend.name, h)
        if self.algorithm == "metropolis":
            check_size(system.L, even=True)
        self.seed = _validate.seed(seed)
        self._kernels = importlib.import_module(f"._{self.backend.name}", __package__)
        self._rule = _RULE[type(system)]
        self._T, self._h = T, h
        self._update_params()
        self.sweeps = 0
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
        """float64 (n_T,) fields (Ising only); assign a scalar or an array to change them."""
        return self._h.copy()

    @h.setter
    def h(self, value):
        self._h = _fields(self.system, value, self._T.size)
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
        dev = self.backend.device
        self._beta, self._hb = beta, h
        self._h_native = self._kernels.asarray(h, dev)
        if self.algorithm == "metropolis":
            self._params = self._kernels.prepare(self._rule, _rules.metropolis_params(self.system, beta, h), dev)
        else:
            coupling = 2.0 * self.system.J if isinstance(self.system, Ising) else self.system.J
            self._padd = _rng.threshold(-np.expm1(-beta * coupling))
            self._adapt()

    def _adapt(self):
        """Wolff: re-learn how many clusters make a sweep. In learning sweeps each chain builds clusters
        until they cover L*L spins; a round of ``WOLFF_ADAPT`` of them gives the mean number per
        temperature. Rounds repeat (at most ``WOLFF_ROUNDS``) until two agree within 20%: from a hot
        start clusters are small at first, and the first round's count was measured 8-100x too high
        near Tc (seconds per sweep at L=512). After that every sweep builds the learned number, fixed,
        because stopping at a state-dependent time biased what a sweep ends on (by 4-5 sigma)."""
        self._cluster_count = np.zeros(self.batch, np.int64)
        self._adapt_sweeps = 0
        self._learned = None

    # -- state -------------------------------------------------------------------------
    def reset(self, start: str = "auto"):
        """Restart every chain: 'hot' (random), 'cold' (ordered) or 'auto' (cold below Tc, hot above)."""
        _validate.choice(start, "start", STARTS)
        L, B, sys = self.system.L, self.batch, self.system
        rng = np.random.default_rng([self.seed, 2, self.sweeps])
        n_states = sys.n_states
        hot = rng.integers(0, n_states, size=(B, L, L), dtype=np.int8)
        if not isinstance(sys, Potts):  # spins +-1; Potts states 0..q-1, also for q = 2
            hot = (2 * hot - 1).astype(np.int8)
        cold_value = 0 if isinstance(sys, Potts) else 1
        cold = np.full((B, L, L), cold_value, dtype=np.int8)
        if isinstance(sys, Ising):
            cold *= np.where(self._hb < 0, -1, 1).astype(np.int8)[:, None, None]
        if start == "hot":
            x = hot
        elif start == "cold":
            x = cold
        else:
            tc = getattr(sys, "tc", None)
            if isinstance(sys, Ising) and sys.J > 0:
                tc = 2.0 * sys.J / math.log(1.0 + math.sqrt(2.0))
            below = (1.0 / self._beta < tc) if tc else np.zeros(B, bool)
            x = np.where(below[:, None, None], cold, hot)
        self._x = self._kernels.asarray(x, self.backend.device)
        if self.algorithm == "wolff":
            self._adapt()

    @property
    def state(self):
        """The native state, int8 (n_T * n_chains, L, L)."""
        return self._x

    @property
    def configs(self) -> np.ndarray:
        """A numpy copy of the configurations, int8 (n_T, n_chains, L, L)."""
        L = self.system.L
        return self._kernels.to_numpy(self._x).reshape(self.n_T, self.n_chains, L, L)

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
        """Advance every chain by ``n_sweeps`` sweeps (Wolff: clusters covering >= L*L spins each)."""
        n_sweeps = _validate.positive_int(n_sweeps, "n_sweeps", minimum=0)
        k = self._kernels
        for _ in range(n_sweeps):
            t = self.sweeps
            if self.algorithm == "metropolis":
                self._x = k.metropolis_sweep(
                    self._x, self._rule, self._params, _rng.keys(self.seed, 2 * t), _rng.keys(self.seed, 2 * t + 1)
                )
            else:
                self._wolff_sweep(t)
            self.sweeps += 1
        return self

    @property
    def learning(self) -> bool:
        """True while Wolff sweeps are still learning their cluster count (see ``_adapt``)."""
        return self.algorithm == "wolff" and self._adapt_sweeps >= 0

    def _wolff_sweep(self, t: int):
        learning = self.learning
        n = np.zeros(self.batch, np.int64) if learning else self._n_clusters
        ising = isinstance(self.system, Ising)
        self._x = self._kernels.wolff_sweep(
            self._x, self.system.n_states, ising, self._padd, self._beta, self._hb, n, _rng.keys(self.seed, t, 1)
        )
        if learning:
            self._cluster_count += n
            self._adapt_sweeps += 1
            if self._adapt_sweeps % WOLFF_ADAPT == 0:
                self._end_round()

    def _end_round(self):
        per_T = self._cluster_count.reshape(self.n_T, self.n_chains).mean(axis=1) / WOLFF_ADAPT
        learned, self._cluster_count[:] = per_T, 0
        done = self._learned is not None and np.all(np.abs(learned - self._learned) <= 0.2 * self._learned)
        self._learned = learned
        if done or self._adapt_sweeps >= WOLFF_ADAPT * WOLFF_ROUNDS:
            self._n_clusters = self._per_chain(np.maximum(1, np.rint(learned))).astype(np.int64)
            self._adapt_sweeps = -1  # learned

    def __repr__(self):
        return (
            f"Chain({self.system!r}, n_T={self.n_T}, n_chains={self.n_chains}, algorithm={self.algorithm!r}, "
            f"backend={self.backend}, sweeps={self.sweeps})"
        )
