"""Every sampler and backend against exact results, with tolerances from the data's own errors.

Enumeration on 4x4 (Ising with and without a field, Potts q = 3, a fixed spin-glass
instance), transfer matrices (Potts q = 4), Kaufman's finite-lattice formula (Ising
16x16). A check passes when |estimate - exact| < Z_MAX standard errors, the errors from
binning (means) or the jackknife (specific heat).
"""
import numpy as np
import pytest

import latticelab as ll
from latticelab import observables as ob

Z_MAX = 4.5
RUNS = [("metropolis", "numba"), ("metropolis", "torch"), ("wolff", "numba")]


def _check(name, stat, exact, floor=0.0):
    z = np.abs(stat.mean - exact) / np.maximum(stat.error, floor)
    assert np.all(stat.error > 0), f"{name}: zero error bar {stat.error}"
    assert np.all(z < Z_MAX), f"{name}: estimate {stat.mean} ± {stat.error} vs exact {exact} (z = {z})"


def _run(system, T, algorithm, backend, n_samples=4000, **kw):
    # torch on a CPU is launch-bound: a sweep of 80 tiny chains costs about what one of 16 does, so the same
    # samples come from more, shorter chains (the spin glass at T = 0.6 took 63 s with 16, 6 s with 80)
    n_chains = 80 if backend == "torch" else 16
    return ll.sample(system, T, n_samples, algorithm=algorithm, backend=backend, seed=2024, n_chains=n_chains, **kw)


TINY = {"ising": ll.Ising(4), "ising-h": ll.Ising(4, h=0.3), "potts3": ll.Potts(4, 3), "ea": ll.EdwardsAnderson(4, seed=7)}
# Wolff is for ferromagnets only: the spin glass runs Metropolis (the refusal is in test_validation).
CASES = [(name, a, b) for name in TINY for a, b in RUNS if not (name == "ea" and a == "wolff")]


@pytest.mark.parametrize("name, algorithm, backend", CASES)
def test_against_enumeration(name, algorithm, backend):
    system = TINY[name]
    T = {ll.Potts: [0.7, 1.0, 1.6], ll.EdwardsAnderson: [0.6, 1.2, 2.5]}.get(type(system), [1.6, 2.27, 3.5])
    s = _run(system, T, algorithm, backend)
    ex = ll.exact.enumerate(system, s.T)
    _check("energy", ob.energy(s), ex["energy"])
    _check("specific heat", ob.specific_heat(s), ex["specific_heat"])
    _check("|m|", ob.abs_magnetization(s), ex["abs_magnetization"])
    _check("m", ob.magnetization(s), ex["magnetization"], floor=1e-3)
    _check("m^2", ll.stats.binning_error(s.magnetization**2, chain_axis=None), ex["m2"])


@pytest.mark.parametrize("algorithm, backend", RUNS)
def test_potts_q4_against_transfer_matrix(algorithm, backend):
    system = ll.Potts(4, 4)
    s = _run(system, [0.6, 0.91, 1.4], algorithm, backend)
    ex = ll.exact.transfer_matrix(system, s.T)
    _check("energy", ob.energy(s), ex["energy"])
    _check("specific heat", ob.specific_heat(s), ex["specific_heat"])


@pytest.mark.parametrize("algorithm", ["wolff", "metropolis"])
def test_ising_16_against_kaufman(algorithm):
    T = [2.0, ll.exact.ising_tc(), 2.6]
    s = ll.sample(ll.Ising(16), T, 3200, algorithm=algorithm, backend="numba", seed=7, n_chains=16)
    _check("energy", ob.energy(s), ll.exact.ising_energy_per_spin(s.T, L=16))
    _check("specific heat", ob.specific_heat(s), ll.exact.ising_specific_heat(s.T, L=16))


def test_pilot_measures_slowing_down_and_sets_burn_in_and_thin():
    tc = ll.exact.ising_tc()
    kw = dict(seed=1, n_chains=8, backend="numba")
    met = ll.sample(ll.Ising(16), [tc], 64, algorithm="metropolis", **kw)
    wolff = ll.sample(ll.Ising(16), [tc], 64, algorithm="wolff", **kw)
    assert met.tau[0] > 3 * wolff.tau[0]  # critical slowing down of local updates
    assert met.thin >= 2 * met.tau[0] and met.burn_in >= 10 * met.tau[0]
    fixed = ll.sample(ll.Ising(8), 2.0, 16, burn_in=10, thin=3, seed=0, algorithm="metropolis")  # Wolff: see test_chain
    assert (fixed.burn_in, fixed.thin) == (10, 3) and np.isnan(fixed.tau).all()


def test_samples_layout_and_symmetrization():
    s = ll.sample(ll.Ising(8), [1.5, 3.0], 64, seed=3, burn_in=50, thin=2)
    assert s.configs.shape == (2, 64, 8, 8) and s.configs.dtype == np.int8
    assert s.energy.shape == s.magnetization.shape == (2, 64) and s.T.shape == s.h.shape == (2,)
    np.testing.assert_allclose(s.energy, s.system.energy(s.configs))
    # a cold start below Tc, symmetrized: both signs of m appear
    assert (s.magnetization[0] > 0).any() and (s.magnetization[0] < 0).any()
    p = ll.sample(ll.Potts(8, 3), [0.7], 60, seed=3, burn_in=50, thin=2)
    majority = np.array([np.bincount(c.ravel(), minlength=3).argmax() for c in p.configs[0]])
    assert len(set(majority)) == 3
