"""Susceptibility, Binder cumulant and <m^4> of ``sample()`` output against enumeration.

The samples come from many chains (512 per temperature, thin = 1), stored chain-major, so the
jackknife blocks of ``ll.observables`` are groups of whole chains (independent) and the binning
errors of <m^4> pool the chains. Tolerances: Z_MAX errors computed from the samples.
"""
import numpy as np
import pytest

import latticelab as ll
from latticelab import observables as ob
from _exact_compare import Z_MAX, one_kernel_thread  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_kernel_thread")

CASES = {
    "ising-metropolis": (ll.Ising(4), [1.6, 2.27, 3.0], "metropolis"),
    "ising-J0.6-wolff": (ll.Ising(4, J=0.6), [1.0, 1.4, 2.0], "wolff"),
    "potts3-J1.7-metropolis": (ll.Potts(4, 3, J=1.7), [1.0, 1.7, 2.6], "metropolis"),
    "potts5-J1.7-L3-wolff": (ll.Potts(3, 5, J=1.7), [1.0, 1.45, 2.2], "wolff"),
}
N_CHAINS, ROUNDS = 512, 128


def _check(name, stat, exact):
    assert np.all(stat.error > 0), f"{name}: zero error bar {stat.error}"
    z = stat.zscore(exact)
    assert np.all(np.abs(z) < Z_MAX), f"{name}: {stat} vs exact {exact} (z = {np.round(z, 1)})"


@pytest.mark.parametrize("name", CASES)
def test_susceptibility_binder_and_m4_against_enumeration(name):
    system, T, algorithm = CASES[name]
    s = ll.sample(system, T, N_CHAINS * ROUNDS, n_chains=N_CHAINS, burn_in=100, thin=1, algorithm=algorithm,
                  seed=8, symmetrize=False)
    ex = ll.exact.enumerate(system, s.T)
    _check("susceptibility", ob.susceptibility(s), ex["susceptibility"])
    _check("binder", ob.binder(s), ex["binder"])
    m = s.magnetization.reshape(s.n_T, N_CHAINS, ROUNDS)  # chain-major samples
    _check("m^4", ll.stats.binning_error(m**4, axis=-1, chain_axis=-2), ex["m4"])
    _check("m^2", ll.stats.binning_error(m**2, axis=-1, chain_axis=-2), ex["m2"])
