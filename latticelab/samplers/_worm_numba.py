"""numba kernels of the dual complex phi^4 sampler: worms for the flux k, local Metropolis for l.

State: int32 (B, 4, Lt, Lx), channels (k_t, k_x, l_t, l_x); channel c of (t, x) is the link to (t+1, x)
(c = 0, 2) or (t, x+1) (c = 1, 3). Chains are independent and run in parallel (prange over b); each
chain draws from its own splitmix64 stream seeded by (key, b), so results do not depend on threads.

Weights (see latticelab.systems.phi4): e^{mu k_t} / ((|k| + l)! l!) per link, W(f_x) per site, with
``logw`` float64 (F,) = log W(f) for f < F; a move needing f >= F is rejected (a truncation).

Worm (the trace of a Metropolis chain on closed and open configurations; Prokof'ev-Svistunov): from a
closed configuration pick a tail site and a flux sign s uniformly; the head moves to one of its 4
neighbours chosen uniformly, changing the link between by +s (forward) or -s (backward), accepted with
min(1, ratio of the link factors x W ratios at both ends). The worm ends when the head is back on the
tail (or when the very first move is rejected); then the configuration is closed again. Open
configurations weigh w(k, l) / (2V), so every such move has the plain Metropolis ratio and the closed
configurations the worm ends on are distributed as w.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV53 = 1.0 / 9007199254740992.0


@njit(inline="always")
def _next(state):
    """splitmix64: (new state, 64-bit word)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return state, z ^ (z >> np.uint64(31))


@njit(inline="always")
def _uniform(state):
    state, z = _next(state)
    return state, np.float64(z >> np.uint64(11)) * _INV53


@njit(inline="always")
def _f(s, t, x, Lt, Lx):
    """f at site (t, x) of one chain's state s (4, Lt, Lx)."""
    tb = t - 1 if t > 0 else Lt - 1
    xb = x - 1 if x > 0 else Lx - 1
    return (abs(s[0, t, x]) + abs(s[0, tb, x]) + abs(s[1, t, x]) + abs(s[1, t, xb])
            + 2 * (s[2, t, x] + s[2, tb, x] + s[3, t, x] + s[3, t, xb]))


@njit(inline="always")
def _l_pass(s, logw, state):
    """One Metropolis pass over every l link (proposal l +- 1 with probability 1/2 each)."""
    _, Lt, Lx = s.shape
    F = logw.shape[0]
    for c in range(2):
        for t in range(Lt):
            for x in range(Lx):
                state, u = _uniform(state)
                d = 1 if u < 0.5 else -1
                l = s[2 + c, t, x]
                if l + d < 0:
                    continue
                k = abs(s[c, t, x])
                if c == 0:
                    ty, xy = (t + 1 if t < Lt - 1 else 0), x
                else:
                    ty, xy = t, (x + 1 if x < Lx - 1 else 0)
                fx = _f(s, t, x, Lt, Lx)
                fy = _f(s, ty, xy, Lt, Lx)
                if max(fx, fy) + 2 * max(d, 0) >= F:  # outside the table (a truncated ensemble): reject
                    continue
                if d == 1:  # (k+l)! l! / ((k+l+1)! (l+1)!)
                    lr = -math.log(k + l + 1) - math.log(l + 1)
                else:
                    lr = math.log(k + l) + math.log(l)
                lr += logw[fx + 2 * d] - logw[fx] + logw[fy + 2 * d] - logw[fy]
                state, u = _uniform(state)
                if lr >= 0 or u < math.exp(lr):
                    s[2 + c, t, x] = l + d
    return state


@njit(inline="always")
def _worm(s, logw, mu, state):
    """One worm on one chain's closed state s; returns (state, accepted head moves)."""
    _, Lt, Lx = s.shape
    F = logw.shape[0]
    state, z = _next(state)
    t0 = np.int64(z % np.uint64(Lt))
    x0 = np.int64((z >> np.uint64(20)) % np.uint64(Lx))
    sign = 1 if (z >> np.uint64(63)) == 0 else -1
    ht, hx = t0, x0
    moves = 0
    while True:
        state, z = _next(state)
        direction = np.int64(z >> np.uint64(62))  # 0 +t, 1 -t, 2 +x, 3 -x
        if direction == 0:
            c, lt, lx, dk = 0, ht, hx, sign
            yt, yx = (ht + 1 if ht < Lt - 1 else 0), hx
        elif direction == 1:
            yt, yx = (ht - 1 if ht > 0 else Lt - 1), hx
            c, lt, lx, dk = 0, yt, yx, -sign
        elif direction == 2:
            c, lt, lx, dk = 1, ht, hx, sign
            yt, yx = ht, (hx + 1 if hx < Lx - 1 else 0)
        else:
            yt, yx = ht, (hx - 1 if hx > 0 else Lx - 1)
            c, lt, lx, dk = 1, yt, yx, -sign
        kold = s[c, lt, lx]
        knew = kold + dk
        l = s[2 + c, lt, lx]
        da = abs(knew) - abs(kold)
        fh = _f(s, ht, hx, Lt, Lx)
        fy = _f(s, yt, yx, Lt, Lx)
        ok = max(fh, fy) + max(da, 0) < F
        if ok:
            lr = mu * dk if c == 0 else 0.0
            if da == 1:  # (|k| + l)! / (|k| + 1 + l)!
                lr -= math.log(abs(knew) + l)
            else:
                lr += math.log(abs(kold) + l)
            lr += logw[fh + da] - logw[fh] + logw[fy + da] - logw[fy]
            state, u = _uniform(state)
            if lr >= 0 or u < math.exp(lr):
                s[c, lt, lx] = knew
                ht, hx = yt, yx
                moves += 1
        if ht == t0 and hx == x0:
            return state, moves


@njit(inline="always")
def _chain_sweep(s, logw, mu, n_worms, min_moves, seed):
    """One sweep of one chain s (4, Lt, Lx); returns (worms run, accepted head moves)."""
    state, _ = _next(seed)
    state = _l_pass(s, logw, state)
    w = 0
    moves = 0
    while w < n_worms or (moves < min_moves and w < 64 * min_moves):  # (a chain that cannot move stops learning)
        state, m = _worm(s, logw, mu, state)
        moves += m
        w += 1
    return w, moves


@njit(nogil=True, cache=True)
def _sweep_serial(x, logw, mu, n_worms, min_moves, seeds, worms_done, moves_done):
    for b in range(x.shape[0]):
        worms_done[b], moves_done[b] = _chain_sweep(x[b], logw, mu, n_worms[b], min_moves, seeds[b])


@njit(parallel=True, nogil=True, cache=True)
def _sweep_parallel(x, logw, mu, n_worms, min_moves, seeds, worms_done, moves_done):
    for b in prange(x.shape[0]):
        worms_done[b], moves_done[b] = _chain_sweep(x[b], logw, mu, n_worms[b], min_moves, seeds[b])


PARALLEL_FROM = 1 << 15  # link variables in a batch from which chains run on several threads (measured: waking
# the threads cost ~60x the work of 16 chains of 8 x 8 on the 2-core machine)


def dual_sweep(x, logw, mu, n_worms, min_moves, seeds, worms_done, moves_done):
    """One sweep of every chain of x: int32 (B, 4, Lt, Lx), in place: an l pass, then worms.

    A chain runs worms until it has run ``n_worms[b]`` of them and made at least ``min_moves`` accepted head
    moves (``min_moves`` > 0 only while learning how many worms make a sweep). ``seeds`` uint64 (B,);
    ``worms_done`` and ``moves_done`` int64 (B,) receive what each chain did. Returns x.
    """
    fn = _sweep_parallel if x.size >= PARALLEL_FROM and x.shape[0] > 1 else _sweep_serial
    fn(x, logw, np.float64(mu), n_worms, np.int64(min_moves), seeds, worms_done, moves_done)
    return x
