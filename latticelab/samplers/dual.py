"""``sample_dual``: closed configurations of the dual complex phi^4 field, with their density and |phi|^2."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..systems import check_system
from . import worm  # noqa: F401  (registers algorithm='worm')
from .sample import sample


@dataclasses.dataclass(frozen=True, eq=False)
class DualSamples:
    """Samples of ``ll.ComplexPhi4``.

    k, l:    int32 (n_samples, 2, Lt, Lx); channel 0 the link from x to x + t-hat, channel 1 to x + x-hat
    density: float64 (n_samples,), n = sum_x k_{x,0} / V
    phi2:    float64 (n_samples,), (1/V) sum_x W(f_x + 2) / W(f_x) (its mean is <|phi|^2>)
    Order is chain-major, as in ``Samples`` (index c * n_rounds + r); ``tau`` is the pilot run's
    autocorrelation time in sweeps (NaN when burn_in and thin were both given).
    """

    system: object
    k: np.ndarray
    l: np.ndarray
    density: np.ndarray
    phi2: np.ndarray
    seed: int
    burn_in: int
    thin: int
    n_chains: int
    tau: float

    @property
    def configs(self) -> np.ndarray:
        """int32 (n_samples, 4, Lt, Lx): channels (k_t, k_x, l_t, l_x), the networks' input."""
        return np.concatenate([self.k, self.l], axis=1)

    @property
    def n_samples(self) -> int:
        return self.k.shape[0]


def from_configs(system, configs, **info) -> DualSamples:
    """``DualSamples`` of configurations int (n, 4, Lt, Lx) (e.g. a cached data set's)."""
    configs = np.ascontiguousarray(configs)
    return DualSamples(system=system, k=configs[:, :2], l=configs[:, 2:], density=system.density(configs),
                       phi2=system.phi2(configs), **info)


def sample_dual(system, n_samples: int, *, burn_in=None, thin=None, seed=None, n_chains=None, worms=None,
                progress=False) -> DualSamples:
    """``n_samples`` closed configurations of ``system`` (an ``ll.ComplexPhi4``) from the worm sampler.

    burn_in, thin: sweeps (a sweep: one l pass + the learned number of worms); None: from a pilot run's tau.
    n_chains: independent chains (a divisor of n_samples; default the largest <= 16); worms: worms per sweep.
    """
    check_system(system)
    options = {} if worms is None else {"worms": worms}
    s = sample(system, 1.0, n_samples, burn_in=burn_in, thin=thin, algorithm="worm", seed=seed, n_chains=n_chains,
               symmetrize=False, progress=progress, **options)
    tau = float(s.tau[0])
    return from_configs(system, s.configs[0], seed=s.seed, burn_in=s.burn_in, thin=s.thin, n_chains=s.n_chains, tau=tau)
