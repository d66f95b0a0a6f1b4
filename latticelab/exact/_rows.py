"""Row decomposition of a periodic L x L system, shared by enumeration and transfer matrices.

A configuration is a sequence of L rows; each row is one of n_rows = q^L row states
(q = system.n_states site codes), numbered with site 0 as the most significant base-q digit.
The energy splits exactly into

    E = sum_i intra[i, r_i] + sum_i sum_j bond[i, j, s_ij, s_(i+1)j],

horizontal bonds and site energies inside each row plus vertical bonds between row i and
row (i+1) % L, with the same bond counting as the systems (every site bonds to its right and
down neighbour, so L = 2 counts each pair twice). Everything is built from the system's
energy tables (``bond_energies``, ``site_energies``, ``symmetries``), never from
``system.energy``: the exact results test the systems' energies as well as the samplers.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..systems import check_system


@dataclasses.dataclass(frozen=True, eq=False)
class RowModel:
    """Row-resolved energy terms of one system.

    states: int8 (n_rows, L) site codes of every row state.
    intra: float64 (L, n_rows) energy of row i in each row state (its horizontal bonds and site energies).
    bond: float64 (L, L, q, q) energy of the vertical bond (i, j)-((i+1) % L, j) in codes (s, t).
    site_perms: int (n_perm, q) permutations of the q site codes that leave every term invariant.
    translation_invariant: every row and column alike (column shifts and reflections are symmetries).
    """

    q: int
    L: int
    states: np.ndarray
    intra: np.ndarray
    bond: np.ndarray
    site_perms: np.ndarray
    translation_invariant: bool

    @property
    def n_rows(self) -> int:
        return self.q**self.L

    def inter(self, i: int) -> np.ndarray:
        """float64 (n_rows, n_rows): vertical-bond energy between row i in state r and row i+1 in state r'."""
        out = np.zeros((self.n_rows, self.n_rows))
        for j in range(self.L):
            s = self.states[:, j]
            out += self.bond[i, j][s[:, None], s[None, :]]
        return out


def row_states(q: int, L: int) -> np.ndarray:
    """int8 (q**L, L): the base-q digits of 0..q**L-1, site 0 the most significant."""
    idx = np.arange(q**L)
    powers = q ** np.arange(L - 1, -1, -1)
    return ((idx[:, None] // powers[None, :]) % q).astype(np.int8)


def _horizontal(states, pair_energy):
    """float64 (L, n_rows): sum_j pair_energy[i, j][s_j, s_(j+1) % L] for every row position i."""
    L = states.shape[1]
    right = np.roll(states, -1, axis=1)
    return np.stack([sum(pair_energy[i, j][states[:, j], right[:, j]] for j in range(L)) for i in range(L)])


def _table(system, name: str, value, shape) -> np.ndarray:
    value = np.asarray(value, dtype=np.float64)
    if value.shape != shape:
        raise ValueError(f"{type(system).__name__}.{name} must have shape {shape} for L = {system.L} and "
                         f"{system.n_states} site codes, got {value.shape}")
    return value


def _symmetries(system, q: int) -> np.ndarray:
    perms = np.asarray(system.symmetries())
    if perms.ndim != 2 or perms.shape[1] != q or not (np.sort(perms, axis=1) == np.arange(q)).all():
        raise ValueError(f"{type(system).__name__}.symmetries() must be permutations of the {q} site codes, "
                         f"int (k, {q}); got shape {perms.shape}")
    return perms.astype(np.int64)


def row_model(system) -> RowModel:
    """The ``RowModel`` of any lattice system, from its energy tables."""
    check_system(system)
    L, q = system.L, system.n_states
    horizontal, vertical = system.bond_energies()
    horizontal = _table(system, "bond_energies()[0]", horizontal, (L, L, q, q))
    vertical = _table(system, "bond_energies()[1]", vertical, (L, L, q, q))
    site = _table(system, "site_energies()", system.site_energies(), (q,))
    states = row_states(q, L)
    intra = _horizontal(states, horizontal)
    if site.any():
        intra = intra + site[states].sum(axis=1)[None, :]
    return RowModel(q, L, states, intra, vertical, _symmetries(system, q), bool(system.translation_invariant))
