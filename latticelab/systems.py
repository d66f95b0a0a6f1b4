"""Lattice systems: frozen dataclasses that know their energy and order parameter.

All systems live on a periodic L x L square lattice. Configurations are int8 arrays
``(..., L, L)`` (numpy or torch): +-1 spins for Ising and Edwards-Anderson, states
0..q-1 for Potts. ``energy`` and ``magnetization`` return per-spin values with the
leading (batch) shape of the input, as float64 for numpy and the default float dtype
for torch.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from . import _validate
from .lattice import check_size, down, is_torch, right


def _float(x):
    if is_torch(x):
        import torch

        return x.to(torch.float64)
    return np.asarray(x, dtype=np.float64)


def _site_sum(x):
    return x.sum(axis=(-2, -1)) if not is_torch(x) else x.sum(dim=(-2, -1))


def _check_config_shape(configs, L):
    if tuple(configs.shape[-2:]) != (L, L):
        raise ValueError(f"configurations must end in ({L}, {L}) for this system, got shape {tuple(configs.shape)}")


@dataclasses.dataclass(frozen=True)
class Ising:
    """Ising model H = -J sum_<ij> s_i s_j - h sum_i s_i, s = +-1, periodic L x L."""

    L: int
    J: float = 1.0
    h: float = 0.0

    n_states = 2

    def __post_init__(self):
        object.__setattr__(self, "L", check_size(self.L))
        object.__setattr__(self, "J", _validate.finite_float(self.J, "J"))
        object.__setattr__(self, "h", _validate.finite_float(self.h, "h"))

    @property
    def N(self) -> int:
        return self.L * self.L

    @property
    def tc(self):
        """Onsager's critical temperature 2J / ln(1 + sqrt 2) at h = 0 (None in a field or for J <= 0)."""
        if self.h != 0.0 or self.J <= 0:
            return None
        return 2.0 * self.J / math.log(1.0 + math.sqrt(2.0))

    def with_field(self, h: float) -> "Ising":
        return dataclasses.replace(self, h=h)

    def energy(self, configs, h=None):
        """Energy per spin of ``configs`` int8 (..., L, L); ``h`` (scalar or (...,)) overrides the field."""
        _check_config_shape(configs, self.L)
        s = _float(configs)
        h = self.h if h is None else h
        bonds = _site_sum(s * (down(s) + right(s)))
        return (-self.J * bonds - h * _site_sum(s)) / self.N

    def magnetization(self, configs):
        """Signed magnetization per spin, shape (...)."""
        _check_config_shape(configs, self.L)
        return _site_sum(_float(configs)) / self.N

    def params(self) -> dict:
        """Everything that defines the system, for cache keys and reprs."""
        return {"system": "Ising", "L": self.L, "J": self.J, "h": self.h}


@dataclasses.dataclass(frozen=True)
class Potts:
    """q-state Potts model H = -J sum_<ij> delta(s_i, s_j), s in 0..q-1, periodic L x L."""

    L: int
    q: int
    J: float = 1.0

    h = 0.0

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
    def N(self) -> int:
        return self.L * self.L

    @property
    def tc(self):
        """Exact critical temperature J / ln(1 + sqrt q) (continuous for q <= 4, first order above)."""
        if self.J <= 0:
            return None
        return self.J / math.log(1.0 + math.sqrt(self.q))

    def energy(self, configs, h=None):
        """Energy per spin of ``configs`` int8 (..., L, L) with states 0..q-1."""
        _check_config_shape(configs, self.L)
        same = _float(configs == down(configs)) + _float(configs == right(configs))
        return -self.J * _site_sum(same) / self.N

    def counts(self, configs):
        """Number of sites in each state, shape (..., q)."""
        _check_config_shape(configs, self.L)
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

    def params(self) -> dict:
        return {"system": "Potts", "L": self.L, "q": self.q, "J": self.J}


@dataclasses.dataclass(frozen=True, eq=False)
class EdwardsAnderson:
    """Gaussian Edwards-Anderson spin glass H = -sum_<ij> J_ij s_i s_j, s = +-1.

    ``Jh[i, j]`` couples (i, j)-(i, (j+1) % L); ``Jv[i, j]`` couples (i, j)-((i+1) % L, j).
    Couplings not given are drawn N(0, 1) from ``seed`` (a fixed disorder instance).
    """

    L: int
    Jh: np.ndarray = None
    Jv: np.ndarray = None
    seed: int = None

    n_states = 2
    h = 0.0
    tc = None  # no finite-temperature transition in 2D

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

    @property
    def N(self) -> int:
        return self.L * self.L

    def _couplings_like(self, x):
        if is_torch(x):
            import torch

            return (torch.tensor(self.Jh, device=x.device), torch.tensor(self.Jv, device=x.device))
        return self.Jh, self.Jv

    def energy(self, configs, h=None):
        """Energy per spin of ``configs`` int8 (..., L, L) of +-1 spins."""
        _check_config_shape(configs, self.L)
        s = _float(configs)
        Jh, Jv = self._couplings_like(s)
        return -_site_sum(Jh * s * right(s) + Jv * s * down(s)) / self.N

    def magnetization(self, configs):
        """Signed magnetization per spin, shape (...)."""
        _check_config_shape(configs, self.L)
        return _site_sum(_float(configs)) / self.N

    def params(self) -> dict:
        import hashlib

        digest = hashlib.sha256(self.Jh.tobytes() + self.Jv.tobytes()).hexdigest()[:16]
        return {"system": "EdwardsAnderson", "L": self.L, "couplings_sha256": digest}

    def __repr__(self):
        return f"EdwardsAnderson(L={self.L}, seed={self.seed}, couplings={self.params()['couplings_sha256']})"


SYSTEMS = (Ising, Potts, EdwardsAnderson)


def check_system(system):
    """Raise a TypeError unless ``system`` is one of the lattice systems."""
    if not isinstance(system, SYSTEMS):
        raise TypeError(
            f"system must be ll.Ising, ll.Potts or ll.EdwardsAnderson, got {type(system).__name__}; "
            "e.g. ll.Ising(L=32)"
        )
    return system
