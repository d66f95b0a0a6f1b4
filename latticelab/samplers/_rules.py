"""Host-side parameters of the Metropolis rules, shared by every backend.

Ising and Potts energy changes take a handful of integer-indexed values, so each chain
gets a small table of uint64 acceptance thresholds (see ``_rng.threshold``):

- Ising, index ``5 * (s > 0) + (nn + 4) // 2`` with nn the neighbour sum, dE = 2 s (J nn + h).
- Potts, index ``n_new - n_old + 4`` (neighbours equal to the proposed / current state),
  dE = -J (n_new - n_old).

The spin glass's local fields are real, so its kernels evaluate exp(-beta dE) per site
and accept iff r < p * 2^32 in float64.
"""
from __future__ import annotations

import numpy as np

from ..systems import EdwardsAnderson, Ising, Potts
from ._rng import threshold


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


def metropolis_params(system, beta: np.ndarray, h: np.ndarray):
    """What a backend's Metropolis kernel needs besides the state: a tuple of numpy arrays."""
    if isinstance(system, Ising):
        return (ising_table(beta, system.J, h),)
    if isinstance(system, Potts):
        return (potts_table(beta, system.J), np.int64(system.q))
    if isinstance(system, EdwardsAnderson):
        return (np.asarray(beta, dtype=np.float64), system.Jh, system.Jv)
    raise TypeError(f"no Metropolis rule for {type(system).__name__}")
