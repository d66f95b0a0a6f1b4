"""Unwrapping an L x L lattice into a sequence of L*L sites and back (what a sequence model reads).

    seq = unwrap(configs, "spiral")      # (..., L, L) -> (..., L*L)
    configs = rewrap(seq, L, "spiral")   # (..., L*L) -> (..., L, L), the exact inverse

Orders (``ORDERS``):
  raster   row by row, left to right
  snake    row by row, alternating direction (neighbours along a row stay neighbours at row ends)
  spiral   from the centre outwards, turning clockwise (the original work's default)

Both functions work on numpy arrays and torch tensors; any leading axes are batch axes.
"""
from __future__ import annotations

import functools

import numpy as np

from . import check_size, is_torch

ORDERS = ("raster", "snake", "spiral")


def _check_order(order) -> str:
    if order not in ORDERS:
        raise ValueError(f"unknown unwrapping order {order!r}; choose one of {', '.join(map(repr, ORDERS))}")
    return order


def _spiral_in(L: int) -> list:
    """Flat site indices of an outside-in clockwise spiral starting at the top-left corner."""
    top, bottom, left, right, out = 0, L - 1, 0, L - 1, []
    while top <= bottom and left <= right:
        out += [top * L + j for j in range(left, right + 1)]
        out += [i * L + right for i in range(top + 1, bottom + 1)]
        if top < bottom:
            out += [bottom * L + j for j in range(right - 1, left - 1, -1)]
        if left < right:
            out += [i * L + left for i in range(bottom - 1, top, -1)]
        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
    return out


@functools.lru_cache(maxsize=64)
def permutation(L: int, order: str) -> np.ndarray:
    """int64 (L*L,), read-only: ``perm[k]`` is the flat index (row * L + column) of the k-th site of the sequence."""
    L = check_size(L)
    order = _check_order(order)
    flat = np.arange(L * L).reshape(L, L)
    if order == "raster":
        perm = flat.ravel()
    elif order == "snake":
        perm = np.where(np.arange(L)[:, None] % 2 == 0, flat, flat[:, ::-1]).ravel()
    else:
        perm = np.array(_spiral_in(L)[::-1], dtype=np.int64)
    perm = np.ascontiguousarray(perm, dtype=np.int64)
    perm.setflags(write=False)
    return perm


@functools.lru_cache(maxsize=64)
def _inverse(L: int, order: str) -> np.ndarray:
    inv = np.argsort(permutation(L, order))
    inv.setflags(write=False)
    return inv


def _take(x, index: np.ndarray):
    if is_torch(x):
        import torch

        return x[..., torch.tensor(index, device=x.device)]
    return x[..., index]


def unwrap(configs, order: str = "spiral"):
    """configs (..., L, L) -> sequences (..., L*L) read in ``order`` (numpy or torch, dtype kept)."""
    if configs.ndim < 2 or configs.shape[-1] != configs.shape[-2]:
        raise ValueError(f"unwrap needs square lattices (..., L, L), got shape {tuple(configs.shape)}")
    L = configs.shape[-1]
    return _take(configs.reshape(*configs.shape[:-2], L * L), permutation(L, order))


def rewrap(seq, L: int, order: str = "spiral"):
    """sequences (..., L*L) in ``order`` -> configs (..., L, L); ``rewrap(unwrap(x, o), L, o)`` is ``x``."""
    if seq.ndim < 1 or seq.shape[-1] != L * L:
        raise ValueError(f"rewrap(seq, L={L}) needs sequences of length L*L = {L * L}, got shape {tuple(seq.shape)}")
    return _take(seq, _inverse(L, order)).reshape(*seq.shape[:-1], L, L)
