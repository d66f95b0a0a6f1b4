"""Fakes for the data-store tests: systems ll.sample cannot run, and a sampler that can make their data.

``LinkField`` is what an unbounded integer link-field model (complex phi^4 in the worm
representation) declares: two int arrays per site, k unbounded and l >= 0, state (2, L, L).
``RealField`` is a float state (L, L); ``Clock`` is a discrete-state system that is not Potts.
None of them is Ising/Potts/EA, so any code that branches on the system's type or name fails.
"""
import dataclasses

import numpy as np

from latticelab.samplers.samples import Samples
from latticelab.systems import LatticeSystem


class _Fake(LatticeSystem):
    def energy(self, configs, h=None):
        x = np.asarray(configs, dtype=np.float64)
        return np.abs(x).reshape(*x.shape[: x.ndim - len(self.state_shape)], -1).sum(-1) / self.N

    def magnetization(self, configs):
        x = np.asarray(configs, dtype=np.float64)
        return x.reshape(*x.shape[: x.ndim - len(self.state_shape)], -1).mean(-1)


@dataclasses.dataclass(frozen=True)
class LinkField(_Fake):
    """int (2, L, L): k (unbounded, either sign) and l (>= 0) on every site."""

    L: int
    dtype: str = "int32"

    name = "links"
    site_kind = "int"
    n_states = 0

    @property
    def state_dtype(self):
        return np.dtype(self.dtype)

    @property
    def state_shape(self):
        return (2, self.L, self.L)

    def hot(self, rng, batch):
        big = np.iinfo(self.state_dtype).max // 2
        k = rng.integers(-big, big, size=(batch, self.L, self.L))
        l = rng.integers(0, big, size=(batch, self.L, self.L))
        return np.stack([k, l], axis=1).astype(self.state_dtype)

    def params(self):
        return {"system": "LinkField", "L": self.L, "dtype": self.dtype}


@dataclasses.dataclass(frozen=True)
class RealField(_Fake):
    """float32 (L, L)."""

    L: int

    name = "real"
    site_kind = "real"
    n_states = 0
    state_dtype = np.dtype(np.float32)

    def hot(self, rng, batch):
        x = rng.standard_normal((batch, self.L, self.L)).astype(np.float32)
        x[0, 0, 0] = np.nan  # a stored float state must come back bit for bit, NaN included
        return x

    def params(self):
        return {"system": "RealField", "L": self.L}


@dataclasses.dataclass(frozen=True)
class Clock(_Fake):
    """5 discrete states (0..4) in int8 (L, L); its params() even claims to be 'Ising'."""

    L: int

    name = "clock"
    site_kind = "state"
    n_states = 5

    def params(self):
        return {"system": "Ising", "L": self.L, "clock": 5}


def fake_sample(system, T, n_samples, *, h=None, seed=None, burn_in=None, thin=None, algorithm="auto", n_chains=None,
                backend="auto", **ignored):
    """What ``ll.sample`` returns, drawn from ``system.hot`` (deterministic in ``seed``)."""
    T = np.atleast_1d(np.asarray(T, dtype=np.float64))
    fields = np.full(T.size, float(system.h)) if h is None else np.asarray(h, dtype=np.float64)
    configs = system.hot(np.random.default_rng(seed), T.size * n_samples).reshape(T.size, n_samples, *system.state_shape)
    return Samples(
        system=system, configs=configs, energy=np.asarray(system.energy(configs, h=fields[:, None]), dtype=np.float64),
        magnetization=np.asarray(system.magnetization(configs), dtype=np.float64), T=T, h=fields,
        algorithm="metropolis" if algorithm == "auto" else algorithm, backend=str(backend), seed=seed,
        burn_in=7 if burn_in is None else burn_in, thin=3 if thin is None else thin, n_chains=n_chains or 2,
        tau=np.full(T.size, 1.5),
    )
