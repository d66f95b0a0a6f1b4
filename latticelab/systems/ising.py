"""The Ising model and its critical temperature."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import _validate
from ..lattice import check_size, down, right
from .base import LatticeSystem, _float, _site_sum, _site_values, _uniform_bonds


def ising_tc(J: float = 1.0) -> float:
    """Onsager's Tc = 2 J / ln(1 + sqrt 2) of the square-lattice Ising ferromagnet."""
    return 2.0 * J / math.log1p(math.sqrt(2.0))



@dataclasses.dataclass(frozen=True)
class Ising(LatticeSystem):
    """Ising model H = -J sum_<ij> s_i s_j - h sum_i s_i, s = +-1, periodic L x L."""

    L: int
    J: float = 1.0
    h: float = 0.0

    name = "ising"
    label = "Ising"
    metropolis_rule = "ising"
    has_field = True
    translation_invariant = True

    def __post_init__(self):
        object.__setattr__(self, "L", check_size(self.L))
        object.__setattr__(self, "J", _validate.finite_float(self.J, "J"))
        object.__setattr__(self, "h", _validate.finite_float(self.h, "h"))

    @property
    def tc(self):
        """Onsager's critical temperature at h = 0 (None in a field or for J <= 0)."""
        return ising_tc(self.J) if self.h == 0.0 and self.J > 0 else None

    @property
    def cold_below(self):
        return ising_tc(self.J) if self.J > 0 else None

    @property
    def onsager_coupling(self):
        return self.J if self.tc is not None else None

    def cold(self, batch: int, h=None) -> np.ndarray:
        """All up, or all down for chains whose field ``h`` (batch,) is negative."""
        x = super().cold(batch)
        if h is not None:
            x *= np.where(np.asarray(h) < 0, -1, 1).astype(np.int8)[:, None, None]
        return x

    def energy(self, configs, h=None):
        """Energy per spin of ``configs`` int8 (..., L, L); ``h`` (scalar or (...,)) overrides the field."""
        self.check_configs(configs)
        s = _float(configs)
        h = self.h if h is None else h
        bonds = _site_sum(s * (down(s) + right(s)))
        return (-self.J * bonds - h * _site_sum(s)) / self.N

    def delta_energy(self, configs, sites, new, h=None):
        s, nbrs, _ = _site_values(configs, sites)
        h = self.h if h is None else h
        return -(_float(new) - _float(s)) * (self.J * sum(_float(n) for n in nbrs) + h)

    def magnetization(self, configs):
        """Signed magnetization per spin, shape (...)."""
        self.check_configs(configs)
        return _site_sum(_float(configs)) / self.N

    def bond_energies(self) -> tuple:
        """Both directions -J s t: float64 (L, L, 2, 2), read-only."""
        s = self.site_values().astype(np.float64)
        return _uniform_bonds(self.L, -self.J * np.outer(s, s))

    def site_energies(self) -> np.ndarray:
        """-h s: float64 (2,)."""
        return -self.h * self.site_values().astype(np.float64)

    def symmetries(self) -> np.ndarray:
        """The identity, and the global spin flip at h = 0: int64 (1 or 2, 2)."""
        return np.array([[0, 1], [1, 0]] if self.h == 0.0 else [[0, 1]], dtype=np.int64)

    @property
    def cluster_coupling(self):
        return 2.0 * self.J if self.J > 0 else None

    def params(self) -> dict:
        """Everything that defines the system, for cache keys and reprs."""
        return {"system": "Ising", "L": self.L, "J": self.J, "h": self.h}
