"""The q-state Potts model, its critical temperature and its colours."""
from __future__ import annotations

import colorsys
import dataclasses
import itertools
import math

import numpy as np

from .. import _validate
from ..lattice import check_size, down, is_torch, right
from .base import LatticeSystem, _float, _site_sum, _site_values, _uniform_bonds


def potts_tc(q: int, J: float = 1.0) -> float:
    """Tc = J / ln(1 + sqrt q) of the q-state Potts ferromagnet (continuous for q <= 4, first order above)."""
    return J / math.log1p(math.sqrt(q))



def _hex(rgb) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgb)


# Okabe & Ito's colour-blind safe set, then golden-angle hues for q > 8
_QUALITATIVE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#4d4d4d")


def potts_palette(q: int) -> tuple:
    """q distinct CSS colours, one per Potts state."""
    if q < 1:
        raise ValueError(f"q must be >= 1, got {q}")
    extra = [_hex(colorsys.hsv_to_rgb((0.61803398875 * k) % 1.0, 0.55 + 0.35 * (k % 2), 0.85 - 0.25 * (k % 3 == 2)))
             for k in range(max(0, q - len(_QUALITATIVE)))]
    return tuple((list(_QUALITATIVE) + extra)[:q])



@dataclasses.dataclass(frozen=True)
class Potts(LatticeSystem):
    """q-state Potts model H = -J sum_<ij> delta(s_i, s_j), s in 0..q-1, periodic L x L."""

    L: int
    q: int
    J: float = 1.0

    name = "potts"
    label = "Potts"
    options = ("q",)
    site_kind = "state"
    metropolis_rule = "potts"
    translation_invariant = True

    def __post_init__(self):
        object.__setattr__(self, "L", check_size(self.L))
        q = _validate.positive_int(self.q, "q", minimum=2)
        if q > 127:
            raise ValueError(f"q={q} does not fit int8 states; use q <= 127")
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "J", _validate.finite_float(self.J, "J"))

    @property
    def n_states(self) -> int:
        return self.q

    @property
    def tc(self):
        """Exact critical temperature J / ln(1 + sqrt q) (continuous for q <= 4, first order above)."""
        return potts_tc(self.q, self.J) if self.J > 0 else None

    def energy(self, configs, h=None):
        """Energy per spin of ``configs`` int8 (..., L, L) with states 0..q-1."""
        self.check_configs(configs)
        same = _float(configs == down(configs)) + _float(configs == right(configs))
        return -self.J * _site_sum(same) / self.N

    def delta_energy(self, configs, sites, new, h=None):
        s, nbrs, _ = _site_values(configs, sites)
        gain = sum(_float(n == new) - _float(n == s) for n in nbrs)
        return -self.J * gain

    def counts(self, configs):
        """Number of sites in each state, shape (..., q)."""
        self.check_configs(configs)
        per_state = [_site_sum(_float(configs == a)) for a in range(self.q)]
        if is_torch(configs):
            import torch

            return torch.stack(per_state, dim=-1)
        return np.stack(per_state, axis=-1)

    def magnetization(self, configs):
        """Order parameter (q max_a n_a / N - 1) / (q - 1) in [0, 1], shape (...)."""
        c = self.counts(configs)
        top = c.max(dim=-1).values if is_torch(c) else c.max(axis=-1)
        return (self.q * top / self.N - 1.0) / (self.q - 1.0)

    @property
    def cluster_coupling(self):
        return self.J if self.J > 0 else None

    def bond_energies(self) -> tuple:
        """Both directions -J delta(a, b): float64 (L, L, q, q), read-only."""
        return _uniform_bonds(self.L, -self.J * np.eye(self.q))

    def symmetries(self) -> np.ndarray:
        """int64 (k, q): all q! state permutations for q <= 4; above, the q cyclic shifts (a subgroup that
        keeps the list short)."""
        q = self.q
        if q <= 4:
            return np.array(list(itertools.permutations(range(q))), dtype=np.int64)
        return ((np.arange(q)[None, :] + np.arange(q)[:, None]) % q).astype(np.int64)

    def order_parameter(self, counts) -> np.ndarray:
        """(q max_a n_a / N - 1) / (q - 1) from ``counts`` float (..., q): float64 (...)."""
        top = np.asarray(counts, dtype=np.float64).max(axis=-1)
        return (self.q * top / self.N - 1.0) / (self.q - 1.0)

    def palette(self) -> tuple:
        return potts_palette(self.q)

    @classmethod
    def from_options(cls, L: int, q: int = 3, **options):
        return cls(L, q)

    def params(self) -> dict:
        return {"system": "Potts", "L": self.L, "q": self.q, "J": self.J}
