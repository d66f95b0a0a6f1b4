"""Lattice systems: one class per model that knows everything about its states.

All systems live on a periodic L x L square lattice and derive from ``LatticeSystem``, the one
interface the rest of latticelab asks (it never branches on a system's type): the dtype and shape
of a configuration, hot and cold starts, energy and local energy change, order parameter, the
random global symmetry moves, how its sites are stored (``site_kind``) and drawn (``palette``),
which Metropolis kernel updates it and whether Wolff clusters can, and the energy as tables of
site codes (``site_values``, ``bond_energies``, ``site_energies``, ``symmetries``,
``order_parameter``) from which ``latticelab.exact`` enumerates and builds transfer matrices.

Configurations are arrays ``(..., *state_shape)`` (numpy or torch) of ``state_dtype``: +-1 spins
for Ising and Edwards-Anderson, states 0..q-1 for Potts. ``energy`` and ``magnetization`` return
per-spin values with the leading (batch) shape of the input, as float64 for numpy and the default
float dtype for torch.
"""
from __future__ import annotations

import colorsys
import dataclasses
import hashlib
import itertools
import math

import numpy as np

from . import _validate
from .lattice import check_size, down, is_torch, right

SITE_KINDS = ("spin", "state")  # +-1 spins; states 0..n_states-1 (the data store and the viewer read this)


def ising_tc(J: float = 1.0) -> float:
    """Onsager's Tc = 2 J / ln(1 + sqrt 2) of the square-lattice Ising ferromagnet."""
    return 2.0 * J / math.log1p(math.sqrt(2.0))


def potts_tc(q: int, J: float = 1.0) -> float:
    """Tc = J / ln(1 + sqrt q) of the q-state Potts ferromagnet (continuous for q <= 4, first order above)."""
    return J / math.log1p(math.sqrt(q))


def _float(x):
    if is_torch(x):
        import torch

        return x.to(torch.float64)
    return np.asarray(x, dtype=np.float64)


def _site_sum(x):
    return x.sum(axis=(-2, -1)) if not is_torch(x) else x.sum(dim=(-2, -1))


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


def _site_values(x, sites):
    """x (B, L, L) -> the values at ``sites`` int (B, 2) and at their up/down/left/right neighbours, each (B,)."""
    L = x.shape[-1]
    if is_torch(x):
        import torch

        b = torch.arange(x.shape[0], device=x.device)
        sites = torch.as_tensor(sites, device=x.device, dtype=torch.int64)
    else:
        b = np.arange(x.shape[0])
        sites = np.asarray(sites, dtype=np.int64)
    i, j = sites[:, 0], sites[:, 1]
    nbrs = (x[b, (i - 1) % L, j], x[b, (i + 1) % L, j], x[b, i, (j - 1) % L], x[b, i, (j + 1) % L])
    return x[b, i, j], nbrs, (i, j)


def _readonly(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


def _uniform_bonds(L: int, pair) -> tuple:
    """(horizontal, vertical) read-only float64 (L, L, n, n) views of one pair table ``pair`` (n, n)."""
    pair = np.array(pair, dtype=np.float64)
    return np.broadcast_to(pair, (L, L, *pair.shape)), np.broadcast_to(pair, (L, L, *pair.shape))


class LatticeSystem:
    """What every lattice system provides. Subclasses are frozen dataclasses with at least ``L``.

    Class attributes a subclass sets:
      name:            the registry key ('ising'); ``label`` the human name ('Ising')
      options:         the keyword options ``from_options`` takes from a viewer's menus (e.g. ('q',))
      site_kind:       'spin' (int8 +-1) or 'state' (int8 0..n_states-1): how sites are packed on disk
                       and encoded for the viewer
      metropolis_rule: the name of the checkerboard Metropolis kernel that updates it
      has_field:       True where a field h enters the energy (and may vary per temperature)
      translation_invariant: True where every site and every bond of one direction has the same energy
                       table (default False)
    """

    name = ""
    label = ""
    options = ()
    site_kind = "spin"
    metropolis_rule = ""
    has_field = False
    h = 0.0
    n_states = 2
    state_dtype = np.dtype(np.int8)

    @property
    def N(self) -> int:
        return self.L * self.L

    @property
    def state_shape(self) -> tuple:
        """Shape of one configuration: (L, L)."""
        return (self.L, self.L)

    @property
    def tc(self):
        """The critical temperature where known exactly, else None."""
        return None

    @property
    def cold_below(self):
        """Temperature below which ``start='auto'`` starts ordered (None: always hot)."""
        return self.tc

    @property
    def onsager_coupling(self):
        """J where this is the square-lattice Ising ferromagnet at h = 0, so Onsager's and Kaufman's
        exact results apply; else None."""
        return None

    # -- states -------------------------------------------------------------------------
    def hot(self, rng: np.random.Generator, batch: int) -> np.ndarray:
        """Random configurations, ``state_dtype`` (batch, *state_shape)."""
        x = rng.integers(0, self.n_states, size=(batch, *self.state_shape), dtype=np.int8)
        return (2 * x - 1).astype(np.int8) if self.site_kind == "spin" else x

    def cold(self, batch: int, h=None) -> np.ndarray:
        """Ordered configurations (batch, *state_shape); ``h`` float (batch,) picks each chain's ordered state."""
        return np.full((batch, *self.state_shape), 1 if self.site_kind == "spin" else 0, dtype=np.int8)

    def check_configs(self, configs):
        """Raise ValueError unless ``configs`` end in ``state_shape``."""
        shape = self.state_shape
        if tuple(configs.shape[-len(shape):]) != shape:
            raise ValueError(f"configurations must end in {shape} for this system, got shape {tuple(configs.shape)}")

    def propose(self, old, words):
        """Proposed new site values for a single-site move from ``old`` (B,), given random words int64 (B,) >= 0."""
        if self.site_kind == "spin":
            return -old
        return (old + 1 + words % (self.n_states - 1)) % self.n_states

    def symmetry(self, configs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A random global symmetry of the h = 0 Hamiltonian applied to each configuration of
        ``configs`` (..., L, L): a spin flip, or for states a permutation of them."""
        lead = configs.shape[:-2]
        if self.site_kind == "spin":
            return configs * rng.choice(np.array([-1, 1], dtype=np.int8), size=(*lead, 1, 1))
        perm = np.argsort(rng.random((*lead, self.n_states)), axis=-1).astype(configs.dtype)
        out = np.empty_like(configs)
        for a in range(self.n_states):
            np.copyto(out, perm[..., a, None, None], where=configs == a)
        return out

    # -- energies ----------------------------------------------------------------------
    def delta_energy(self, configs, sites, new, h=None):
        """Total energy change float (B,) when site ``sites[b]`` (int (B, 2): row, column) of configs (B, L, L)
        takes the value ``new[b]``; ``h`` (scalar or (B,)) overrides the field."""
        raise NotImplementedError

    # -- energy tables (what latticelab.exact enumerates and builds transfer matrices from) -----------
    # A site holds one of n = n_states codes 0..n-1; ``site_values()[code]`` is what a configuration stores.
    # The total energy of a configuration with codes c is
    #   E = sum_ij horizontal[i, j, c_ij, c_i(j+1)] + vertical[i, j, c_ij, c_(i+1)j] + site[c_ij]
    # (indices mod L; every site bonds to its right and down neighbour, so L = 2 counts each pair twice).

    @property
    def translation_invariant(self) -> bool:
        """True where every site, and every bond of one direction, has the same energy table
        (then lattice translations and reflections are symmetries too)."""
        return False

    def site_values(self) -> np.ndarray:
        """``state_dtype`` (n_states,): the value a configuration holds for each site code
        (spins [-1, +1]; states 0..n_states-1)."""
        if self.site_kind == "spin":
            return np.array([-1, 1], dtype=self.state_dtype)
        return np.arange(self.n_states, dtype=self.state_dtype)

    def bond_energies(self) -> tuple:
        """(horizontal, vertical), each float64 (L, L, n_states, n_states), read-only: the energy of the bond
        (i, j)-(i, (j+1) % L), respectively (i, j)-((i+1) % L, j), when its sites hold codes (a, b)."""
        raise NotImplementedError(f"{type(self).__name__} does not provide bond_energies()")

    def site_energies(self) -> np.ndarray:
        """float64 (n_states,): the energy of one site holding each code, apart from its bonds (the field term)."""
        return np.zeros(self.n_states)

    def symmetries(self) -> np.ndarray:
        """int64 (k, n_states), identity first: permutations p of the site codes that leave every bond and
        site energy invariant (code a -> p[a]). Only the identity unless a system declares more."""
        return np.arange(self.n_states, dtype=np.int64)[None, :]

    def order_parameter(self, counts) -> np.ndarray:
        """Order parameter per spin, float64 (...), of configurations with ``counts`` float (..., n_states)
        sites holding each code; what ``magnetization`` returns (by default the mean site value: the signed
        mean spin)."""
        counts = np.asarray(counts, dtype=np.float64)
        return counts @ self.site_values().astype(np.float64) / self.N

    def resized(self, L: int):
        """A system of the same kind and couplings at size ``L`` x ``L``."""
        return dataclasses.replace(self, L=L)

    # -- clusters ----------------------------------------------------------------------
    @property
    def clusterable(self) -> bool:
        """True where Wolff cluster updates are valid (a ferromagnet)."""
        return False

    def bond_probability(self, beta):
        """Wolff's probability to add an aligned neighbour to a cluster, float64 like ``beta``."""
        raise ValueError(
            f"Wolff cluster updates need a ferromagnetic Ising or Potts model (J > 0), not {self!r}; "
            "use algorithm='metropolis'"
        )

    # -- drawing -----------------------------------------------------------------------
    def palette(self) -> tuple:
        """CSS colours indexed by site code (spins: [down, up]; states: one per state)."""
        return ("#f2efe6", "#23344d")  # down (light), up (dark ink)

    @classmethod
    def from_options(cls, L: int, **options):
        """The system a viewer shows for ``L`` and its menu options (q, seed); others are ignored."""
        return cls(L)


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
    def clusterable(self) -> bool:
        return self.J > 0

    def bond_probability(self, beta):
        if not self.clusterable:
            super().bond_probability(beta)
        return -np.expm1(-2.0 * self.J * np.asarray(beta, dtype=np.float64))

    def params(self) -> dict:
        """Everything that defines the system, for cache keys and reprs."""
        return {"system": "Ising", "L": self.L, "J": self.J, "h": self.h}


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
    def clusterable(self) -> bool:
        return self.J > 0

    def bond_probability(self, beta):
        if not self.clusterable:
            super().bond_probability(beta)
        return -np.expm1(-self.J * np.asarray(beta, dtype=np.float64))

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
SYSTEMS = {cls.name: cls for cls in (Ising, Potts, EdwardsAnderson)}


def make_system(name: str, L: int, **options) -> LatticeSystem:
    """``SYSTEMS[name].from_options(L, **options)``, e.g. make_system('potts', 32, q=4)."""
    if name not in SYSTEMS:
        raise ValueError(f"unknown system {name!r}; choose one of {', '.join(map(repr, SYSTEMS))}")
    return SYSTEMS[name].from_options(L, **options)


def check_system(system):
    """Raise a TypeError unless ``system`` is a lattice system."""
    if not isinstance(system, LatticeSystem):
        raise TypeError(
            f"system must be a latticelab system (ll.Ising, ll.Potts, ll.EdwardsAnderson, ...), got "
            f"{type(system).__name__}; e.g. ll.Ising(L=32)"
        )
    return system
