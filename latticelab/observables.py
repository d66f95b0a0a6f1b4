"""Observables: pure functions of configurations or of ``Samples``, with errors from ``stats``.

Functions of ``Samples`` return a ``Stats`` of shape (n_T,). Chains are kept apart: the per-sample
series ``(n_T, n_samples)`` are read chain-major as ``(n_T, n_chains, n_samples // n_chains)``.
Primary observables (means of a per-sample quantity) get binning errors and tau_int; derived ones
(C, chi, Binder) get block-jackknife errors (bias corrected, tau_int NaN). Energies and
magnetizations are per spin; C and chi are per spin too (N beta^2 var(e), N beta var(|m|)).
"""
from __future__ import annotations

import numpy as np

from .stats import Stats, binning_error, format_pm, jackknife


def energy_per_spin(system, configs, h=None):
    """Energy per spin of ``configs`` int8 (..., L, L), shape (...); delegates to ``system.energy``."""
    return system.energy(configs, h=h)


def magnetization_per_spin(system, configs):
    """Magnetization per spin, shape (...): signed for Ising/EA, the Potts order parameter in [0, 1]."""
    return system.magnetization(configs)


def _series(s, x) -> np.ndarray:
    """A per-sample series float (n_T, n_samples) as (n_T, n_chains, n_samples // n_chains)."""
    x = np.asarray(x, dtype=np.float64)
    n_chains = int(s.n_chains)
    if x.ndim != 2 or n_chains < 1 or x.shape[1] % n_chains:
        raise ValueError(
            f"samples of shape {x.shape} cannot be split into n_chains={s.n_chains} equal chains; "
            "Samples series must be (n_T, n_samples) with n_samples a multiple of n_chains"
        )
    return x.reshape(x.shape[0], n_chains, -1)


def _primary(s, x, min_bins) -> Stats:
    return binning_error(_series(s, x), axis=-1, chain_axis=-2, min_bins=min_bins)


def energy(s, min_bins: int = 32) -> Stats:
    """<e>, the mean energy per spin at each temperature; binning errors. Stats (n_T,)."""
    return _primary(s, s.energy, min_bins)


def magnetization(s, min_bins: int = 32) -> Stats:
    """<m>, the mean signed magnetization per spin (zero by symmetry at h = 0 on long runs). Stats (n_T,)."""
    return _primary(s, s.magnetization, min_bins)


def abs_magnetization(s, min_bins: int = 32) -> Stats:
    """<|m|>, the finite-size order parameter; binning errors. Stats (n_T,)."""
    return _primary(s, np.abs(s.magnetization), min_bins)


def specific_heat(s, n_blocks: int = 32) -> Stats:
    """C = N beta^2 (<e^2> - <e>^2) per spin, e the energy per spin; jackknife errors. Stats (n_T,)."""
    _series(s, s.energy)
    N, beta = s.N, np.asarray(s.beta, dtype=np.float64)
    return jackknife(lambda e: N * beta**2 * e.var(axis=-1), s.energy, n_blocks=n_blocks)


def susceptibility(s, n_blocks: int = 32, signed: bool = False) -> Stats:
    """chi = N beta (<m^2> - <|m|>^2) per spin; jackknife errors. Stats (n_T,).

    The |m| form is the finite-size estimator for h = 0 (where <m> = 0 by symmetry). ``signed=True``
    gives the connected N beta (<m^2> - <m>^2), the right one in a field.
    """
    _series(s, s.magnetization)
    N, beta = s.N, np.asarray(s.beta, dtype=np.float64)
    m = np.asarray(s.magnetization, dtype=np.float64)
    return jackknife(lambda x: N * beta * x.var(axis=-1), m if signed else np.abs(m), n_blocks=n_blocks)


def _binder(m2):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - (m2**2).mean(axis=-1) / (3.0 * m2.mean(axis=-1) ** 2)


def binder(s, n_blocks: int = 32) -> Stats:
    """Binder cumulant U4 = 1 - <m^4> / (3 <m^2>^2); jackknife errors. Stats (n_T,).

    2/3 deep in the ordered phase (m = +-m0), 0 for Gaussian m (disordered). For Potts it is computed
    from the scalar order parameter in [0, 1], so its limits differ from the Ising ones.
    """
    _series(s, s.magnetization)
    return jackknife(_binder, np.asarray(s.magnetization, dtype=np.float64) ** 2, n_blocks=n_blocks)


OBSERVABLES = {
    "energy": (energy, "e"),
    "abs_magnetization": (abs_magnetization, "|m|"),
    "magnetization": (magnetization, "m"),
    "specific_heat": (specific_heat, "C"),
    "susceptibility": (susceptibility, "chi"),
    "binder": (binder, "U4"),
}


def summary(s) -> dict:
    """Every observable of ``OBSERVABLES`` with default settings: ``{name: Stats (n_T,)}``."""
    return {name: fn(s) for name, (fn, _) in OBSERVABLES.items()}


def table(s, stats: dict | None = None) -> str:
    """A plain-text table, one row per temperature: T (h if any is nonzero) and each observable as mean ± error.

    ``stats`` is a ``summary(s)``-like dict to print instead of recomputing (any subset of names).
    """
    stats = summary(s) if stats is None else stats
    T, h = np.asarray(s.T, dtype=np.float64), np.asarray(s.h, dtype=np.float64)
    columns = [("T", [f"{t:.4g}" for t in T])]
    if np.any(h != 0):
        columns.append(("h", [f"{x:.4g}" for x in h]))
    for name, st in stats.items():
        label = OBSERVABLES[name][1] if name in OBSERVABLES else name
        columns.append((label, [format_pm(m, e) for m, e in zip(np.ravel(st.mean), np.ravel(st.error))]))
    widths = [max(len(label), *(len(c) for c in cells)) for label, cells in columns]
    lines = ["  ".join(label.rjust(w) for (label, _), w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for i in range(len(T)):
        lines.append("  ".join(cells[i].rjust(w) for (_, cells), w in zip(columns, widths)))
    return "\n".join(lines)
