"""One comparison of a sampler's own output with exact results, shared by the sampler tests.

``measure`` runs ``ll.Chain`` directly (no symmetrisation) with many chains in one batch and
records every chain after every sweep: e, m float64 (n_T, n_chains, sweeps). ``mismatches``
compares per-sample moments with exact values; the error of each mean comes from binning
along each chain (``ll.stats.binning_error`` with the chains pooled), so the tolerance is
computed from the data. A comparison fails when |mean - exact| >= Z_MAX errors.

The default statistics (512 chains x 256 sweeps per temperature) make a 2% temperature error or a
10% field error fail on 4x4 lattices by z ~ 11-17 (test_sensitivity proves it with the same functions).
"""
from __future__ import annotations

import dataclasses

import numba
import numpy as np
import pytest
import torch

import latticelab as ll

Z_MAX = 5.0

# per-sample functions of the energy e and magnetization m per spin (Potts: its order parameter)
MOMENTS = {
    "energy": lambda e, m: e,
    "energy2": lambda e, m: e * e,
    "magnetization": lambda e, m: m,
    "abs_magnetization": lambda e, m: np.abs(m),
    "m2": lambda e, m: m * m,
    "m4": lambda e, m: m**4,
}
SIGN_FREE = ("energy", "energy2", "abs_magnetization", "m2", "m4")


@pytest.fixture
def one_kernel_thread():
    """The statistical runs advance thousands of 4x4 lattices one sweep at a time. On a shared 2-core
    machine a two-thread launch of such a small pass waits milliseconds for the other core (runs took
    5-20x longer), so they use one thread; test_threads sets two where the thread count is the point."""
    numba_threads, torch_threads = numba.get_num_threads(), torch.get_num_threads()
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    yield
    numba.set_num_threads(numba_threads)
    torch.set_num_threads(torch_threads)


@dataclasses.dataclass
class Series:
    """e, m: float64 (n_T, n_chains, sweeps), measured with the reference system's own energy."""

    system: object
    T: np.ndarray
    e: np.ndarray
    m: np.ndarray


def measure(system, T, *, algorithm, backend="numba", n_chains=512, sweeps=256, burn_in=128, every=1,
            seed=0, start="auto", sample_T=None, sample_h=None) -> Series:
    """Run n_chains chains per temperature and record e, m every ``every`` sweeps.

    sample_T / sample_h: the temperatures / field the chains actually run at (default: T and
    system.h); a deliberately wrong value shows that the comparison can fail. Energies always use
    ``system`` (its J and h), so they are what the exact reference means.
    """
    T = np.atleast_1d(np.asarray(T, dtype=np.float64))
    run_T = T if sample_T is None else np.atleast_1d(np.asarray(sample_T, dtype=np.float64))
    chain = ll.Chain(system, run_T, n_chains, h=sample_h, algorithm=algorithm, backend=backend, seed=seed,
                     start=start)
    while chain.learning:  # Wolff: learn the cluster count first
        chain.step(1)
    chain.step(burn_in)
    n = sweeps // every
    e = np.empty((n, T.size, n_chains))
    m = np.empty_like(e)
    for k in range(n):
        chain.step(every)
        x = chain.configs  # int8 (n_T, n_chains, L, L)
        e[k], m[k] = system.energy(x), system.magnetization(x)
    return Series(system, T, np.moveaxis(e, 0, -1), np.moveaxis(m, 0, -1))


def exact(system, T) -> dict:
    """Exact moments: enumeration where it is cheap, else the transfer matrix (energy, energy2 only)."""
    if system.n_states**system.N <= 2**26:
        return ll.exact.enumerate(system, T)
    ex = dict(ll.exact.transfer_matrix(system, T))
    T = np.asarray(T, dtype=np.float64)
    ex["energy2"] = ex["specific_heat"] * T**2 / system.N + ex["energy"] ** 2
    return ex


def zscores(series: Series, exact_values: dict, names=SIGN_FREE) -> dict:
    """{name: (mean float64 (n_T,), error, z)} for each moment in ``names``."""
    out = {}
    for name in names:
        stat = ll.stats.binning_error(MOMENTS[name](series.e, series.m), axis=-1, chain_axis=-2)
        assert np.all(stat.error > 0), f"{name}: zero error bar {stat.error}"
        out[name] = (stat.mean, stat.error, stat.zscore(exact_values[name]))
    return out


def mismatches(series: Series, exact_values: dict, names=SIGN_FREE) -> list:
    """Descriptions of every moment and temperature where |mean - exact| >= Z_MAX errors ([] if none)."""
    bad = []
    for name, (mean, error, z) in zscores(series, exact_values, names).items():
        for i in np.flatnonzero(~(np.abs(z) < Z_MAX)):
            bad.append(f"{name} at T={series.T[i]:.4g}: {mean[i]:.5f} ± {error[i]:.5f} vs exact "
                       f"{exact_values[name][i]:.5f} (z = {z[i]:.1f})")
    return bad


def assert_matches_exact(series: Series, names=SIGN_FREE, exact_values=None):
    exact_values = exact(series.system, series.T) if exact_values is None else exact_values
    bad = mismatches(series, exact_values, names)
    assert not bad, f"{series.system!r}: " + "; ".join(bad)


def max_z(series: Series, exact_values: dict, names=SIGN_FREE) -> float:
    return max(float(np.max(np.abs(z))) for _, _, z in zscores(series, exact_values, names).values())


# -- energy histograms ---------------------------------------------------------------------------
def bond_count_distribution(system, T):
    """Exact distribution of the coupling term by brute force over every configuration (q^N <= 2^20).

    Independent of the library's energy code. Ising: b = sum_<ij> s_i s_j, Potts: b = number of equal
    neighbours, so E = -J b at h = 0. Returns (b int (n,), p float64 (n_T, n)).
    """
    q, L, N = system.n_states, system.L, system.N
    assert q**N <= 2**20 and system.h == 0
    levels = np.arange(q)
    if isinstance(system, ll.Ising):
        levels = np.array([-1, 1])
    counts = {}
    for chunk in _configs(levels, N, L):
        if isinstance(system, ll.Ising):
            b = (chunk * (np.roll(chunk, 1, 1) + np.roll(chunk, 1, 2))).sum(axis=(1, 2))
        else:
            b = ((chunk == np.roll(chunk, 1, 1)).astype(np.int64) + (chunk == np.roll(chunk, 1, 2))).sum(axis=(1, 2))
        vals, c = np.unique(b, return_counts=True)
        for v, k in zip(vals.tolist(), c.tolist()):
            counts[v] = counts.get(v, 0) + k
    b = np.array(sorted(counts))
    g = np.array([counts[v] for v in b], dtype=np.float64)
    beta = 1.0 / np.atleast_1d(np.asarray(T, dtype=np.float64))
    log_w = np.log(g)[None, :] + beta[:, None] * system.J * b[None, :]
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    return b, w / w.sum(axis=1, keepdims=True)


def _configs(levels, N, L, chunk=2**14):
    """Every configuration of N sites over ``levels``, int64 chunks (n, L, L)."""
    q = len(levels)
    total = q**N
    for start in range(0, total, chunk):
        idx = np.arange(start, min(start + chunk, total))
        digits = (idx[:, None] // q ** np.arange(N)) % q
        yield levels[digits].reshape(-1, L, L)


def histogram_mismatches(series: Series, min_p=1e-3) -> list:
    """Per-bin z tests of the sampled distribution of the bond count against the exact one.

    Each bin's frequency is the mean of an indicator series, its error from binning along the chains.
    Bins with exact probability < min_p are pooled into one "rare" bin.
    """
    system = series.system
    b, p = bond_count_distribution(system, series.T)
    sampled = np.rint(-series.e * system.N / system.J).astype(np.int64)  # (n_T, n_chains, sweeps)
    assert np.isin(sampled, b).all(), "a sampled energy is not a level of the exact density of states"
    bad = []
    for i, T in enumerate(series.T):
        common = p[i] >= min_p
        bins = [(f"b={v}", sampled[i] == v, p[i, k]) for k, v in enumerate(b) if common[k]]
        bins.append(("rare", ~np.isin(sampled[i], b[common]), p[i, ~common].sum()))
        for label, hit, exact_p in bins:
            stat = ll.stats.binning_error(hit.astype(np.float64), axis=-1, chain_axis=-2)
            error = max(float(stat.error), 1.0 / hit.size)  # an empty or full bin still gets an error bar
            z = (float(stat.mean) - exact_p) / error
            if not abs(z) < Z_MAX:
                bad.append(f"T={T:.4g} {label}: {float(stat.mean):.5f} ± {error:.5f} vs exact {exact_p:.5f} "
                           f"(z = {z:.1f})")
    return bad

