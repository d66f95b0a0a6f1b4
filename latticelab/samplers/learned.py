"""Metropolis driven by any energy model: single-site moves accepted with min(1, exp(-beta dE)).

``energy`` is any object with ``delta_energy(configs, sites, new)`` -> float (B,): the change of
the total energy of configs (B, L, L) when site ``sites[b]`` (int64 (B, 2): row, column) of chain b
takes the value ``new[b]``. A trained network (e.g. an autoregressive model's -T ln P or an EDNN)
provides it; so does every ``ll`` system, which is how this update is verified against exact results.
``configs`` arrive as the chain's native array (numpy on the numba backend, a torch tensor on torch).

A sweep is N = L*L proposals per chain, each at a uniformly random site; all chains move together.
The move itself is the system's (``system.propose``: a spin flip, or a new Potts state).
"""
from __future__ import annotations

import numpy as np

from .updates import Update, register


@register
class LearnedMetropolis(Update):
    """``Chain(system, T, algorithm='learned_metropolis', energy=model)``."""

    name = "learned_metropolis"

    def __init__(self, chain, energy=None):
        super().__init__(chain)
        if not callable(getattr(energy, "delta_energy", None)):
            raise TypeError(
                "algorithm='learned_metropolis' needs energy=<model> with a method delta_energy(configs, sites, new) "
                f"returning the energy change (B,); got energy={energy!r}. Any ll system works, e.g. energy=ll.Ising(L=8)"
            )
        self.energy = energy

    @classmethod
    def check(cls, system, backend_name, h):
        super().check(system, backend_name, h)
        if np.any(h != system.h):
            raise ValueError(
                "the energy model fixes the field: algorithm='learned_metropolis' runs at the system's own h "
                f"({system.h}); leave h=None"
            )

    def set_params(self, beta, h):
        self._beta = beta

    def sweep(self, x, t):
        c = self.chain
        L, B = c.system.L, c.batch
        rng = np.random.default_rng([c.seed, 5, t])
        sites = rng.integers(0, L, size=(L * L, B, 2))
        words = rng.integers(0, 2**62, size=(L * L, B))
        log_u = np.log(rng.random((L * L, B)))
        xp = _ArrayOps(x)
        beta = xp.asarray(self._beta)
        for k in range(L * L):
            s = xp.asarray(sites[k])
            i, j = s[:, 0], s[:, 1]
            old = x[xp.batch, i, j]
            new = c.system.propose(old, xp.asarray(words[k]))
            dE = xp.asarray(self.energy.delta_energy(x, s, new))
            accept = xp.asarray(log_u[k]) < -beta * dE
            x[xp.batch, i, j] = xp.where(accept, new, old)
        return x


class _ArrayOps:
    """The few array operations the sweep needs, for numpy states and torch tensors alike."""

    def __init__(self, x):
        self.torch = type(x).__module__.startswith("torch")
        if self.torch:
            import torch

            self._t, self.device = torch, x.device
            self.batch = torch.arange(x.shape[0], device=x.device)
        else:
            self.batch = np.arange(x.shape[0])

    def asarray(self, a):
        if not self.torch:
            return np.asarray(a)
        if isinstance(a, self._t.Tensor):
            return a.to(self.device)
        return self._t.as_tensor(np.asarray(a), device=self.device)

    def where(self, cond, a, b):
        return self._t.where(cond, a.to(b.dtype), b) if self.torch else np.where(cond, a, b).astype(b.dtype)
