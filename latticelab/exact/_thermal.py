"""Exact thermal averages from energy levels, streamed in chunks (log-domain, overflow-free).

A level is one (total energy E, order parameter per spin m, multiplicity) triple: a bin of a
density of states, or a single configuration. Levels may arrive in any number of chunks;
the weights are accumulated with a running maximum of ln w = ln g - beta E per temperature,
and energy moments are taken about a per-temperature reference level so that
<E^2> - <E>^2 is free of cancellation.
"""
from __future__ import annotations

import numpy as np

_BLOCK = 2**22  # temperatures x levels evaluated at once


class _Moments:
    """Running sums of w * (1, dE, dE^2, m, |m|, m^2, m^4) per temperature, scaled by exp(-top)."""

    def __init__(self, beta):
        self.beta = beta
        self.top = np.full(len(beta), -np.inf)
        self.ref = None
        self.sums = np.zeros((7, len(beta)))

    def add(self, energy, order, log_count):
        if self.ref is None:  # reference energy: the heaviest level of the first chunk
            heaviest = np.argmax(log_count[None, :] - self.beta[:, None] * energy[None, :], axis=1)
            self.ref = energy[heaviest]
        powers = np.stack([order, np.abs(order), order**2, order**4])
        step = max(1, _BLOCK // max(1, len(energy)))
        for t0 in range(0, len(self.beta), step):
            t = slice(t0, t0 + step)
            log_w = log_count[None, :] - self.beta[t, None] * energy[None, :]
            top = np.maximum(self.top[t], log_w.max(axis=1))
            self.sums[:, t] *= np.exp(self.top[t] - top)
            self.top[t] = top
            w = np.exp(log_w - top[:, None])
            d_e = energy[None, :] - self.ref[t, None]
            wd = w * d_e
            self.sums[0, t] += w.sum(axis=1)
            self.sums[1, t] += wd.sum(axis=1)
            self.sums[2, t] += (wd * d_e).sum(axis=1)
            self.sums[3:, t] += (w @ powers.T).T


def thermal_averages(levels, beta, N: int) -> dict:
    """Exact averages over ``levels`` at inverse temperatures ``beta``.

    levels: iterable of (energy float64 (m,) total energies, order float64 (m,) per spin,
        log_count float64 (m,) ln multiplicities).
    beta: float64 (n_T,). N: number of spins.
    Returns a dict of float64 (n_T,) arrays: log_z, energy (<E>/N), energy2 (<(E/N)^2>),
    specific_heat (beta^2 var(E) / N), magnetization (<m>), abs_magnetization (<|m|>), m2, m4,
    susceptibility (beta N (<m^2> - <|m|>^2)), binder (1 - <m^4> / (3 <m^2>^2)).
    """
    beta = np.asarray(beta, dtype=np.float64)
    acc = _Moments(beta)
    for energy, order, log_count in levels:
        acc.add(np.asarray(energy, np.float64), np.asarray(order, np.float64), np.asarray(log_count, np.float64))
    s = acc.sums / acc.sums[0]
    mean_d = s[1]
    var = np.maximum(s[2] - mean_d**2, 0.0)
    mean_e = acc.ref + mean_d
    m, abs_m, m2, m4 = s[3], s[4], s[5], s[6]
    with np.errstate(divide="ignore", invalid="ignore"):
        binder = 1.0 - m4 / (3.0 * m2**2)
    return {
        "log_z": acc.top + np.log(acc.sums[0]),
        "energy": mean_e / N,
        "energy2": (var + mean_e**2) / N**2,
        "specific_heat": beta**2 * var / N,
        "magnetization": m,
        "abs_magnetization": abs_m,
        "m2": m2,
        "m4": m4,
        "susceptibility": beta * N * (m2 - abs_m**2),
        "binder": binder,
    }
