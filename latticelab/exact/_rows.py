"""Row decomposition of a periodic L x L system, shared by enumeration and transfer matrices.

A configuration is a sequence of L rows; each row is one of n_rows = q^L row states,
numbered with site 0 as the most significant base-q digit. The energy splits exactly into

    E = sum_i intra[i, r_i] + sum_i sum_j bond[i, j, s_ij, s_(i+1)j],

horizontal bonds and field inside each row plus vertical bonds between row i and row
(i+1) % L, with the same bond counting as the systems (every site bonds to its right and
down neighbour, so L = 2 counts each pair twice). This code is deliberately independent
of ``system.energy``: it is what the samplers and systems are tested against.
Ising and Edwards-Anderson states 0, 1 are the spins +1, -1.
"""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from ..systems import EdwardsAnderson, Ising, Potts, check_system


@dataclasses.dataclass(frozen=True, eq=False)
class RowModel:
    """Row-resolved energy terms of one system.

    states: int8 (n_rows, L) site states of every row state.
    intra: float64 (L, n_rows) energy of row i in each row state (its horizontal bonds and field).
    bond: float64 (L, L, q, q) energy of the vertical bond (i, j)-((i+1) % L, j) in states (s, t).
    site_perms: int (n_perm, q) permutations of the q site states that leave every term invariant.
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


def row_model(system) -> RowModel:
    """The ``RowModel`` of an Ising, Potts or EdwardsAnderson system."""
    check_system(system)
    L = system.L
    if isinstance(system, Potts):
        q = system.q
        delta = np.eye(q)
        pair = np.broadcast_to(-system.J * delta, (L, L, q, q))
        states = row_states(q, L)
        if q <= 4:  # all colour permutations; for larger q the cyclic shifts (a subgroup) suffice
            perms = np.array(list(itertools.permutations(range(q))))
        else:
            perms = (np.arange(q)[None, :] + np.arange(q)[:, None]) % q
        return RowModel(q, L, states, _horizontal(states, pair), np.array(pair), perms, True)

    spin = np.array([1.0, -1.0])
    ss = np.outer(spin, spin)  # (2, 2): s * t
    states = row_states(2, L)
    identity, flip = [0, 1], [1, 0]
    if isinstance(system, Ising):
        pair = np.broadcast_to(-system.J * ss, (L, L, 2, 2))
        intra = _horizontal(states, pair) - system.h * spin[states].sum(axis=1)[None, :]
        perms = np.array([identity, flip] if system.h == 0.0 else [identity])
        return RowModel(2, L, states, intra, np.array(pair), perms, True)
    if isinstance(system, EdwardsAnderson):
        horizontal = -system.Jh[:, :, None, None] * ss
        vertical = -system.Jv[:, :, None, None] * ss
        return RowModel(2, L, states, _horizontal(states, horizontal), vertical, np.array([identity, flip]), False)
    raise TypeError(f"no row model for {type(system).__name__}")  # pragma: no cover
