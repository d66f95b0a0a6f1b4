"""``LatticeSystem``: what every lattice system provides, and the array helpers its subclasses share."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..lattice import is_torch

SITE_KINDS = ("spin", "state")  # +-1 spins; states 0..n_states-1 (the data store and the viewer read this)


def _float(x):
    if is_torch(x):
        import torch

        return x.to(torch.float64)
    return np.asarray(x, dtype=np.float64)


def _site_sum(x):
    return x.sum(axis=(-2, -1)) if not is_torch(x) else x.sum(dim=(-2, -1))


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
    def cluster_coupling(self):
        """K where Wolff clusters are valid (a ferromagnet): an aligned neighbour joins a cluster with
        probability 1 - exp(-K beta). None where they are not."""
        return None

    @property
    def clusterable(self) -> bool:
        """True where Wolff cluster updates are valid."""
        return self.cluster_coupling is not None

    def bond_probability(self, beta):
        """Wolff's probability to add an aligned neighbour to a cluster, float64 like ``beta``."""
        if not self.clusterable:
            raise ValueError(
                f"Wolff cluster updates need a ferromagnetic Ising or Potts model (J > 0), not {self!r}; "
                "use algorithm='metropolis'"
            )
        return -np.expm1(-self.cluster_coupling * np.asarray(beta, dtype=np.float64))

    # -- drawing -----------------------------------------------------------------------
    def palette(self) -> tuple:
        """CSS colours indexed by site code (spins: [down, up]; states: one per state)."""
        return ("#f2efe6", "#23344d")  # down (light), up (dark ink)

    @classmethod
    def from_options(cls, L: int, **options):
        """The system a viewer shows for ``L`` and its menu options (q, seed); others are ignored."""
        return cls(L)
