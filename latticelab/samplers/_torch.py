"""torch kernels (CPU or CUDA): the twins of ``_numba``, drawing the same random words.

State: int8 (B, L, L) tensor, B = n_T * n_chains. A pass gathers the sites of one
colour as a (B, L, L/2) array, applies the rule there and merges the result back, which
on a GPU is one fused kernel when compiled (``torch.compile`` on CUDA; eager elsewhere). Integer hashing runs
in wrapping int32 arithmetic, bit for bit numba's masked uint64 arithmetic.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ._rng import C1, C2, MASK32

_TWO32 = 4294967296.0


def asarray(a, device):
    """numpy array -> tensor on ``device`` (uint64 tables become int64: values fit)."""
    a = np.asarray(a)
    if a.dtype == np.uint64:
        a = a.astype(np.int64)
    return torch.from_numpy(np.array(a, order="C")).to(device)


def to_numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy()


def _i32(k: int) -> int:
    """A 32-bit word as the signed int32 with the same bits."""
    return k - (1 << 32) if k >= (1 << 31) else k


_C1, _C2 = _i32(C1), _i32(C2)


def _mix32(x):
    """``_rng`` mix32 on int32 tensors (wrapping multiplies; logical shifts by masking)."""
    x = x ^ ((x >> 16) & 0xFFFF)
    x = x * _C1
    x = x ^ ((x >> 15) & 0x1FFFF)
    x = x * _C2
    x = x ^ ((x >> 15) & 0x1FFFF)
    return x


def _unsigned(r):
    """int32 words -> their unsigned values as int64, for comparing with thresholds."""
    return r.long() & MASK32


def _select(a, colour: int):
    """The sites of one colour of a (..., L, L) array, as (..., L, L/2): row i keeps j = 2k + ((i + colour) & 1)."""
    L = a.shape[-1]
    pairs = a.reshape(*a.shape[:-1], L // 2, 2)
    i = torch.arange(L, device=a.device).view(L, 1)
    return torch.where(((i + colour) & 1) == 0, pairs[..., 0], pairs[..., 1])


def _merge(x, colour: int, new):
    """x (B, L, L) with the sites of one colour replaced by ``new`` (B, L, L/2)."""
    B, L, _ = x.shape
    pairs = x.view(B, L, L // 2, 2)
    i = torch.arange(L, device=x.device).view(L, 1)
    first = ((i + colour) & 1) == 0
    even = torch.where(first, new, pairs[..., 0])
    odd = torch.where(first, pairs[..., 1], new)
    return torch.stack((even, odd), dim=-1).view(B, L, L)


def _sites(x, colour: int, k1):
    """The active sites' spins, (up, down, left, right) neighbours and first-stage hash words."""
    B, L, _ = x.shape
    ctr = torch.arange(B * L * L, device=x.device, dtype=torch.int64).view(B, L, L).to(torch.int32)
    nbrs = (torch.roll(x, 1, 1), torch.roll(x, -1, 1), torch.roll(x, 1, 2), torch.roll(x, -1, 2))
    return _select(x, colour), [_select(n, colour) for n in nbrs], _mix32(_select(ctr, colour) + k1)


def _ising_pass(x, colour: int, keys, thr):
    B = x.shape[0]
    s, (up, dn, lf, rt), u = _sites(x, colour, keys[0])
    nn = up.long() + dn + lf + rt
    idx = 5 * (s > 0).long() + (nn + 4) // 2
    t = torch.gather(thr, 1, idx.view(B, -1)).view(idx.shape)
    flip = _unsigned(_mix32(u ^ keys[1])) < t
    return _merge(x, colour, torch.where(flip, -s, s))


def _potts_pass(x, colour: int, keys, thr, q: int):
    B = x.shape[0]
    s8, nbrs, u = _sites(x, colour, keys[0])
    s = s8.long()
    new = (s + 1 + _unsigned(_mix32(u ^ keys[2])) % (q - 1)) % q
    nbrs = [n.long() for n in nbrs]
    dn = sum((n == new).long() for n in nbrs) - sum((n == s).long() for n in nbrs)
    t = torch.gather(thr, 1, (dn + 4).view(B, -1)).view(dn.shape)
    accept = _unsigned(_mix32(u ^ keys[1])) < t
    return _merge(x, colour, torch.where(accept, new.to(torch.int8), s8))


def _ea_pass(x, colour: int, keys, beta, Jh, Jv, Jh_left, Jv_up):
    B = x.shape[0]
    s8, (up, dn, lf, rt), u = _sites(x, colour, keys[0])
    Jh, Jv, Jh_left, Jv_up = (_select(J, colour) for J in (Jh, Jv, Jh_left, Jv_up))
    f = Jh * rt + Jh_left * lf + Jv * dn + Jv_up * up
    p = torch.exp(-beta.view(B, 1, 1) * 2.0 * s8.double() * f)
    accept = _unsigned(_mix32(u ^ keys[1])).double() < p * _TWO32
    return _merge(x, colour, torch.where(accept, -s8, s8))


_PASSES = {"ising": _ising_pass, "potts": _potts_pass, "ea": _ea_pass}
_COMPILED: dict = {}


def _pass_fn(rule: str, device):
    """The pass for ``rule``: compiled on CUDA (falls back to eager if compilation fails)."""
    if torch.device(device).type != "cuda":
        return _PASSES[rule]
    if rule not in _COMPILED:
        _COMPILED[rule] = torch.compile(_PASSES[rule], dynamic=False)
    return _COMPILED[rule]


def prepare(rule: str, params: tuple, device) -> tuple:
    """Move a rule's host parameters (``metropolis.metropolis_params``) to ``device``, once per change."""
    if rule == "potts":
        return (asarray(params[0], device), int(params[1]))
    if rule == "ea":
        beta, Jh, Jv = (asarray(p, device) for p in params)
        return (beta, Jh, Jv, torch.roll(Jh, 1, 1), torch.roll(Jv, 1, 0))
    return (asarray(params[0], device),)


def _triton_pass(rule: str, device):
    """The hand-written Triton pass (Ising on CUDA), or None where there is none."""
    if rule != "ising" or torch.device(device).type != "cuda" or _COMPILED.get("no-triton"):
        return None
    try:
        from . import _triton
    except ImportError:
        _COMPILED["no-triton"] = True
        return None
    return _triton.ising_pass


def metropolis_sweep(x, rule: str, params: tuple, keys_even, keys_odd):
    """One checkerboard sweep of x: int8 (B, L, L); returns the new state tensor."""
    fast = _triton_pass(rule, x.device)
    if fast is not None and x.numel() <= 2**31 - 1:
        for colour, keys in ((0, keys_even), (1, keys_odd)):
            x = fast(x, colour, [_i32(k) for k in keys], *params)
        return x
    fn = _pass_fn(rule, x.device)
    for colour, keys in ((0, keys_even), (1, keys_odd)):
        k = torch.tensor([_i32(v) for v in keys], dtype=torch.int32, device=x.device)
        try:
            x = fn(x, colour, k, *params)
        except Exception as err:  # pragma: no cover - depends on the GPU toolchain
            if fn is _PASSES[rule]:
                raise
            warnings.warn(f"torch.compile failed ({err!r}); running the eager torch kernels instead")
            _COMPILED[rule] = fn = _PASSES[rule]
            x = fn(x, colour, k, *params)
    return x
