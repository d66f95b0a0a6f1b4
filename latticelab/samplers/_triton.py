"""Triton kernel for the Ising checkerboard pass on CUDA: in place, one colour, uint32 hashing.

The twin of ``_numba._ising_rule`` / ``_torch._ising_pass`` (same random words, same
result), written by hand because the generated kernel spends its time on int64
conversions. Imported only on CUDA machines that have Triton.
"""
from __future__ import annotations

import triton
import triton.language as tl

BLOCK = 512  # measured on an H100 at L = 4096: 256 -> 232, 512 -> 273, 1024 -> 252, 2048 -> 133 flips/ns


@triton.jit
def _mix32(x):
    # uint32 arithmetic wraps; 0xD35A2D97 = -0x2CA5D269 mod 2^32 keeps every literal in int32 range
    x = x ^ (x >> 16)
    x = x * 0x21F0AAAD
    x = x ^ (x >> 15)
    x = (x ^ x) - x * 0x2CA5D269
    x = x ^ (x >> 15)
    return x


@triton.jit(do_not_specialize=["colour", "k1", "k2"])  # new keys every pass: compile once
def _ising_kernel(x_ptr, thr_ptr, n_active, colour, k1, k2, L: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)  # int32: callers keep B * L * L < 2^31
    mask = offs < n_active
    half = L // 2
    row = offs // half  # b * L + i
    k = offs - row * half
    i = row % L
    b = row // L
    j = 2 * k + ((i + colour) & 1)
    site = row * L + j
    plane = b * L * L
    iu = tl.where(i == 0, L - 1, i - 1)
    idn = tl.where(i == L - 1, 0, i + 1)
    jl = tl.where(j == 0, L - 1, j - 1)
    jr = tl.where(j == L - 1, 0, j + 1)
    s = tl.load(x_ptr + site, mask=mask, other=1).to(tl.int32)
    nn = (
        tl.load(x_ptr + plane + iu * L + j, mask=mask, other=0).to(tl.int32)
        + tl.load(x_ptr + plane + idn * L + j, mask=mask, other=0).to(tl.int32)
        + tl.load(x_ptr + row * L + jl, mask=mask, other=0).to(tl.int32)
        + tl.load(x_ptr + row * L + jr, mask=mask, other=0).to(tl.int32)
    )
    idx = 5 * (s > 0).to(tl.int32) + (nn + 4) // 2
    t = tl.load(thr_ptr + b * 10 + idx, mask=mask, other=0)
    ctr = site.to(tl.uint32)
    u = _mix32(ctr + k1.to(tl.uint32))
    r = _mix32(u ^ k2.to(tl.uint32))
    flip = r.to(tl.int64) < t
    tl.store(x_ptr + site, tl.where(flip, -s, s).to(tl.int8), mask=mask)


MAX_SITES = 2**31 - 1  # int32 index arithmetic (L is a compile-time constant: divisions are cheap)


def ising_pass(x, colour: int, keys, thr):
    """Update the sites of one colour of x: int8 (B, L, L) CUDA tensor, in place; thr int64 (B, 10)."""
    B, L, _ = x.shape
    assert x.numel() <= MAX_SITES, "use the torch.compile pass beyond 2^31 sites"
    n_active = B * L * (L // 2)
    grid = (triton.cdiv(n_active, BLOCK),)
    _ising_kernel[grid](x, thr, n_active, colour, keys[0], keys[1], L=L, BLOCK=BLOCK)
    return x
