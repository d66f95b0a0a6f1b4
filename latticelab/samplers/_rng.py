"""Counter-based random numbers shared by every backend.

A random 32-bit word for site ``ctr`` (global index b * N + i * L + j) in one
half-sweep is ``mix32(mix32((ctr + k1) mod 2^32) ^ k2)``; a second independent word
(Potts proposals) is ``mix32(mix32(...) ^ k3)``. The keys (k1, k2, k3) come from the
seed and the half-sweep counter through splitmix64 on the host. Nothing is stateful,
so the numba and torch kernels draw exactly the same numbers in any thread order,
and a chain's stream depends only on (seed, sweep, site).

``mix32`` is Wellons' "lowbias32" integer hash (constants 0x21f0aaad, 0xd35a2d97).
"""
from __future__ import annotations

import numpy as np

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF
C1 = 0x21F0AAAD
C2 = 0xD35A2D97


def splitmix64(x: int) -> int:
    """One step of splitmix64 on Python ints (host side)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def keys(seed: int, step: int, stream: int = 0) -> tuple[int, int, int]:
    """Three 32-bit keys for half-sweep ``step`` of the chain seeded ``seed``.

    ``stream`` separates independent uses of one seed (0: checkerboard passes,
    1: Wolff clusters, 2: start configurations).
    """
    a = splitmix64((seed & MASK64) ^ splitmix64((step * 4 + stream) & MASK64))
    b = splitmix64(a)
    return a & MASK32, a >> 32, b & MASK32


def mix32_numpy(x: np.ndarray) -> np.ndarray:
    """Reference ``mix32`` on uint64 numpy arrays holding 32-bit values (used by tests)."""
    x = x.astype(np.uint64)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(C1)) & np.uint64(MASK32)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(C2)) & np.uint64(MASK32)
    x ^= x >> np.uint64(15)
    return x


def threshold(p: np.ndarray) -> np.ndarray:
    """uint64 acceptance thresholds: a 32-bit word r accepts iff r < ceil(min(p, 1) * 2^32)."""
    p = np.minimum(np.asarray(p, dtype=np.float64), 1.0)
    return np.ceil(p * 4294967296.0).astype(np.uint64)
