"""Generic brute-force enumeration: sum additive row features over every sequence of L rows.

This is the engine behind ``enumerate``; it knows nothing about spins. The lattice is cut
into a top half (rows 0..h-1) and a bottom half (rows h..L-1); the feature sums of all
row sequences of each half are tabulated once, and every full configuration is then one
vectorised addition of a top entry, a bottom entry and the two bonds joining the halves
(row h-1 to row h, and row L-1 back to row 0). This meet-in-the-middle layout keeps the
work per configuration to a handful of array operations (3^16 = 43M Potts
configurations take about a second).
"""
from __future__ import annotations

import numpy as np


def _half(intra, inter):
    """Tabulate a run of consecutive rows.

    intra: (m, n, F) features of each row of the run; inter: (m - 1, n, n) bond feature between
    consecutive rows (added to feature 0). Returns sums (n**m, F), first (n**m,), last (n**m,)
    row states, sequences numbered with the first row most significant.
    """
    n = intra.shape[1]
    states = np.arange(n)
    sums, first, last = intra[0].copy(), states.copy(), states.copy()
    for k in range(1, len(intra)):
        block = sums[:, None, :] + intra[k][None, :, :]
        block[..., 0] += inter[k - 1][last[:, None], states[None, :]]
        sums = block.reshape(-1, intra.shape[2])
        first = np.repeat(first, n)
        last = np.tile(states, len(last))
    return sums, first, last


def sequence_sums(intra, inter, max_chunk: int = 2**20):
    """Yield the feature sums of all n**L periodic row sequences, in chunks.

    intra: (L, n, F) additive features of row i in row state r (int or float).
    inter: (L, n, n) bond feature between row i in state r and row (i+1) % L in state r',
        added to feature 0 (the energy-like feature).
    yields: (m, F) arrays; together they hold every sequence exactly once (order unspecified).
    """
    L, n, F = intra.shape
    h = L // 2
    top, top_first, top_last = _half(intra[:h], inter[: h - 1])
    bottom, bottom_first, bottom_last = _half(intra[h:], inter[h : L - 1])
    down, up = inter[h - 1], inter[L - 1]  # top -> bottom, and bottom -> top across the periodic edge
    step = max(1, max_chunk // (len(bottom) * F))
    for a0 in range(0, len(top), step):
        a = slice(a0, a0 + step)
        out = top[a][:, None, :] + bottom[None, :, :]
        out[..., 0] += down[top_last[a][:, None], bottom_first[None, :]]
        out[..., 0] += up[bottom_last[None, :], top_first[a][:, None]]
        yield out.reshape(-1, F)
