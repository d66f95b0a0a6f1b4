"""The sampler's checks: the worm beside a direct simulation of phi at mu = 0, and the silver blaze n(mu)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ...samplers.dual import sample_dual
from ...systems.phi4 import ComplexPhi4


def worm_check(config, eta=4.25, L=4, seed=0):
    """(worm (mean, err), direct (mean, err)) of <|phi|^2> at mu = 0 on L x L."""
    from ...exact.phi4_weights import direct_phi_metropolis

    d = sample_dual(ComplexPhi4(L, L, eta=eta, lam=config.lam, mu=0.0), 16 * config.check_sweeps // 4,
                    burn_in=200, thin=2, seed=seed, n_chains=16)
    per_chain = d.phi2.reshape(16, -1).mean(axis=1)
    direct = direct_phi_metropolis(L, L, eta, config.lam, 32, config.check_sweeps, seed + 1)[:, 0]
    return ((per_chain.mean(), per_chain.std(ddof=1) / 4), (direct.mean(), direct.std(ddof=1) / np.sqrt(32)),
            (float(d.density.mean()), float(d.density.std() / np.sqrt(len(d.density)))))


@dataclasses.dataclass(frozen=True)
class Blaze:
    """n(mu) on a long-time lattice: mu (k,), density mean and error (k,), one sample's configuration per mu."""

    mu: np.ndarray
    density: np.ndarray
    error: np.ndarray
    configs: np.ndarray


def silver_blaze(config, mus=tuple(np.round(np.linspace(0.0, 1.6, 9), 3)), Lt=32, Lx=4, eta=4.01, seed=0) -> Blaze:
    """The density versus mu at eta = 4.01: zero below the onset (silver blaze), rising above it."""
    dens, err, confs = [], [], []
    for mu in mus:
        d = sample_dual(ComplexPhi4(Lt, Lx, eta=eta, lam=config.lam, mu=mu), config.blaze_samples, burn_in=200, thin=4,
                        seed=seed)
        per_chain = d.density.reshape(d.n_chains, -1).mean(axis=1)
        dens.append(per_chain.mean())
        err.append(per_chain.std(ddof=1) / np.sqrt(d.n_chains))
        confs.append(d.configs[-1])
    return Blaze(np.asarray(mus, float), np.array(dens), np.array(err), np.array(confs))
