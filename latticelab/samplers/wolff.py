"""Wolff cluster updates (numba, CPU) for ferromagnets, with a learned number of clusters per sweep.

A sweep is a fixed number of clusters per chain, learned per temperature: in learning sweeps each
chain builds clusters until they cover L*L spins, and a round of ``ADAPT`` such sweeps gives the
mean number per temperature. Rounds repeat (at most ``ROUNDS``) until two agree within 20%: from a
hot start clusters are small at first, and the first round's count was measured 8-100x too high
near Tc (seconds per sweep at L=512). After that every sweep builds the learned number, fixed,
because stopping at a state-dependent time biased what a sweep ends on (by 4-5 sigma).
"""
from __future__ import annotations

import numpy as np

from . import _rng
from .updates import Update, register

ADAPT = 10  # sweeps per round that measure how many clusters make a sweep
ROUNDS = 6  # rounds at most; learning stops when a round agrees with the one before within 20%


@register
class Wolff(Update):
    """Wolff clusters; ``system.bond_probability`` gives the bond, ``system.propose``'s kind the move."""

    name = "wolff"
    backends = ("numba",)
    pilot = (20, 100)
    max_burn_in = 2_000

    @classmethod
    def check(cls, system, backend_name, h):
        if not system.clusterable:
            system.bond_probability(1.0)  # raises the system's own explanation
        super().check(system, backend_name, h)

    @classmethod
    def prefers(cls, system, backend_name, h) -> bool:
        return system.clusterable and backend_name in cls.backends and not np.any(h != 0)

    def set_params(self, beta, h):
        self._beta, self._h = beta, h
        self._padd = _rng.threshold(self.chain.system.bond_probability(beta))
        self.reset()

    def reset(self):
        self._cluster_count = np.zeros(self.chain.batch, np.int64)
        self._adapt_sweeps = 0
        self._learned = None

    @property
    def learning(self) -> bool:
        return self._adapt_sweeps >= 0

    def sweep(self, x, t):
        c, learning = self.chain, self.learning
        n = np.zeros(c.batch, np.int64) if learning else self._n_clusters
        spins = c.system.site_kind == "spin"
        x = c.kernels.wolff_sweep(x, c.system.n_states, spins, self._padd, self._beta, self._h, n,
                                  _rng.keys(c.seed, t, 1))
        if learning:
            self._cluster_count += n
            self._adapt_sweeps += 1
            if self._adapt_sweeps % ADAPT == 0:
                self._end_round()
        return x

    def _end_round(self):
        c = self.chain
        per_T = self._cluster_count.reshape(c.n_T, c.n_chains).mean(axis=1) / ADAPT
        learned, self._cluster_count[:] = per_T, 0
        done = self._learned is not None and np.all(np.abs(learned - self._learned) <= 0.2 * self._learned)
        self._learned = learned
        if done or self._adapt_sweeps >= ADAPT * ROUNDS:
            self._n_clusters = np.repeat(np.maximum(1, np.rint(learned)), c.n_chains).astype(np.int64)
            self._adapt_sweeps = -1  # learned
