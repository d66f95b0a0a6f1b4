"""Exact thermal averages of tiny lattices by visiting every configuration.

Any lattice system is enumerated from its energy tables (``row_model``): every configuration
is one level, with the order parameter from the number of sites holding each code
(2^16 configurations at L = 4 take milliseconds, 2^25 at L = 5 a few seconds per handful of
temperatures). A system whose ``name`` is in ``FAST_LEVELS`` is reduced instead to a density
of states over integer (bond sum, order) pairs, cached per size and independent of its
couplings and field, so any number of temperatures, couplings and fields costs nothing extra:
Ising (2^25 states) and Potts (3^16) are registered.
"""
from __future__ import annotations

import functools

import numpy as np

from . import _args
from ._rows import row_model
from ._sequences import sequence_sums
from ._thermal import thermal_averages
from ..systems import Ising, Potts, check_system

MAX_CONFIGS = 2**26
_CODE_BINS = 2**22  # largest Potts (bond, count-code) histogram; beyond it the slower max() path
_ORDER_TABLE = 2**20  # largest order-parameter lookup table of the row path; beyond it, per configuration


def _readonly(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


def _unit_terms(system):
    """int64 (L, n, 1) row bond sums and (L, n, n) vertical bond sums of a J = 1, h = 0 copy."""
    model = row_model(system)
    intra = np.rint(-model.intra).astype(np.int64)[..., None]
    inter = np.stack([np.rint(-model.inter(i)).astype(np.int64) for i in range(model.L)])
    return model, intra, inter


@functools.lru_cache(maxsize=32)
def _ising_dos(L: int):
    """Density of states of the L x L Ising model: bonds int (n,), M int (n,), count float64 (n,).

    bonds = sum_<ij> s_i s_j, M = sum_i s_i; E = -J bonds - h M.
    """
    unit = Ising(L)
    model, bonds, inter = _unit_terms(unit)
    N = L * L
    spins = unit.site_values().astype(np.int64)[model.states]  # (n, L)
    mag = np.broadcast_to(spins.sum(axis=1)[None, :, None], bonds.shape)
    intra = np.concatenate([bonds, mag], axis=2).astype(np.int16)
    counts = np.zeros((4 * N + 1) * (2 * N + 1), dtype=np.int64)
    for chunk in sequence_sums(intra, inter.astype(np.int16)):
        key = (chunk[:, 0].astype(np.int64) + 2 * N) * (2 * N + 1) + (chunk[:, 1] + N)
        counts += np.bincount(key, minlength=len(counts))
    nz = np.flatnonzero(counts)
    return _readonly(nz // (2 * N + 1) - 2 * N, nz % (2 * N + 1) - N, counts[nz].astype(np.float64))


@functools.lru_cache(maxsize=32)
def _potts_dos(L: int, q: int):
    """Density of states of the q-state Potts model: same int (n,), top int (n,), count float64 (n,).

    same = number of bonds with equal states (E = -J same), top = max_a n_a.
    """
    model, same, inter = _unit_terms(Potts(L, q))
    N = L * L
    per_state = np.stack([(model.states == a).sum(axis=1) for a in range(q)], axis=1)  # (n, q)
    n_codes = (N + 1) ** (q - 1)
    if (2 * N + 1) * n_codes <= _CODE_BINS:  # fast path: the counts n_0..n_{q-2} as one additive base-(N+1) code
        code = per_state[:, :-1] @ (N + 1) ** np.arange(q - 1)
        intra = np.concatenate([same, np.broadcast_to(code[None, :, None], same.shape)], axis=2)
        counts = np.zeros((2 * N + 1) * n_codes, dtype=np.int64)
        for chunk in sequence_sums(intra.astype(np.int32), inter.astype(np.int32)):
            counts += np.bincount(chunk[:, 0].astype(np.int64) * n_codes + chunk[:, 1], minlength=len(counts))
        nz = np.flatnonzero(counts)
        digits = (nz % n_codes)[:, None] // (N + 1) ** np.arange(q - 1) % (N + 1)
        top = np.maximum(digits.max(axis=1), N - digits.sum(axis=1))
        same_nz, top_nz, count_nz = _merge(nz // n_codes, top, counts[nz], N)
        return _readonly(same_nz, top_nz, count_nz)
    intra = np.concatenate([same, np.broadcast_to(per_state[None], (L,) + per_state.shape)], axis=2)
    counts = np.zeros((2 * N + 1) * (N + 1), dtype=np.int64)
    for chunk in sequence_sums(intra.astype(np.int16), inter.astype(np.int16)):
        top = functools.reduce(np.maximum, (chunk[:, 1 + a] for a in range(q)))
        counts += np.bincount(chunk[:, 0].astype(np.int64) * (N + 1) + top, minlength=len(counts))
    nz = np.flatnonzero(counts)
    return _readonly(nz // (N + 1), nz % (N + 1), counts[nz].astype(np.float64))


def _merge(same, top, count, N):
    """Sum the multiplicities of equal (same, top) pairs; returns int, int, float64 arrays."""
    key = same * (N + 1) + top
    merged = np.bincount(key, weights=count.astype(np.float64), minlength=(2 * N + 1) * (N + 1))
    nz = np.flatnonzero(merged)
    return nz // (N + 1), nz % (N + 1), merged[nz]


def _ising_levels(system):
    bonds, mag, count = _ising_dos(system.L)
    return [(-system.J * bonds - system.h * mag, mag / system.N, np.log(count))]


def _potts_levels(system):
    same, top, count = _potts_dos(system.L, system.q)
    q = system.q
    return [(-system.J * same, (q * top / system.N - 1.0) / (q - 1.0), np.log(count))]


#: Density-of-states paths by ``system.name``: system -> iterable of levels (as ``_levels``).
FAST_LEVELS = {"ising": _ising_levels, "potts": _potts_levels}


def _row_levels(system):
    """Every configuration as one level, from the system's energy tables (any lattice system).

    The order parameter is a function of the number of sites holding each code; those counts are carried
    as one base-(N+1) number and the order parameter looked up per count vector where that table is small.
    """
    model = row_model(system)
    L, N, n = system.L, system.N, system.n_states
    per_code = np.stack([(model.states == a).sum(axis=1) for a in range(n - 1)], axis=1)  # (n_rows, n - 1)
    inter = np.stack([model.inter(i) for i in range(L)])
    if (N + 1) ** (n - 1) <= _ORDER_TABLE:
        radix = (N + 1) ** np.arange(n - 1)
        digits = np.arange((N + 1) ** (n - 1))[:, None] // radix % (N + 1)  # every count vector of codes 0..n-2
        counts = np.concatenate([digits, N - digits.sum(axis=1, keepdims=True)], axis=1).astype(np.float64)
        table = np.where(counts[:, -1] >= 0, system.order_parameter(counts), np.nan)
        features = (per_code @ radix)[:, None]
    else:
        table, features = None, per_code
    intra = np.concatenate([model.intra[:, :, None], np.broadcast_to(features, (L, *features.shape))], axis=2)
    for chunk in sequence_sums(intra, inter):
        if table is not None:
            order = table[chunk[:, 1].astype(np.int64)]
        else:
            counts = np.empty((len(chunk), n))
            counts[:, :-1] = chunk[:, 1:]
            counts[:, -1] = N - counts[:, :-1].sum(axis=1)
            order = system.order_parameter(counts)
        yield chunk[:, 0], order, np.zeros(len(chunk))


def _levels(system):
    """Iterable of (E float64 (m,), order per spin float64 (m,), ln multiplicity float64 (m,))."""
    return FAST_LEVELS.get(system.name, _row_levels)(system)


def enumerate(system, T) -> dict:
    """Exact thermal averages of ``system`` at temperature(s) ``T`` by visiting all q^N configurations.

    system: any lattice system (Ising with any J and h, Potts with any q and J, EdwardsAnderson, ...)
        with q^N <= 2^26 configurations, q = system.n_states (Ising L <= 5, Potts q = 3 L <= 4;
        use ``transfer_matrix`` beyond).
    T: scalar or array of temperatures > 0.
    Returns a dict of floats (scalar T) or float64 arrays of T's shape:
        log_z (ln Z), energy (<e>, e = E/N), energy2 (<e^2>), specific_heat (beta^2 var(E)/N),
        magnetization (<m> of the system's ``order_parameter``: signed for Ising/EA,
        (q max_a n_a/N - 1)/(q - 1) for Potts), abs_magnetization (<|m|>), m2 (<m^2>), m4 (<m^4>),
        susceptibility (beta N (<m^2> - <|m|>^2)), binder (1 - <m^4>/(3 <m^2>^2)).
    """
    check_system(system)
    T, shape = _args.temperatures(T)
    n_configs = system.n_states ** system.N
    if n_configs > MAX_CONFIGS:
        raise ValueError(
            f"enumerate would visit {system.n_states}^{system.N} = {n_configs:.3g} configurations, more than "
            f"2^26: use exact.transfer_matrix(system, T) (ln Z, energy, specific heat) or a smaller L"
        )
    return _args.like_dict(thermal_averages(_levels(system), 1.0 / T, system.N), shape)
