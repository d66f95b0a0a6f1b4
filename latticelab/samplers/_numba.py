"""numba kernels (CPU, parallel over chains and rows). Pure: arrays in, arrays updated in place.

State: int8 (B, L, L) with B = n_T * n_chains. One checkerboard pass updates every site
of one colour; each rule is a small inlined function called by the one pass loop.
Random words come from the counter-based hash of ``_rng`` so results do not depend on
thread count or scheduling, and match the torch kernels draw for draw.
"""
from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

SERIAL_BELOW = 1 << 16  # sites in a batch below which a pass runs on one thread

_M = np.uint64(0xFFFFFFFF)
_C1 = np.uint64(0x21F0AAAD)
_C2 = np.uint64(0xD35A2D97)
_S16 = np.uint64(16)
_S15 = np.uint64(15)
_TWO32 = 4294967296.0


@njit(inline="always")
def _mix32(x):
    x ^= x >> _S16
    x = (x * _C1) & _M
    x ^= x >> _S15
    x = (x * _C2) & _M
    x ^= x >> _S15
    return x


@njit(inline="always")
def _stage(ctr, k1):
    return _mix32((ctr + k1) & _M)


@njit(inline="always")
def _ising_rule(x, b, i, j, iu, idn, jl, jr, u, k2, k3, params):
    thr = params[0]
    s = x[b, i, j]
    nn = x[b, iu, j] + x[b, idn, j] + x[b, i, jl] + x[b, i, jr]
    k = 5 * (s > 0) + (nn + 4) // 2
    if _mix32(u ^ k2) < thr[b, k]:
        return -s
    return s


@njit(inline="always")
def _potts_rule(x, b, i, j, iu, idn, jl, jr, u, k2, k3, params):
    thr, q = params
    s = x[b, i, j]
    new = (s + 1 + np.int64(_mix32(u ^ k3) % np.uint64(q - 1))) % q
    a = x[b, iu, j]
    c = x[b, idn, j]
    d = x[b, i, jl]
    e = x[b, i, jr]
    n_old = (a == s) + (c == s) + (d == s) + (e == s)
    n_new = (a == new) + (c == new) + (d == new) + (e == new)
    if _mix32(u ^ k2) < thr[b, n_new - n_old + 4]:
        return np.int8(new)
    return s


@njit(inline="always")
def _ea_rule(x, b, i, j, iu, idn, jl, jr, u, k2, k3, params):
    beta, Jh, Jv = params
    s = x[b, i, j]
    f = Jh[i, j] * x[b, i, jr] + Jh[i, jl] * x[b, i, jl] + Jv[i, j] * x[b, idn, j] + Jv[iu, j] * x[b, iu, j]
    p = np.exp(-beta[b] * 2.0 * s * f)
    if np.float64(_mix32(u ^ k2)) < p * _TWO32:
        return -s
    return s


@njit(inline="always")
def _pass_loop(x, colour, k1, k2, k3, rule, params):
    """Update every site with (i + j) % 2 == colour of x: int8 (B, L, L), in place, by ``rule``."""
    B, L, _ = x.shape
    N = L * L
    for row in prange(B * L):
        b = row // L
        i = row - b * L
        iu = i - 1 if i > 0 else L - 1
        idn = i + 1 if i < L - 1 else 0
        base = np.uint64(b * N + i * L)
        for j in range((i + colour) & 1, L, 2):
            jl = j - 1 if j > 0 else L - 1
            jr = j + 1 if j < L - 1 else 0
            u = _stage((base + np.uint64(j)) & _M, k1)
            x[b, i, j] = rule(x, b, i, j, iu, idn, jl, jr, u, k2, k3, params)


# One thin, disk-cached entry point per rule around the one loop: a new process loads the compiled
# pass instead of compiling it again (seconds). The rule is a global here, not an argument: numba
# cannot cache a function taking a jitted function as an argument (its index went stale and crashed
# new processes), nor a closure over one (the pickled closure differs per process, so it never hits).
@njit(parallel=True, nogil=True, cache=True)
def _ising_pass(x, colour, k1, k2, k3, params):
    _pass_loop(x, colour, k1, k2, k3, _ising_rule, params)


@njit(parallel=True, nogil=True, cache=True)
def _potts_pass(x, colour, k1, k2, k3, params):
    _pass_loop(x, colour, k1, k2, k3, _potts_rule, params)


@njit(parallel=True, nogil=True, cache=True)
def _ea_pass(x, colour, k1, k2, k3, params):
    _pass_loop(x, colour, k1, k2, k3, _ea_rule, params)


_PASSES = {"ising": _ising_pass, "potts": _potts_pass, "ea": _ea_pass}


def metropolis_sweep(x, rule: str, params: tuple, keys_even, keys_odd):
    """One checkerboard sweep (both colours) of x: int8 (B, L, L), in place; returns x."""
    fn = _PASSES[rule]
    threads = numba.get_num_threads()
    if x.size < SERIAL_BELOW:
        numba.set_num_threads(1)  # thread-local; a pass this small costs less than waking threads
    try:
        for colour, (k1, k2, k3) in ((0, keys_even), (1, keys_odd)):
            fn(x, colour, np.uint64(k1), np.uint64(k2), np.uint64(k3), params)
    finally:
        numba.set_num_threads(threads)
    return x


@njit(parallel=True, nogil=True, cache=True)
def _wolff(x, q, ising, padd, beta, h, n_clusters, k1, k2, k3):
    """Wolff clusters on x: int8 (B, N) flattened lattices of side L = sqrt(N).

    Chain b builds ``n_clusters[b]`` clusters (int64 (B,)); where that is 0 it builds clusters
    until at least N spins were covered, and ``n_clusters[b]`` is set to the number it built.
    ``padd`` uint64 (B,) thresholds of the bond probability; Ising clusters in a field h (B,)
    are accepted with probability min(1, exp(-2 beta h s n))."""
    B, N = x.shape
    L = int(np.sqrt(N) + 0.5)
    for b in prange(B):
        kb = _mix32((np.uint64(b) + k3) & _M)
        queue = np.empty(N, np.int64)
        mark = np.zeros(N, np.int64)
        ctr = np.uint64(0)
        gen = 0
        done = 0
        fixed = n_clusters[b] > 0
        while (gen < n_clusters[b]) if fixed else (done < N):
            gen += 1
            site = np.int64(_mix32(_stage(ctr, k1) ^ k2 ^ kb) % np.uint64(N))
            ctr += np.uint64(1)
            s0 = x[b, site]
            if ising:
                new = -s0
            else:
                new = (s0 + 1 + np.int64(_mix32(_stage(ctr, k1) ^ k2 ^ kb) % np.uint64(q - 1))) % q
                ctr += np.uint64(1)
            queue[0] = site
            mark[site] = gen
            n = 1
            head = 0
            while head < n:
                site = queue[head]
                head += 1
                i = site // L
                j = site - i * L
                for d in range(4):
                    if d == 0:
                        nb = (i - 1 if i > 0 else L - 1) * L + j
                    elif d == 1:
                        nb = (i + 1 if i < L - 1 else 0) * L + j
                    elif d == 2:
                        nb = i * L + (j - 1 if j > 0 else L - 1)
                    else:
                        nb = i * L + (j + 1 if j < L - 1 else 0)
                    if mark[nb] != gen and x[b, nb] == s0:
                        r = _mix32(_stage(ctr, k1) ^ k2 ^ kb)
                        ctr += np.uint64(1)
                        if r < padd[b]:
                            mark[nb] = gen
                            queue[n] = nb
                            n += 1
            accept = True
            if h[b] != 0.0:
                p = np.exp(-2.0 * beta[b] * h[b] * s0 * n)
                accept = np.float64(_mix32(_stage(ctr, k1) ^ k2 ^ kb)) < p * _TWO32
                ctr += np.uint64(1)
            if accept:
                for k in range(n):
                    x[b, queue[k]] = new
            done += n
        if not fixed:
            n_clusters[b] = gen


def wolff_sweep(x, q: int, ising: bool, padd, beta, h, n_clusters, keys):
    """One Wolff sweep of x: int8 (B, L, L), in place; returns x. See ``_wolff`` for ``n_clusters``."""
    B, L, _ = x.shape
    k1, k2, k3 = keys
    _wolff(x.reshape(B, L * L), q, ising, padd, beta, h, n_clusters, np.uint64(k1), np.uint64(k2), np.uint64(k3))
    return x


def asarray(a, device=None):
    """numpy array -> the numba backend's native array (a contiguous numpy copy)."""
    return np.array(a, order="C")


def to_numpy(x) -> np.ndarray:
    return x.copy()


def prepare(rule: str, params: tuple, device=None) -> tuple:
    """The rule's host parameters as the kernels take them (contiguous numpy)."""
    return tuple(np.ascontiguousarray(p) if isinstance(p, np.ndarray) else p for p in params)
