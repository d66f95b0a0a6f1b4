"""Real-space RG maps on the square lattice: decimation (as in Shukla & Thakur, arXiv 2108.06157) and
majority-rule block spins. numpy arrays and torch tensors alike; leading axes are batch axes.

Decimation removes every other site in two steps, so that each step halves the number of sites:

    x:                  (..., L, L)        the lattice
    decimate(x):        (..., L, L // 2)   the sites with (i + j) even, row by row:
                                           out[..., i, k] = x[..., i, 2k + i % 2]
    decimate(twice):    (..., L // 2, L // 2)  the even rows of that, so two steps == x[..., ::2, ::2]

After one step the kept sites form a lattice rotated by 45 degrees with spacing sqrt 2; stored row
by row it looks squeezed in one direction (the paper's 32 x 16 "deformed" lattices). The same maps
as 0/1 matrices on flattened (row-major, numpy's order) lattices are ``decimation_matrix``: they are
the hard-coded weights of the paper's HCG networks (its eqs. 7-8).
"""
from __future__ import annotations

import numpy as np

from . import check_size, is_torch


def _shape_error(shape) -> ValueError:
    return ValueError(
        f"decimate takes a batch (..., L, L) with even L, or a once-decimated batch (..., L, L // 2); "
        f"got shape {tuple(shape)}. Pad or crop the lattice to an even size, e.g. 32 x 32"
    )


def decimate(x):
    """One decimation step (see the module doc): (..., L, L) -> (..., L, L // 2) -> (..., L // 2, L // 2).

    x: any dtype, numpy array or torch tensor, at least 2-d. The result is an array of x's kind and
    dtype: a new one for the first step, a view of x for the second (its even rows).
    """
    shape = tuple(x.shape)
    if len(shape) < 2:
        raise _shape_error(shape)
    rows, cols = shape[-2:]
    if rows == cols and rows % 2 == 0 and rows >= 2:
        # even rows keep their even columns, odd rows their odd ones: out[..., i, k] = x[..., i, 2k + i % 2]
        if is_torch(x):
            out = x.new_empty((*shape[:-1], cols // 2))
        else:
            x = np.asarray(x)
            out = np.empty((*shape[:-1], cols // 2), dtype=x.dtype)
        out[..., 0::2, :] = x[..., 0::2, 0::2]
        out[..., 1::2, :] = x[..., 1::2, 1::2]
        return out
    if rows == 2 * cols and cols >= 1:
        return x[..., ::2, :]
    raise _shape_error(shape)


def decimation_matrix(L: int, step: int = 1) -> np.ndarray:
    """The 0/1 matrix M of one decimation step on flattened lattices (row-major), float32:

    step=1: (L*L, L*L // 2), ``x.reshape(B, -1) @ M == decimate(x).reshape(B, -1)`` for x (B, L, L);
    step=2: (L*L // 2, L*L // 4), the same for x (B, L, L // 2) (the second step).
    Each column has exactly one 1 (the site that is kept), so M.T @ M is the identity.
    """
    L = check_size(L, even=True, what="L")
    if step not in (1, 2):
        raise ValueError(f"step must be 1 (L x L -> L x L/2) or 2 (L x L/2 -> L/2 x L/2), got {step!r}")
    rows, cols = (L, L) if step == 1 else (L, L // 2)
    index = np.arange(rows * cols).reshape(rows, cols)
    kept = decimate(index).ravel()  # input site of each output site, in the output's row-major order
    m = np.zeros((rows * cols, kept.size), dtype=np.float32)
    m[kept, np.arange(kept.size)] = 1.0
    return m


TIES = ("corner", "up")


def majority_block(x, b: int = 2, tie: str = "corner"):
    """Block spins by majority rule: (..., L, L) of +-1 -> (..., L // b, L // b) of +-1 (x's dtype and kind).

    Each b x b block (rows b*I .. b*I + b - 1, columns b*J .. b*J + b - 1) becomes the sign of its sum.
    A tie (a zero sum, possible for even b) is broken by ``tie``:
      'corner' (default): the block's top-left spin x[..., b*I, b*J], so a global flip flips the result;
      'up': +1 (not flip-symmetric; for comparison only).
    L must be a multiple of b.
    """
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1:
        raise ValueError(f"the block size b must be a positive integer, got {b!r}; e.g. b=2 (or 3, as in Kadanoff's picture)")
    if tie not in TIES:
        raise ValueError(f"unknown tie={tie!r}; choose 'corner' (the block's top-left spin) or 'up' (+1)")
    shape = tuple(x.shape)
    if len(shape) < 2 or shape[-1] != shape[-2] or shape[-1] % b:
        raise ValueError(f"majority_block takes a batch (..., L, L) with L a multiple of b={b}; got shape {shape}")
    n = shape[-1] // b
    blocks = x.reshape(*shape[:-2], n, b, n, b)
    total = blocks.sum(-1).sum(-2)  # (..., n, n); numpy and torch sum int8 in int64
    corner = x[..., ::b, ::b]
    if is_torch(x):
        import torch

        fallback = corner if tie == "corner" else torch.ones_like(corner)
        return torch.where(total == 0, fallback, torch.sign(total).to(x.dtype))
    fallback = corner if tie == "corner" else np.ones_like(corner)
    return np.where(total == 0, fallback, np.sign(total)).astype(np.asarray(x).dtype, copy=False)
