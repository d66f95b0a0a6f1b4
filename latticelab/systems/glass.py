"""The Gaussian Edwards-Anderson spin glass."""
from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from ..lattice import check_size, down, is_torch, right
from .base import LatticeSystem, _float, _readonly, _site_sum, _site_values


@dataclasses.dataclass(frozen=True, eq=False)
class EdwardsAnderson(LatticeSystem):
    """Gaussian Edwards-Anderson spin glass H = -sum_<ij> J_ij s_i s_j, s = +-1.

    ``Jh[i, j]`` couples (i, j)-(i, (j+1) % L); ``Jv[i, j]`` couples (i, j)-((i+1) % L, j).
    Couplings not given are drawn N(0, 1) from ``seed`` (a fixed disorder instance).
    """

    L: int
    Jh: np.ndarray = None
    Jv: np.ndarray = None
    seed: int = None

    name = "ea"
    label = "Spin glass"
    options = ("seed",)
    metropolis_rule = "ea"

    def __post_init__(self):
        L = check_size(self.L)
        object.__setattr__(self, "L", L)
        if (self.Jh is None or self.Jv is None) and self.seed is None:
            raise ValueError(
                "EdwardsAnderson needs couplings Jh and Jv (float (L, L)) or a seed to draw them from, e.g. "
                "EdwardsAnderson(L=8, seed=0)"
            )
        rng = np.random.default_rng(self.seed)
        drawn = rng.standard_normal((2, L, L)) if self.seed is not None else None
        for k, name in enumerate(("Jh", "Jv")):
            arr = getattr(self, name)
            if arr is None:
                arr = drawn[k]
            arr = np.array(arr, dtype=np.float64)
            if arr.shape != (L, L):
                raise ValueError(f"{name} must have shape (L, L) = ({L}, {L}), got {arr.shape}")
            if not np.isfinite(arr).all():
                raise ValueError(f"{name} has non-finite couplings; pass finite floats")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def _couplings_like(self, x):
        if is_torch(x):
            import torch

            return (torch.tensor(self.Jh, device=x.device), torch.tensor(self.Jv, device=x.device))
        return self.Jh, self.Jv

    def energy(self, configs, h=None):
        """Energy per spin of ``configs`` int8 (..., L, L) of +-1 spins."""
        self.check_configs(configs)
        s = _float(configs)
        Jh, Jv = self._couplings_like(s)
        return -_site_sum(Jh * s * right(s) + Jv * s * down(s)) / self.N

    def delta_energy(self, configs, sites, new, h=None):
        s, (up, dn, lf, rt), (i, j) = _site_values(configs, sites)
        Jh, Jv = self._couplings_like(_float(s))
        L = self.L
        f = (Jh[i, j] * _float(rt) + Jh[i, (j - 1) % L] * _float(lf) + Jv[i, j] * _float(dn)
             + Jv[(i - 1) % L, j] * _float(up))
        return -(_float(new) - _float(s)) * f

    def magnetization(self, configs):
        """Signed magnetization per spin, shape (...)."""
        self.check_configs(configs)
        return _site_sum(_float(configs)) / self.N

    def bond_energies(self) -> tuple:
        """-Jh[i, j] s t and -Jv[i, j] s t: float64 (L, L, 2, 2) each, read-only."""
        s = self.site_values().astype(np.float64)
        st = np.outer(s, s)
        return _readonly(-self.Jh[:, :, None, None] * st, -self.Jv[:, :, None, None] * st)

    def symmetries(self) -> np.ndarray:
        """The identity and the global spin flip: int64 (2, 2)."""
        return np.array([[0, 1], [1, 0]], dtype=np.int64)

    def resized(self, L: int):
        """This instance at its own L; at another L, fresh couplings drawn from ``seed``."""
        if L == self.L:
            return self
        if self.seed is None:
            raise ValueError(
                "an EdwardsAnderson system needs a seed to draw couplings for another L; "
                "pass EdwardsAnderson(L, seed=0), or build EdwardsAnderson(L, Jh=..., Jv=...) of the new size"
            )
        return EdwardsAnderson(L=L, seed=self.seed)

    def palette(self) -> tuple:
        return ("#1b9e77", "#d95f02")  # its own colours: the glass's order is not ferromagnetic

    @classmethod
    def from_options(cls, L: int, seed: int = 0, **options):
        return cls(L, seed=seed)

    def params(self) -> dict:
        digest = hashlib.sha256(self.Jh.tobytes() + self.Jv.tobytes()).hexdigest()[:16]
        return {"system": "EdwardsAnderson", "L": self.L, "couplings_sha256": digest}

    def __repr__(self):
        return f"EdwardsAnderson(L={self.L}, seed={self.seed}, couplings={self.params()['couplings_sha256']})"


#: The systems by name (what the viewer's model menu lists, in this order).
