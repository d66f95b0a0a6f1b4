"""Checkerboard Metropolis: one pass per colour, a kernel per ``system.metropolis_rule``.

Ising and Potts energy changes take a handful of integer-indexed values, so each chain
gets a small table of uint64 acceptance thresholds (see ``_rng.threshold``):

- Ising, index ``5 * (s > 0) + (nn + 4) // 2`` with nn the neighbour sum, dE = 2 s (J nn + h).
- Potts, index ``n_new - n_old + 4`` (neighbours equal to the proposed / current state),
  dE = -J (n_new - n_old).

The spin glass's local fields are real, so its kernels evaluate exp(-beta dE) per site
and accept iff r < p * 2^32 in float64. A new rule is a ``RULES`` entry here plus a kernel
in ``_numba`` and ``_torch``.
"""
from __future__ import annotations

import numpy as np

from . import _rng
from ._rng import threshold
from .updates import Update, register


def ising_table(beta: np.ndarray, J: float, h: np.ndarray) -> np.ndarray:
    """uint64 (B, 10) thresholds for per-chain ``beta`` (B,) and field ``h`` (B,)."""
    s = np.array([-1.0] * 5 + [1.0] * 5)
    nn = np.tile(np.arange(-4.0, 5.0, 2.0), 2)
    dE = 2.0 * s[None, :] * (J * nn[None, :] + h[:, None])
    return threshold(np.exp(-beta[:, None] * dE))


def potts_table(beta: np.ndarray, J: float) -> np.ndarray:
    """uint64 (B, 9) thresholds for per-chain ``beta`` (B,)."""
    dn = np.arange(-4.0, 5.0)
    return threshold(np.exp(beta[:, None] * J * dn[None, :]))


#: rule name -> (system, beta (B,), h (B,)) -> the tuple of numpy arrays its kernels take besides the state
RULES = {
    "ising": lambda system, beta, h: (ising_table(beta, system.J, h),),
    "potts": lambda system, beta, h: (potts_table(beta, system.J), np.int64(system.q)),
    "ea": lambda system, beta, h: (np.asarray(beta, dtype=np.float64), system.Jh, system.Jv),
}


def metropolis_params(system, beta: np.ndarray, h: np.ndarray) -> tuple:
    """What a backend's Metropolis kernel needs besides the state: a tuple of numpy arrays."""
    if system.metropolis_rule not in RULES:
        raise TypeError(f"no Metropolis rule {system.metropolis_rule!r} for {type(system).__name__}")
    return RULES[system.metropolis_rule](system, beta, h)


@register
class Metropolis(Update):
    """Single-site Metropolis in two checkerboard passes per sweep (the backend's kernels)."""

    name = "metropolis"
    needs_even_L = True

    @classmethod
    def prefers(cls, system, backend_name, h) -> bool:
        return True

    def set_params(self, beta, h):
        c = self.chain
        rule = c.system.metropolis_rule
        self._params = c.kernels.prepare(rule, metropolis_params(c.system, beta, h), c.backend.device)

    def sweep(self, x, t):
        seed = self.chain.seed
        return self.chain.kernels.metropolis_sweep(
            x, self.chain.system.metropolis_rule, self._params, _rng.keys(seed, 2 * t), _rng.keys(seed, 2 * t + 1)
        )
