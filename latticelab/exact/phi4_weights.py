"""Exact references for the dual complex phi^4 field (``ll.ComplexPhi4``), computed independently of the sampler.

    log_weight_quadrature(f, eta, lam)      log W(f) by direct numerical integration over r
    ring_dual(V, eta, lam, mu)              Z, n, <|phi|^2> of a 1-d ring of V sites (time links only),
                                            summed in the dual variables
    enumerate_dual(system, k_max, l_max)    Z, n, <|phi|^2> of a tiny Lt x Lx lattice: every closed k with
                                            |k| <= k_max and l <= l_max per link (a truncated, exact sum)
    direct_phi_metropolis(...)              <|phi|^2>, <|phi|^4> at mu = 0 from a Metropolis simulation of the
                                            field phi itself (an independent reference for the dual sampler)

W(f) = int_0^inf r^{f+1} e^{-eta r^2 - lam r^4} dr; the dual weight is that of ``latticelab.systems.phi4``.
"""
from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
from scipy import integrate
from scipy.special import gammaln, logsumexp


def log_weight_quadrature(f: int, eta: float, lam: float) -> float:
    """log W(f) by adaptive quadrature over r, scaled by the integrand's maximum (no overflow for large f)."""
    if f < 0:
        raise ValueError(f"f must be >= 0, got {f}")

    def log_g(r):
        return (f + 1) * math.log(r) - eta * r * r - lam * r ** 4

    # maximum: (f + 1) / r = 2 eta r + 4 lam r^3, bisected on r in (0, r_hi)
    lo, hi = 1e-12, 1.0
    while (f + 1) / hi > 2 * eta * hi + 4 * lam * hi ** 3:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if (f + 1) / mid > 2 * eta * mid + 4 * lam * mid ** 3 else (lo, mid)
    r0 = 0.5 * (lo + hi)
    g0 = log_g(r0)
    curv = (f + 1) / r0 ** 2 + 2 * eta + 12 * lam * r0 ** 2
    w = 1.0 / math.sqrt(curv)
    g = lambda r: math.exp(log_g(r) - g0) if r > 0 else 0.0  # noqa: E731
    edges = [0.0, max(0.0, r0 - 10 * w), r0, r0 + 10 * w]
    total = sum(integrate.quad(g, a, b, epsabs=0.0, epsrel=1e-12, limit=200)[0] for a, b in zip(edges[:-1], edges[1:]) if b > a)
    total += integrate.quad(g, edges[-1], np.inf, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return g0 + math.log(total)


@dataclasses.dataclass(frozen=True)
class DualExact:
    """Z (up to the truncation), the density n and <|phi|^2> (and <|phi|^4>)."""

    log_Z: float
    density: float
    phi2: float
    phi4: float


def _log_table(eta, lam, f_max):
    return np.array([log_weight_quadrature(f, eta, lam) for f in range(f_max + 1)])


def ring_dual(V: int, eta: float, lam: float, mu: float, *, k_max: int = 8, l_max: int = 8) -> DualExact:
    """A ring of V sites with only time links: the flux k is the same on every link (a winding), l per link."""
    f_max = 2 * k_max + 4 * l_max + 4
    logw = _log_table(eta, lam, f_max)
    terms, ns, p2, p4 = [], [], [], []
    for k in range(-k_max, k_max + 1):
        for ls in itertools.product(range(l_max + 1), repeat=V):
            l = np.array(ls)
            f = 2 * abs(k) + 2 * l + 2 * np.roll(l, 1)
            lw = V * mu * k - np.sum(gammaln(abs(k) + l + 1) + gammaln(l + 1)) + np.sum(logw[f])
            terms.append(lw)
            ns.append(k)
            p2.append(np.mean(np.exp(logw[f + 2] - logw[f])))
            p4.append(np.mean(np.exp(logw[f + 4] - logw[f])))
    terms = np.array(terms)
    p = np.exp(terms - logsumexp(terms))
    return DualExact(float(logsumexp(terms)), float(p @ np.array(ns, float)), float(p @ np.array(p2)), float(p @ np.array(p4)))


def _closed_k(Lt: int, Lx: int, k_max: int) -> np.ndarray:
    """int64 (n, 2, Lt, Lx): every k with |k| <= k_max per link and zero divergence at every site."""
    n_links = 2 * Lt * Lx
    vals = np.arange(-k_max, k_max + 1)
    grid = np.stack(np.meshgrid(*([vals] * n_links), indexing="ij"), axis=-1).reshape(-1, 2, Lt, Lx)
    div = grid[:, 0] - np.roll(grid[:, 0], 1, axis=1) + grid[:, 1] - np.roll(grid[:, 1], 1, axis=2)
    return grid[np.all(div.reshape(len(grid), -1) == 0, axis=1)]


def enumerate_dual(system, k_max: int = 2, l_max: int = 2, f_max: int | None = None) -> DualExact:
    """The truncated dual sum of a tiny ``ll.ComplexPhi4`` (2 Lt Lx links, so (2 k_max + 1)^(2 Lt Lx) k's and
    (l_max + 1)^(2 Lt Lx) l's: keep Lt Lx <= 4). Weights from this module's quadrature, not the system's table.

    ``f_max``: keep only configurations with f_x <= f_max at every site — the ensemble the worm samples with a
    weight table cut at f_max + 1 (``algorithm='worm', f_max=f_max + 1``); then choose k_max, l_max >= f_max / 2
    so that the sum is complete."""
    Lt, Lx = system.Lt, system.Lx
    if Lt * Lx > 4:
        raise ValueError(f"enumerate_dual sums over every link configuration: keep Lt * Lx <= 4, got {Lt} x {Lx}")
    ks = _closed_k(Lt, Lx, k_max)  # (nk, 2, Lt, Lx)
    vals = np.arange(l_max + 1)
    ls = np.stack(np.meshgrid(*([vals] * (2 * Lt * Lx)), indexing="ij"), axis=-1).reshape(-1, 2, Lt, Lx)
    logw = _log_table(system.eta, system.lam, 4 * (k_max + 2 * l_max) + 8)

    def site_f(a):  # a (..., 2, Lt, Lx) non-negative link amounts -> (..., Lt, Lx)
        return a[..., 0, :, :] + np.roll(a[..., 0, :, :], 1, axis=-2) + a[..., 1, :, :] + np.roll(a[..., 1, :, :], 1, axis=-1)

    fk, fl = site_f(np.abs(ks)), 2 * site_f(ls)
    if f_max is not None:
        ok_k = np.all(fk.reshape(len(fk), -1) <= f_max, axis=1)
        ok_l = np.all(fl.reshape(len(fl), -1) <= f_max, axis=1)
        ks, fk, ls, fl = ks[ok_k], fk[ok_k], ls[ok_l], fl[ok_l]
    nk = ks[:, 0].sum(axis=(-2, -1)) / (Lt * Lx)
    lfact = gammaln(np.arange(k_max + l_max + 2) + 1.0)  # log n! by table lookup
    log_l_only = -lfact[ls].sum(axis=(1, 2, 3))
    r2, r4 = np.exp(logw[2:-2] - logw[:-4]), np.exp(logw[4:] - logw[:-4])
    terms, dens, p2, p4 = [], [], [], []
    for i in range(len(ks)):
        keep = slice(None) if f_max is None else np.all((fk[i][None] + fl <= f_max).reshape(len(fl), -1), axis=1)
        if not np.any(keep):
            continue
        f, l = fk[i][None] + fl[keep], ls[keep]  # (nl, Lt, Lx), (nl, 2, Lt, Lx)
        lw = (system.mu * ks[i, 0].sum() + log_l_only[keep] - lfact[np.abs(ks[i])[None] + l].sum(axis=(1, 2, 3))
              + logw[f].sum(axis=(1, 2)))
        terms.append(lw)
        dens.append(np.full(len(l), nk[i]))
        p2.append(r2[f].mean(axis=(1, 2)))
        p4.append(r4[f].mean(axis=(1, 2)))
    terms = np.concatenate(terms)
    log_Z = float(logsumexp(terms))
    p = np.exp(terms - log_Z)
    return DualExact(log_Z, float(p @ np.concatenate(dens)), float(p @ np.concatenate(p2)), float(p @ np.concatenate(p4)))


def direct_phi_metropolis(Lt, Lx, eta, lam, n_chains, sweeps, seed, burn_in=300, step=1.2):
    """Checkerboard Metropolis of the complex field at mu = 0 (numpy; Lt, Lx even):
    S = sum_x eta |phi|^2 + lam |phi|^4 - 2 sum_{x, nu} Re(phi_x^* phi_{x+nu}).
    Returns float64 (n_chains, 2): per chain the means of |phi|^2 and |phi|^4 over ``sweeps`` sweeps."""
    rng = np.random.default_rng(seed)
    phi = np.zeros((n_chains, Lt, Lx), complex)
    colour = (np.indices((Lt, Lx)).sum(axis=0) % 2)[None]
    acc = np.zeros((n_chains, 2))
    for sweep in range(burn_in + sweeps):
        for c in (0, 1):
            nb = sum(np.roll(phi, s, axis=a) for s in (1, -1) for a in (1, 2))
            new = phi + step * (rng.uniform(-1, 1, phi.shape) + 1j * rng.uniform(-1, 1, phi.shape))
            a2, b2 = np.abs(phi) ** 2, np.abs(new) ** 2
            dS = eta * (b2 - a2) + lam * (b2 ** 2 - a2 ** 2) - 2 * np.real(np.conj(new - phi) * nb)
            ok = (colour == c) & (rng.random(phi.shape) < np.exp(-dS))
            phi = np.where(ok, new, phi)
        if sweep >= burn_in:
            p2 = np.abs(phi) ** 2
            acc += np.stack([p2.mean(axis=(1, 2)), (p2 ** 2).mean(axis=(1, 2))], axis=1)
    return acc / sweeps
