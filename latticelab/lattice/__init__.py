"""Periodic L x L square-lattice geometry shared by systems, samplers and tests.

Functions here work on numpy arrays and torch tensors alike: the last two axes of
``x`` are the lattice rows and columns; any leading axes are batch axes. Larger pieces of geometry
live in submodules, one idea each, and load on first use: ``orders`` (unwrapping a lattice into
a sequence and back) and ``decimation`` (real-space RG maps).
"""
from __future__ import annotations

import numpy as np


def is_torch(x) -> bool:
    """True when ``x`` is a torch tensor (without importing torch for numpy input)."""
    return type(x).__module__.startswith("torch")


def writable(x):
    """``x`` as a numpy array that torch can wrap: copied only where it is read-only (cached arrays are)."""
    a = np.asarray(x)
    return a if a.flags.writeable else a.copy()


def roll(x, shift: int, axis: int):
    """Periodic shift along ``axis`` for numpy arrays and torch tensors."""
    if is_torch(x):
        import torch

        return torch.roll(x, shifts=shift, dims=axis)
    return np.roll(x, shift, axis=axis)


def down(x):
    """The neighbour below each site: ``down(x)[..., i, j] == x[..., (i+1) % L, j]``."""
    return roll(x, -1, -2)


def right(x):
    """The neighbour to the right: ``right(x)[..., i, j] == x[..., i, (j+1) % L]``."""
    return roll(x, -1, -1)


def neighbour_sum(x):
    """Sum of the four nearest neighbours of every site, same shape as ``x``."""
    return roll(x, 1, -2) + roll(x, -1, -2) + roll(x, 1, -1) + roll(x, -1, -1)


def checkerboard(L: int) -> np.ndarray:
    """bool (L, L): True on sites with (i + j) even. Needs even L to be a proper 2-colouring."""
    i, j = np.indices((L, L))
    return (i + j) % 2 == 0


def check_size(L, *, even: bool = False, minimum: int = 2, maximum: int | None = None, what: str = "L") -> int:
    """Validate a lattice size and return it as int: ``minimum <= L <= maximum``; ``even`` demands an even size."""
    if isinstance(L, bool) or not isinstance(L, (int, np.integer)):
        raise TypeError(f"{what} must be an integer lattice size, got {L!r}; pass e.g. {what}=16")
    L = int(L)
    minimum = max(2, minimum)
    if L < minimum:
        reason = "a periodic lattice needs" if minimum == 2 else "this needs"
        raise ValueError(f"{what}={L} is too small: {reason} {what} >= {minimum} (e.g. {what}=16)")
    if maximum is not None and L > maximum:
        raise ValueError(f"{what}={L} is too large: at most {maximum} here")
    if even and L % 2:
        raise ValueError(
            f"{what}={L} is odd, but a checkerboard update needs an even lattice size: "
            f"use {what}={L - 1 if L - 1 >= minimum else L + 1} or {what}={L + 1}, or algorithm='wolff' (Ising/Potts)"
        )
    return L


_LAZY = {
    "unwrap": "orders", "rewrap": "orders", "ORDERS": "orders",
    "decimate": "decimation", "decimation_matrix": "decimation", "majority_block": "decimation",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
