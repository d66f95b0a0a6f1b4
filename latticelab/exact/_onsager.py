"""Onsager's infinite-lattice Ising results as functions of K = J / T (arrays in, arrays out).

All inputs are float64 (n,) arrays of K > 0; energies are in units of J, the specific
heat and ln Z are dimensionless (per spin). Near K_c the complete elliptic integral is
evaluated through ``ellipkm1`` on 1 - k^2 = delta^2, delta = (s^2 - 1)/(s^2 + 1),
s = sinh 2K, so the log divergence is resolved without cancellation; at high T (k^2 < 0.1)
the energy uses the hypergeometric series of K(k) so that u ~ -2K keeps its relative
accuracy. Nothing overflows for any K > 0.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ellipe, ellipkm1


def _sinh2(K):
    """sinh^2(2K), inf (without a warning) where it overflows."""
    with np.errstate(over="ignore"):
        return np.sinh(2.0 * K) ** 2


def _frac(s2):
    """s^2 / (1 + s^2) = tanh^2 2K, 1 at s^2 = inf."""
    s2 = np.asarray(s2, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(s2), 1.0, s2 / (1.0 + s2))


def _k2(s2):
    """k^2 = 4 s^2 / (1 + s^2)^2 from s^2 = sinh^2 2K, overflow-free (0 at s^2 = inf)."""
    return 4.0 * _frac(s2) / (1.0 + np.asarray(s2, dtype=np.float64))


def _delta(K):
    """2 tanh^2(2K) - 1 = (s^2 - 1)/(s^2 + 1); zero exactly at Tc, -> 1 as K -> inf."""
    return 1.0 - 2.0 / (1.0 + _sinh2(K))


def _series_excess(m, terms: int = 24):
    """(2/pi) K(m) - 1 = sum_{n >= 1} [(2n-1)!! / (2n)!!]^2 m^n, for small m."""
    out, a = np.zeros_like(m), np.ones_like(m)
    for n in range(1, terms + 1):
        a = a * ((2.0 * n - 1.0) / (2.0 * n)) ** 2 * m
        out += a
    return out


def _delta_ellipk(delta):
    """delta * K(k) with k^2 = 1 - delta^2; the limit 0 at delta = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = delta * ellipkm1(delta * delta)
    return np.where(delta == 0.0, 0.0, out)


def energy(K):
    """u / J = -coth(2K) [1 + (2/pi)(2 tanh^2 2K - 1) K(k)], k = 2 sinh 2K / cosh^2 2K; -sqrt 2 at Tc."""
    K = np.asarray(K, dtype=np.float64)
    s2 = _sinh2(K)
    delta = _delta(K)
    m = _k2(s2)
    small = m < 0.1
    # 1 + delta (2/pi) K = (1 + delta) + delta ((2/pi) K - 1), free of cancellation when k is small
    series = 2.0 * _frac(s2) + delta * _series_excess(np.where(small, m, 0.0))
    bracket = np.where(small, series, 1.0 + (2.0 / math.pi) * _delta_ellipk(delta))
    return -bracket / np.tanh(2.0 * K)


def specific_heat(K):
    """c = (4/pi)(K coth 2K)^2 {K(k) - E(k) - (1 - tanh^2 2K)[pi/2 + (2 tanh^2 2K - 1) K(k)]}.

    Diverges logarithmically at Tc, where it returns +inf.
    """
    K = np.asarray(K, dtype=np.float64)
    delta = _delta(K)
    m1 = delta * delta  # 1 - k^2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        kk = ellipkm1(m1)
        sech2 = 1.0 / (1.0 + _sinh2(K))
        bracket = kk - ellipe(1.0 - m1) - sech2 * (0.5 * math.pi + _delta_ellipk(delta))
        out = (4.0 / math.pi) * (K / np.tanh(2.0 * K)) ** 2 * bracket
    return np.where(delta == 0.0, np.inf, np.maximum(out, 0.0))  # C >= 0 (clips rounding at low T)


def magnetization(K):
    """Spontaneous magnetization (1 - sinh^-4 2K)^(1/8) for K > K_c, 0 otherwise."""
    K = np.asarray(K, dtype=np.float64)
    s2 = _sinh2(K)
    with np.errstate(divide="ignore"):
        inner = 1.0 - (1.0 / s2) ** 2
    return np.where(s2 > 1.0, np.abs(inner) ** 0.125, 0.0)


def log_partition(K):
    """ln Z / N = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - k^2 sin^2 phi)) / 2] dphi."""
    from scipy import integrate  # here, not at import: scipy.integrate costs every page's kernel ~26 MB

    K = np.asarray(K, dtype=np.float64)
    out = np.empty(K.size)
    for i, (k_i, s2) in enumerate(zip(K.ravel(), _sinh2(K).ravel())):
        k2 = float(_k2(s2))

        def integrand(phi):
            return math.log1p(math.sqrt(max(0.0, 1.0 - k2 * math.sin(phi) ** 2))) - math.log(2.0)

        val, _ = integrate.quad(integrand, 0.0, 0.5 * math.pi, epsabs=1e-15, epsrel=1e-13, limit=200)
        log_2cosh = 2.0 * k_i + math.log1p(math.exp(-4.0 * k_i))
        out[i] = log_2cosh + val / math.pi
    return out.reshape(K.shape)
