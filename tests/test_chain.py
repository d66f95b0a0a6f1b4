"""Streaming chains: parameters change between steps; state and observables are exposed."""
import numpy as np
import pytest

import latticelab as ll


def test_chain_shapes_and_observables_agree_with_system():
    sys = ll.Ising(8, h=0.2)
    c = ll.Chain(sys, [1.5, 3.0], n_chains=4, seed=0)
    c.step(3)
    x = c.configs
    assert x.shape == (2, 4, 8, 8) and x.dtype == np.int8
    np.testing.assert_allclose(c.energy(), sys.energy(x))
    np.testing.assert_allclose(c.magnetization(), sys.magnetization(x))


def test_temperature_and_field_change_between_steps():
    c = ll.Chain(ll.Ising(16), [10.0], n_chains=2, algorithm="metropolis", seed=1, start="hot")
    c.step(20)
    assert np.abs(c.magnetization()).mean() < 0.3
    c.h = 20.0
    c.step(20)
    assert c.magnetization().mean() > 0.9  # tanh(h / T) = 0.96: a strong field aligns spins even at high T
    c.h = 0.0
    c.T = [1.0]
    c.step(50)
    assert np.abs(c.magnetization()).mean() > 0.9
    assert c.sweeps == 90


def test_reset_hot_and_cold():
    c = ll.Chain(ll.Potts(8, 3), [2.0], n_chains=2, algorithm="metropolis", seed=0)
    c.reset("cold")
    assert np.all(c.configs == 0)
    c.reset("hot")
    assert set(np.unique(c.configs)) == {0, 1, 2}


def test_auto_start_is_cold_below_tc():
    c = ll.Chain(ll.Ising(8), [1.0, 4.0], n_chains=1, seed=0)
    x = c.configs
    assert np.all(x[0] == 1) and not np.all(x[1] == 1)


def test_auto_algorithm_choice():
    assert ll.Chain(ll.Ising(8), 2.0, backend="numba").algorithm == "wolff"
    assert ll.Chain(ll.Ising(8, h=0.1), 2.0, backend="numba").algorithm == "metropolis"
    assert ll.Chain(ll.EdwardsAnderson(8, seed=0), 2.0, backend="numba").algorithm == "metropolis"
    assert ll.Chain(ll.Ising(8), 2.0, backend="torch").algorithm == "metropolis"


def test_wolff_handles_odd_sizes():
    c = ll.Chain(ll.Ising(7), [1.0], n_chains=2, algorithm="wolff", seed=0, start="hot")
    c.step(20)
    assert np.abs(c.magnetization()).min() > 0.9


def test_wolff_with_field_prefers_aligned_clusters():
    c = ll.Chain(ll.Ising(8, h=1.0), [3.0], n_chains=4, algorithm="wolff", seed=0, start="cold")
    c.reset("hot")
    c.step(30)
    assert c.magnetization().mean() > 0.5


def test_wolff_learns_its_cluster_count_from_a_hot_start_as_in_equilibrium():
    """From a hot start at Tc clusters are small at first; the learnt count must not keep that (it
    was 8-100x the equilibrium count, making a 'sweep' flip the lattice many times over)."""
    from latticelab.samplers.wolff import ADAPT, ROUNDS

    c = ll.Chain(ll.Ising(64), [ll.exact.ising_tc(), 3.5], n_chains=4, algorithm="wolff", seed=1, start="hot")
    while c.learning:
        c.step(1)
    assert 2 * ADAPT <= c.sweeps <= ADAPT * ROUNDS
    from_hot = c.update._learned.copy()
    c.step(200)
    c.update.reset()
    while c.learning:
        c.step(1)
    ratio = from_hot / c.update._learned
    assert np.all((ratio > 0.6) & (ratio < 1.6)), (from_hot, c.update._learned)


def test_sample_never_records_a_learning_sweep():
    s = ll.sample(ll.Ising(16), [2.0], 16, burn_in=0, thin=1, algorithm="wolff", seed=0)
    from latticelab.samplers.wolff import ADAPT

    assert s.burn_in >= 2 * ADAPT


@pytest.mark.parametrize("system", [ll.Potts(8, 2), ll.Potts(8, 3), ll.Ising(8), ll.EdwardsAnderson(8, seed=0)])
def test_hot_start_uses_the_systems_own_states(system):
    """A hot q = 2 Potts lattice once started in {-1, +1} (Ising spins), not in its states {0, 1}."""
    x = ll.Chain(system, [2.0], n_chains=4, algorithm="metropolis", seed=0, start="hot").configs
    states = set(range(system.q)) if isinstance(system, ll.Potts) else {-1, 1}
    assert set(np.unique(x)) == states
