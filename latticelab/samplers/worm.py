"""The worm update of the dual complex phi^4 field (``algorithm='worm'``): numba, CPU, parallel over chains.

A sweep of a chain is one Metropolis pass over its l links, then a fixed number of worms (each ends
on a closed configuration, so every sweep does). The number is learned like Wolff's cluster count:
in learning sweeps each chain runs worms until they made V accepted head moves; rounds of ``ADAPT``
such sweeps repeat (at most ``ROUNDS``) until two rounds' mean counts agree within 20% (from a cold
start worms are short at first), and the last is then fixed (``worms=n`` fixes it from the start). A sweep
that stopped at a state-dependent time must not be sampled, so those sweeps report ``learning``.
The system provides the weights: ``log_weights()`` (log W(f)), ``mu`` and ``N``; ``ll.ComplexPhi4``.
"""
from __future__ import annotations

import numpy as np

from . import _rng
from .updates import Update, register

ADAPT = 10  # learning sweeps per round
ROUNDS = 8  # rounds at most


@register
class Worm(Update):
    """``Chain(ll.ComplexPhi4(...), T=1, algorithm='worm')``.

    Options: ``worms`` worms per sweep (default learned); ``f_max`` cuts the weight table at f_max (moves that need a
    larger f are rejected: the chain then samples configurations with f_x <= f_max exactly, which tests compare
    with an enumeration; default the system's table, far beyond any f reached).
    """

    name = "worm"
    backends = ("numba",)
    pilot = (50, 300)
    max_burn_in = 5_000

    def __init__(self, chain, worms=None, f_max=None):
        super().__init__(chain)
        self._f_max = f_max  # None: the system's table (F_MAX); smaller values truncate the ensemble (tests)
        if worms is not None:
            from .. import _validate

            worms = _validate.positive_int(worms, "worms")
        self._fixed = worms

    @classmethod
    def check(cls, system, backend_name, h):
        if not callable(getattr(system, "log_weights", None)) or not hasattr(system, "mu"):
            raise ValueError(
                f"algorithm='worm' samples dual link fields (ll.ComplexPhi4), not {type(system).__name__}; "
                "use algorithm='metropolis' or 'wolff' for spins"
            )
        super().check(system, backend_name, h)

    @classmethod
    def prefers(cls, system, backend_name, h) -> bool:
        """For 'auto' (once 'worm' is in updates.AUTO_ORDER): the worm is the update of dual link systems."""
        return callable(getattr(system, "log_weights", None)) and backend_name in cls.backends

    def set_params(self, beta, h):
        if np.any(beta != 1.0):
            raise ValueError("ComplexPhi4 has no temperature (its couplings set the weights); sample it at T=1")
        system = self.chain.system
        table = system.log_weights() if self._f_max is None else system.log_weights(self._f_max)
        self._logw = np.ascontiguousarray(table)
        self._mu = float(system.mu)
        self.reset()

    def reset(self):
        B = self.chain.batch
        self._n_worms = np.full(B, self._fixed or 0, np.int64)
        self._adapt = 0 if self._fixed is None else -1
        self._count = 0
        self._learned = None
        self.worms = np.zeros(B, np.int64)  # worms each chain ran in the last sweep
        self.moves = np.zeros(B, np.int64)  # accepted head moves in the last sweep

    @property
    def learning(self) -> bool:
        return self._adapt >= 0

    def sweep(self, x, t):
        from . import _worm_numba

        c = self.chain
        k1, k2, _ = _rng.keys(c.seed, t, 3)
        seeds = (np.uint64((k2 << 32) | k1) ^ (np.arange(c.batch, dtype=np.uint64) * np.uint64(0xD1B54A32D192ED03)))
        min_moves = c.system.N if self.learning else 0
        _worm_numba.dual_sweep(x, self._logw, self._mu, self._n_worms, min_moves, seeds, self.worms, self.moves)
        if self.learning:
            self._count += int(self.worms.sum())
            self._adapt += 1
            if self._adapt % ADAPT == 0:
                mean, self._count = self._count / (ADAPT * c.batch), 0
                done = self._learned is not None and abs(mean - self._learned) <= 0.2 * self._learned
                self._learned = mean
                if done or self._adapt >= ADAPT * ROUNDS:
                    self._n_worms[:] = max(1, int(round(mean)))
                    self._adapt = -1
        return x

    @property
    def worms_per_sweep(self) -> int:
        """The fixed number of worms per sweep (0 while still learning it)."""
        return int(self._n_worms[0])
