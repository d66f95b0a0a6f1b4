"""The learned-energy Metropolis update, verified by feeding it exact energies and matching enumeration."""
import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab import stats


class WholeLatticeEnergy:
    """A stand-in for a non-local learned model: dE from two full energy evaluations, as an
    autoregressive network gives it (E = -T ln P needs every conditional again)."""

    def __init__(self, system):
        self.system = system

    def delta_energy(self, configs, sites, new):
        after = configs.clone() if isinstance(configs, torch.Tensor) else configs.copy()
        b = np.arange(len(new)) if not isinstance(configs, torch.Tensor) else torch.arange(len(new))
        after[b, sites[:, 0], sites[:, 1]] = new
        return self.system.N * (self.system.energy(after) - self.system.energy(configs))


def run(system, T, energy, *, backend="numba", n_chains=512, burn_in=40, sweeps=160, seed=0):
    """e, |m|, m^2 per spin: float64 (n_chains, sweeps) each, measured with ``system`` after every sweep."""
    chain = ll.Chain(system, [T], n_chains, algorithm="learned_metropolis", energy=energy, backend=backend,
                     seed=seed, start="hot")
    chain.step(burn_in)
    e, m = np.empty((sweeps, n_chains)), np.empty((sweeps, n_chains))
    for k in range(sweeps):
        chain.step(1)
        e[k], m[k] = chain.energy()[0], chain.magnetization()[0]
    return {"energy": e.T, "abs_magnetization": np.abs(m).T, "m2": (m * m).T}


def z_scores(series, exact):
    out = {}
    for name, x in series.items():
        err = stats.binning_error(x, axis=-1, chain_axis=0)
        out[name] = (float(err.mean) - exact[name]) / float(err.error)
    return out


CASES = [
    (ll.Ising(4, J=0.6), 1.6, "numba"),
    (ll.Ising(4, J=0.6, h=0.3), 1.6, "torch"),
    (ll.Potts(3, q=3, J=1.7), 1.9, "numba"),
    (ll.EdwardsAnderson(4, seed=3), 1.2, "torch"),
]


@pytest.mark.parametrize("system,T,backend", CASES, ids=lambda c: repr(c) if not isinstance(c, float) else f"T={c}")
def test_exact_energy_drives_metropolis_to_the_exact_distribution(system, T, backend):
    exact = ll.exact.enumerate(system, T)
    z = z_scores(run(system, T, system, backend=backend), exact)
    assert all(abs(v) < 5 for v in z.values()), z


def test_a_non_local_energy_model_on_torch_gives_the_same_physics():
    system, T = ll.Ising(4), 2.4
    z = z_scores(run(system, T, WholeLatticeEnergy(system), backend="torch", n_chains=256), ll.exact.enumerate(system, T))
    assert all(abs(v) < 5 for v in z.values()), z


def test_a_wrong_energy_is_caught_by_the_same_comparison():
    """The comparison can fail: an energy scaled by 1.05 (what a 5% temperature error looks like) is rejected."""
    system, T = ll.Ising(4, J=0.6), 1.6
    wrong = ll.Ising(4, J=0.63)
    z = z_scores(run(system, T, wrong), ll.exact.enumerate(system, T))
    assert max(abs(v) for v in z.values()) > 5, z


def test_same_seed_same_chain():
    a = ll.Chain(ll.Potts(4, 3), [1.0], 8, algorithm="learned_metropolis", energy=ll.Potts(4, 3), seed=4).step(3)
    b = ll.Chain(ll.Potts(4, 3), [1.0], 8, algorithm="learned_metropolis", energy=ll.Potts(4, 3), seed=4).step(3)
    np.testing.assert_array_equal(a.configs, b.configs)


def test_needs_an_energy_with_delta_energy():
    with pytest.raises(TypeError, match="delta_energy"):
        ll.Chain(ll.Ising(4), [2.0], algorithm="learned_metropolis")
    with pytest.raises(TypeError, match="delta_energy"):
        ll.Chain(ll.Ising(4), [2.0], algorithm="learned_metropolis", energy=lambda x: x)


def test_the_learned_energy_carries_its_own_field():
    with pytest.raises(ValueError, match="h=None"):
        ll.Chain(ll.Ising(4), [2.0], h=0.5, algorithm="learned_metropolis", energy=ll.Ising(4, h=0.5))
    chain = ll.Chain(ll.Ising(4, h=0.5), [2.0], algorithm="learned_metropolis", energy=ll.Ising(4, h=0.5))
    with pytest.raises(ValueError, match="h=None"):
        chain.h = 0.0


def test_options_are_refused_by_updates_that_take_none():
    with pytest.raises(TypeError, match="takes no options"):
        ll.Chain(ll.Ising(4), [2.0], algorithm="metropolis", energy=ll.Ising(4))
