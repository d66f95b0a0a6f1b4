"""Exact ln Z, energy and specific heat of periodic L x L lattices by row-to-row transfer matrices.

Z = Tr prod_i (D_i V_i): D_i is diagonal (row i's own bonds and field), V_i the vertical
bonds to row i+1, applied as a Kronecker product of dense blocks (<= 64 states) over groups
of columns, so one row costs O(n_start n 64) for n = q^L row states instead of O(n^3). The
trace is taken row by row of the product (one starting state per row of a dense
(n_start, n) array), and for translation-invariant systems only one starting state per
symmetry orbit (column shifts, reflections, global state permutations) is propagated.
The first and second beta-derivatives are propagated alongside the values (second-order
dual numbers), so the energy and specific heat are exact, not finite differences.
Values are rescaled after every factor (log scaling), so no size overflows; in float64 the
results stay exact down to T ~ 0.05 J (at lower T, states more than e^-700 below the best
one at some intermediate step are dropped).
"""
from __future__ import annotations

import math

import numpy as np

from . import _args
from ._rows import row_model
from ..systems import check_system

MAX_STATES = 4096
_GROUP_STATES = 64  # columns are grouped into dense blocks of at most this many states (BLAS-sized)
_ARRAY_ELEMENTS = 2**20  # starting states x row states propagated at once


def _column_groups(q: int, L: int):
    """Consecutive column ranges [(start, stop), ...] whose q^(stop - start) <= _GROUP_STATES."""
    k = max(1, int(math.log(_GROUP_STATES) / math.log(q) + 1e-9))
    return [(a, min(a + k, L)) for a in range(0, L, k)]


def _group_energy(model, i: int, start: int, stop: int):
    """float64 (q^k, q^k): vertical-bond energy of columns start..stop-1 between rows i and i+1."""
    q, k = model.q, stop - start
    digits = ((np.arange(q**k)[:, None] // q ** np.arange(k - 1, -1, -1)) % q)  # (q^k, k)
    out = np.zeros((q**k, q**k))
    for c, j in enumerate(range(start, stop)):
        out += model.bond[i, j][digits[:, c][:, None], digits[:, c][None, :]]
    return out


def _contract(X, W, left: int, right: int):
    """Apply W (m, p) to the middle axis of X viewed as (rows * left, m, right) -> (rows, left * p * right)."""
    rows, m = X.shape[0], W.shape[0]
    if right == 1:
        return (X.reshape(-1, m) @ W).reshape(rows, -1)
    return np.matmul(W.T, X.reshape(rows * left, m, right)).reshape(rows, -1)


def _orbits(model):
    """Starting row states, one per symmetry orbit: (reps int (n_orb,), orbit sizes float64 (n_orb,))."""
    L, q = model.L, model.q
    powers = q ** np.arange(L - 1, -1, -1)
    cols = np.arange(L)
    col_perms = [cols]
    if model.translation_invariant:
        col_perms = [np.roll(cols, k) for k in range(L)] + [np.roll(cols[::-1], k) for k in range(L)]
    canon = np.arange(model.n_rows)
    for cp in col_perms:
        for sp in model.site_perms:
            canon = np.minimum(canon, sp[model.states[:, cp]] @ powers)
    reps, sizes = np.unique(canon, return_counts=True)
    return reps, sizes.astype(np.float64)


def _rescale(X):
    """Divide each starting row of X (3, b, n) by its largest value; returns ln of the factors (b,).

    A row whose values all underflowed (a start state of negligible weight) gets ln 0 = -inf.
    """
    scale = X[0].max(axis=1)
    dead = scale <= 0.0
    scale[dead] = 1.0
    X /= scale[None, :, None]
    return np.where(dead, -np.inf, np.log(scale))


def _propagate(model, beta: float, starts, center: float):
    """Rows ``starts`` of prod_i D_i V_i with shifted energies, and their two beta-derivatives.

    Every factor's energies are shifted by their minimum (values <= 1); the derivative parts
    are taken about a further ``center`` (spread evenly over the factors), so that they hold
    moments of E - shift - center: chosen near <E>, the variance comes out without cancellation.
    Returns the diagonal entries (3, n_start) (value, d/dbeta, d2/dbeta2 over the value's
    scale) and ln scale (n_start,).
    """
    n, L, q = model.n_rows, model.L, model.q
    groups = _column_groups(q, L)
    per_factor = center / (L * (1 + len(groups)))
    b = len(starts)
    X = np.zeros((3, b, n))
    X[0, np.arange(b), starts] = 1.0
    log_scale = np.zeros(b)
    for i in range(L):
        e = model.intra[i] - model.intra[i].min()
        D, e = np.exp(-beta * e), e - per_factor
        X[2] = (X[2] - 2.0 * e * X[1] + e * e * X[0]) * D
        X[1] = (X[1] - e * X[0]) * D
        X[0] *= D
        log_scale += _rescale(X)
        for start, stop in groups:
            E = _group_energy(model, i, start, stop)
            E -= E.min()
            W, E = np.exp(-beta * E), E - per_factor
            W1, W2 = -E * W, E * E * W
            left, right = q**start, q ** (L - stop)
            y0 = _contract(X[0], np.concatenate([W, W1, W2], axis=1), left, right).reshape(b, left, 3, -1)
            y1 = _contract(X[1], np.concatenate([W, W1], axis=1), left, right).reshape(b, left, 2, -1)
            y2 = _contract(X[2], W, left, right).reshape(b, left, -1)
            X[0] = y0[:, :, 0].reshape(b, n)
            X[1] = (y1[:, :, 0] + y0[:, :, 1]).reshape(b, n)
            X[2] = (y2 + 2.0 * y1[:, :, 1] + y0[:, :, 2]).reshape(b, n)
            log_scale += _rescale(X)
    return X[:, np.arange(b), starts], log_scale


def _shift(model) -> float:
    """Sum of the energy shifts used in ``_propagate`` (the lowest energy of every factor)."""
    total = 0.0
    for i in range(model.L):
        total += model.intra[i].min()
        for start, stop in _column_groups(model.q, model.L):
            total += _group_energy(model, i, start, stop).min()
    return total


def _moments(model, beta: float, reps, sizes, center: float):
    """ln Z~ (shifted energies), <E - shift - center>, var(E) at one beta."""
    block = max(1, _ARRAY_ELEMENTS // model.n_rows)
    diags, scales = [], []
    for a in range(0, len(reps), block):
        d, s = _propagate(model, beta, reps[a : a + block], center)
        diags.append(d * sizes[a : a + block])
        scales.append(s)
    diag, scale = np.concatenate(diags, axis=1), np.concatenate(scales)
    top = scale.max()
    if not np.isfinite(top):
        raise ValueError(
            f"T = {1.0 / beta:.3g} is too low for the float64 transfer matrix (every weight underflowed); "
            "use T >= 0.05 * |J|, or enumerate(system, T) on a smaller lattice"
        )
    z0, z1, z2 = (diag * np.exp(scale - top)).sum(axis=1)
    mean = -z1 / z0
    return top + math.log(z0), mean, z2 / z0 - mean**2


def _log_z_derivatives(model, beta: float, reps, sizes):
    """ln Z, d ln Z / d beta, d^2 ln Z / d beta^2 at one beta."""
    shift = _shift(model)
    log_z, mean, var = _moments(model, beta, reps, sizes, 0.0)
    if mean**2 > 1e4 * var:  # cancellation would cost > 4 digits: redo about the mean
        log_z, delta, var = _moments(model, beta, reps, sizes, mean)
        mean += delta
    return -beta * shift + log_z, -(shift + mean), var


def transfer_matrix(system, T) -> dict:
    """Exact ln Z, energy and specific heat of ``system`` on the periodic L x L lattice.

    system: any lattice system (Ising with any J and h, Potts, EdwardsAnderson, ...) with
        q^L <= 4096 row states, q = system.n_states (Ising L <= 12, Potts q = 3 L <= 7, q = 4 L <= 6);
        its ``symmetries`` and ``translation_invariant`` shrink the set of starting states.
    T: scalar or array of temperatures > 0.
    Returns a dict of floats (scalar T) or float64 arrays of T's shape: log_z (ln Z),
    free_energy (-T ln Z / N), energy (<E>/N), specific_heat (beta^2 var(E) / N).
    Cost per temperature: about L * n_start * q^L * 400 flops, n_start ~ q^L / (2L) for
    translation-invariant systems and q^L / 2 for Edwards-Anderson (Ising L = 12: ~1 s;
    Potts q = 4, L = 6: 0.1 s; Edwards-Anderson L = 10: ~1 s, L = 12: ~30 s).
    """
    check_system(system)
    T, shape = _args.temperatures(T)
    n = system.n_states**system.L
    if n > MAX_STATES:
        raise ValueError(
            f"transfer_matrix needs {system.n_states}^{system.L} = {n} row states, more than {MAX_STATES}: "
            "use a smaller L (Ising L <= 12, Potts q=3 L <= 7, q=4 L <= 6), or ising_log_partition / "
            "ising_energy_per_spin / ising_specific_heat (Kaufman, any L) for the Ising model at h = 0"
        )
    model = row_model(system)
    reps, sizes = _orbits(model)
    N = system.N
    out = np.array([_log_z_derivatives(model, 1.0 / t, reps, sizes) for t in T]).T
    beta = 1.0 / T
    return _args.like_dict(
        {"log_z": out[0], "free_energy": -T * out[0] / N, "energy": -out[1] / N, "specific_heat": beta**2 * out[2] / N},
        shape,
    )
