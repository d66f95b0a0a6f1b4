"""Kaufman's exact partition function of the periodic L x L Ising model, with analytic K-derivatives.

    Z = 1/2 (2 sinh 2K)^(N/2) [P1 + P2 + P3 + P4],  N = L^2,
    P1 = prod_r 2 cosh(L g_{2r+1} / 2),  P2 = prod_r 2 sinh(L g_{2r+1} / 2),
    P3 = prod_r 2 cosh(L g_{2r} / 2),    P4 = prod_r 2 sinh(L g_{2r} / 2),   r = 0..L-1,
    cosh g_k = cosh 2K coth 2K - cos(pi k / L),  g_0 = 2K + ln tanh K (signed: < 0 above Tc).

Every factor with k != 0 has g_k > 0 ("regular" factors, handled in logs). The k = 0
factor of P3 and P4 may be tiny or negative and is carried as a value. To keep the
second derivative free of cancellation the four products are expressed relative to P1:
ln Z = ln(1/2) + (N/2) ln(2 sinh 2K) + ln P1 + ln Q with Q = sum_i (P_i / P1), and each
P_i / P1 comes with its exact first and second derivatives. Everything is float64 and
overflow-free for K <= 300 (T >= J / 300).
"""
from __future__ import annotations

import math

import numpy as np

K_MAX = 300.0


def _g(K, k, L):
    """g_k and its K-derivatives for k != 0: three float64 (n_K, n_k) arrays."""
    s = np.sinh(2.0 * K)[:, None]
    coth = 1.0 / np.tanh(2.0 * K)[:, None]
    d = (s - 1.0) * ((s - 1.0) / s) + 2.0 * np.sin(0.5 * math.pi * k / L)[None, :] ** 2  # cosh g - 1, accurate near 0
    sinh_g = np.sqrt(d) * np.sqrt(d + 2.0)
    g = np.log1p(d + sinh_g)
    c1 = 2.0 * np.cosh(2.0 * K)[:, None] * (1.0 - (1.0 / s) ** 2)  # d/dK of cosh 2K coth 2K = s + 1/s
    c2 = 4.0 * s - 4.0 / s + 8.0 * coth**2 / s
    g1 = c1 / sinh_g
    g2 = (c2 - (1.0 + d) * g1**2) / sinh_g
    return g, g1, g2


def _log_products(K, k, L):
    """ln prod 2cosh(L g_k/2), ln prod 2sinh(L g_k/2) over regular k, each with two K-derivatives.

    Returns two tuples (log, d/dK, d2/dK2) of float64 (n_K,) arrays: (cosh products, sinh products).
    """
    g, g1, g2 = _g(K, k, L)
    x, x1, x2 = 0.5 * L * g, 0.5 * L * g1, 0.5 * L * g2
    e = np.exp(-2.0 * x)
    tanh, coth = (1.0 - e) / (1.0 + e), (1.0 + e) / (1.0 - e)
    sech2, csch2 = 4.0 * e / (1.0 + e) ** 2, 4.0 * e / (1.0 - e) ** 2
    cosh_part = (
        (x + np.log1p(e)).sum(axis=1),
        (x1 * tanh).sum(axis=1),
        (x2 * tanh + x1**2 * sech2).sum(axis=1),
    )
    sinh_part = (
        (x + np.log(-np.expm1(-2.0 * x))).sum(axis=1),
        (x1 * coth).sum(axis=1),
        (x2 * coth - x1**2 * csch2).sum(axis=1),
    )
    return cosh_part, sinh_part


def _zero_mode(K, L):
    """The k = 0 factors 2cosh(x0), 2sinh(x0), x0 = L g_0 / 2, as exp(|x0|) * (value, d/dK, d2/dK2)."""
    s = np.sinh(2.0 * K)
    x = 0.5 * L * (2.0 * K + np.log(np.tanh(K)))
    x1 = 0.5 * L * (2.0 + 2.0 / s)
    x2 = 0.5 * L * (-4.0 / (np.tanh(2.0 * K) * s))
    ep, sg = np.exp(-2.0 * np.abs(x)), np.sign(x)
    plus, minus = 1.0 + ep, sg * (1.0 - ep)  # 2cosh x, 2sinh x over exp(|x|)
    cosh_f = (plus, x1 * minus, x2 * minus + x1**2 * plus)
    sinh_f = (minus, x1 * plus, x2 * plus + x1**2 * minus)
    return np.abs(x), cosh_f, sinh_f


def log_partition_derivatives(K, L: int):
    """ln Z, d ln Z / dK and d^2 ln Z / dK^2 for K float64 (n,) > 0; three float64 (n,) arrays."""
    K = np.asarray(K, dtype=np.float64)
    if (K > K_MAX).any():
        raise ValueError(
            f"T is too small for the finite-L formula: J/T = {K.max():.4g} > {K_MAX:g}; "
            "at such temperatures the lattice is frozen (e = -2J, C = 0 to double precision), use T >= J/300"
        )
    N = L * L
    r = np.arange(L)
    odd_cosh, odd_sinh = _log_products(K, 2 * r + 1, L)
    even_cosh, even_sinh = _log_products(K, 2 * r[1:], L)
    abs_x0, cosh0, sinh0 = _zero_mode(K, L)
    one = (np.ones_like(K), np.zeros_like(K), np.zeros_like(K))

    ref = odd_cosh  # P1: every other product is taken relative to it
    terms = [(odd_cosh, 0.0, one), (odd_sinh, 0.0, one), (even_cosh, abs_x0, cosh0), (even_sinh, abs_x0, sinh0)]
    scales, h0, h1, h2 = [], [], [], []
    for (log_p, d1, d2), extra, (f0, f1, f2) in terms:
        delta, delta1 = d1 - ref[1], d2 - ref[2]
        scales.append(log_p - ref[0] + extra)
        h0.append(f0)
        h1.append(delta * f0 + f1)
        h2.append((delta1 + delta**2) * f0 + 2.0 * delta * f1 + f2)
    scales = np.array(scales)
    top = scales.max(axis=0)
    w = np.exp(scales - top)
    q0, q1, q2 = (w * np.array(h0)).sum(axis=0), (w * np.array(h1)).sum(axis=0), (w * np.array(h2)).sum(axis=0)

    s = np.sinh(2.0 * K)
    log_z = -math.log(2.0) + 0.5 * N * np.log(2.0 * s) + ref[0] + top + np.log(q0)
    d1 = N / np.tanh(2.0 * K) + ref[1] + q1 / q0
    d2 = -2.0 * N * (1.0 / s) ** 2 + ref[2] + q2 / q0 - (q1 / q0) ** 2
    return log_z, d1, d2
