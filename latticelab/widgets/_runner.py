"""``Runner``: the chain behind a live view, and everything between a slider and a frame.

It owns one ``ll.Chain`` (one temperature, one chain), rebuilds it when the model, size or
algorithm changes, passes temperature and field changes straight to the running chain, steps it
in time-bounded slices (so the caller can yield to the kernel's message loop between slices), keeps
traces of energy and |m|, and encodes frames. No widget imports: tested without a browser.
"""
from __future__ import annotations

import collections
import functools
import math
import os
import time

import numpy as np

from .. import exact
from ..samplers import Chain
from ..samplers.updates import UPDATES
from ..systems import SYSTEMS, make_system
from . import _frames
from ._sweep import onsager_coupling

ALGORITHMS = ("metropolis", "wolff")  # the updates the viewer offers; the first one updates every system
STARTS = ("hot", "cold")
DEFAULT_T_RANGE = (0.1, 3.0)  # the temperature slider of a system without a known Tc


def system_for(model: str, L: int, q: int = 3, seed: int = 0):
    """The system a viewer shows: ``make_system(model, L, q=q, seed=seed)`` (each takes the options it knows)."""
    if model not in SYSTEMS:
        raise ValueError(f"model must be one of {tuple(SYSTEMS)}, got {model!r}")
    return make_system(model, L, q=q, seed=seed)


def takes_option(model: str, option: str) -> bool:
    """True where ``SYSTEMS[model]`` takes ``option`` (e.g. 'q') from the viewer: the view shows its menu."""
    return option in SYSTEMS[model].options


def field_systems() -> tuple:
    """Labels of the systems that have a field h (the h slider acts on them)."""
    return tuple(cls.label for cls in SYSTEMS.values() if cls.has_field)


def update_error(algorithm: str, system, backend: str = "numba") -> str | None:
    """Why the update ``algorithm`` cannot run ``system`` (the update's own reason), or None if it can."""
    update = UPDATES[algorithm]
    backend = update.backends[0] if backend == "auto" else backend
    try:
        update.check(system, backend, np.zeros(1))
    except ValueError as exc:
        return str(exc)
    return None


def t_range(system) -> tuple:
    """(T_min, T_max) of the temperature slider: 0.2 Tc .. 2.2 Tc, or DEFAULT_T_RANGE without a Tc."""
    tc = system.tc
    if tc is None:
        return DEFAULT_T_RANGE
    return (round(0.2 * tc, 3), round(2.2 * tc, 3))


def exact_point(system, T: float, h: float) -> tuple:
    """(energy, |m|) per spin of the infinite lattice where known (Ising ferromagnet, h = 0), else (None, None)."""
    J = onsager_coupling(system)
    if J is None or h != 0.0:
        return None, None
    return _onsager(float(T), J)


@functools.lru_cache(maxsize=256)
def _onsager(T: float, J: float) -> tuple:
    return float(exact.ising_energy_per_spin(T, J=J)), float(exact.ising_magnetization(T, J=J))


def prefer_sleeping_threads():
    """Let idle OpenMP threads sleep in this process, unless the user chose (``OMP_WAIT_POLICY``).

    A live chain runs many short parallel sweeps; OpenMP threads that spin between them burn a core
    the browser and the server need (measured at L=512: 86% of a core spinning vs 20% sleeping). The
    OpenMP runtime reads this once, when the first parallel kernel of the process runs, so it is set
    before a live chain is built (``latticelab serve`` sets it for its kernels too)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Runner:
    """One chain of ``model`` at temperature ``T`` (and field ``h`` where the system has one), stepped on demand.

    history: the last ``history`` measurements, each (sweeps, T, h, energy, |m|) per spin.
    """

    def __init__(self, model="ising", L=64, *, q=3, T=None, h=0.0, algorithm="metropolis", seed=0,
                 backend="numba", start="hot", history=600):
        prefer_sleeping_threads()
        self.backend = backend
        self.seed = seed
        self._history = collections.deque(maxlen=int(history))
        self._sec_per_sweep = None
        self.epoch = 0  # bumped whenever the chain restarts (the traces start over)
        self._build(model, int(L), int(q), algorithm, T, float(h), start)

    # -- building ------------------------------------------------------------------
    def _build(self, model, L, q, algorithm, T, h, start):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
        system = system_for(model, L, q, self.seed)
        why = update_error(algorithm, system, self.backend)
        if why:
            raise ValueError(why)
        lo, hi = t_range(system)
        T = float(np.clip(T if T is not None else (system.tc or 1.0), lo, hi))
        chain = Chain(system, [T], h=h if system.has_field else None, algorithm=algorithm,
                      backend=self.backend, seed=self.seed, start=start)  # may refuse: nothing changed yet
        self.model, self.q, self.algorithm, self.system, self.chain = model, q, algorithm, system, chain
        self._restarted()

    def _restarted(self):
        self.epoch += 1
        self._history.clear()
        self._sec_per_sweep = None
        self.record()

    def rebuild(self, *, model=None, L=None, q=None, algorithm=None, start="hot", fallback=False):
        """A new chain with the given changes; T is carried over in units of Tc when both models have one.

        ``fallback=True``: an update that cannot run the new system gives way to ``ALGORITHMS[0]``."""
        old = self.system
        model = self.model if model is None else model
        L = old.L if L is None else int(L)
        q = self.q if q is None else int(q)
        algorithm = self.algorithm if algorithm is None else algorithm
        T = self.T
        probe = system_for(model, 4, q, self.seed)
        if fallback and algorithm in UPDATES and update_error(algorithm, probe, self.backend):
            algorithm = ALGORITHMS[0]
        new_tc = probe.tc
        if old.tc and new_tc:
            T = T * new_tc / old.tc
        self._build(model, L, q, algorithm, T, self.h, start)

    # -- parameters ----------------------------------------------------------------
    @property
    def L(self) -> int:
        return self.system.L

    @property
    def T(self) -> float:
        return float(self.chain.T[0])

    @T.setter
    def T(self, value):
        self.chain.T = [float(value)]

    @property
    def h(self) -> float:
        return float(self.chain.h[0])

    @h.setter
    def h(self, value):
        if not self.system.has_field:
            if float(value) != 0.0:
                raise ValueError(f"{self.system.label} has no field h; a field acts on {', '.join(field_systems())}")
            return
        self.chain.h = float(value)

    @property
    def t_range(self) -> tuple:
        return t_range(self.system)

    def reset(self, start: str = "hot"):
        """Restart the chain 'hot' (random) or 'cold' (ordered)."""
        if start not in STARTS:
            raise ValueError(f"start must be one of {STARTS}, got {start!r}")
        self.chain.reset(start)
        self._restarted()

    # -- stepping ------------------------------------------------------------------
    def step(self, n: int = 1):
        """Advance ``n`` sweeps now (blocking)."""
        for _ in range(int(n)):
            self._sweep()

    def _sweep(self):
        t0 = time.perf_counter()
        self.chain.step(1)
        dt = time.perf_counter() - t0
        self._sec_per_sweep = dt if self._sec_per_sweep is None else 0.7 * self._sec_per_sweep + 0.3 * dt

    def advance(self, n: int, budget_s: float) -> int:
        """Advance up to ``n`` sweeps, stopping once ``budget_s`` seconds are spent (at least one sweep).

        Returns the number of sweeps done; call again for the rest after yielding to the event loop."""
        done, t0 = 0, time.perf_counter()
        while done < n:
            self._sweep()
            done += 1
            if time.perf_counter() - t0 + (self._sec_per_sweep or 0.0) > budget_s:
                break
        return done

    # -- measuring and drawing -----------------------------------------------------
    def record(self) -> dict:
        """Measure energy and |m| per spin now, append them to the history and return them."""
        e = float(self.chain.energy()[0, 0])
        m = abs(float(self.chain.magnetization()[0, 0]))
        row = (self.chain.sweeps, self.T, self.h, e, m)
        self._history.append(row)
        return dict(zip(("sweeps", "T", "h", "energy", "absm"), row))

    @property
    def history(self) -> dict:
        """Traces since the last restart: {'sweeps', 'T', 'h', 'energy', 'absm'} -> float64 (n,)."""
        cols = np.array(self._history, dtype=np.float64).reshape(-1, 5).T
        return dict(zip(("sweeps", "T", "h", "energy", "absm"), cols))

    @property
    def last(self) -> dict:
        return dict(zip(("sweeps", "T", "h", "energy", "absm"), self._history[-1]))

    @property
    def kind(self) -> str:
        return _frames.frame_kind(self.system)

    def frame(self) -> bytes:
        """The current lattice, encoded (see ``_frames``)."""
        return _frames.encode(self.chain.configs[0, 0], self.kind)

    def header(self, seq: int, measured: dict, fresh: bool = True) -> dict:
        """Everything the browser needs next to the frame bytes (JSON). ``measured`` is a ``record()``;
        ``fresh`` says it was taken for this frame (the view adds trace points only for fresh ones)."""
        e_exact, m_exact = exact_point(self.system, measured["T"], measured["h"])
        return {
            "type": "frame", "seq": int(seq), "epoch": self.epoch, "kind": self.kind, "L": self.L,
            "palette": list(self.system.palette()), "sweeps": int(self.chain.sweeps), "fresh": bool(fresh),
            "T": measured["T"], "h": measured["h"], "energy": measured["energy"], "absm": measured["absm"],
            "energy_exact": e_exact, "absm_exact": m_exact,
        }

    def sec_per_sweep(self) -> float:
        return self._sec_per_sweep if self._sec_per_sweep is not None else math.nan
