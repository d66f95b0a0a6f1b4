"""The samplers' own output at h = 0, before any symmetrisation.

``sample()`` applies a random global symmetry to every sample at h = 0, which makes the signed m
of its output symmetric whatever the sampler did. Here the chains are read directly: the signed
m of chains started all-up must average to zero, |m| and m^2 must match enumeration, and the
distribution of the energy must match the exact density of states level by level.
"""
import numpy as np
import pytest

import latticelab as ll
from _exact_compare import SIGN_FREE, assert_matches_exact, histogram_mismatches, measure
from _exact_compare import one_kernel_thread  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_kernel_thread")

RUNS = {"metropolis-numba": dict(algorithm="metropolis"),
        "metropolis-torch": dict(algorithm="metropolis", backend="torch", n_chains=128, sweeps=128, burn_in=64),
        "wolff": dict(algorithm="wolff", n_chains=256)}


@pytest.mark.parametrize("run", RUNS)
def test_signed_magnetization_from_an_all_up_start_without_symmetrisation(run):
    """Cold (all +1) starts: the chains must find the m < 0 half on their own. Metropolis on 4x4
    tunnels within a few sweeps at T >= 2.5; Wolff at any T."""
    T = [1.8, 2.5, 3.5] if run == "wolff" else [2.5, 3.5]
    series = measure(ll.Ising(4), T, start="cold", seed=3, **RUNS[run])
    assert_matches_exact(series, SIGN_FREE + ("magnetization",))


HISTOGRAMS = {
    "ising-metropolis": (ll.Ising(4), [1.6, 2.27, 3.0], RUNS["metropolis-numba"]),
    "ising-metropolis-torch": (ll.Ising(4), [1.6, 2.27], RUNS["metropolis-torch"]),
    "ising-wolff": (ll.Ising(4), [1.6, 2.27, 3.0], RUNS["wolff"]),
    "potts2-metropolis": (ll.Potts(4, 2), [0.8, 1.13, 1.6], RUNS["metropolis-numba"]),
    "potts3-L3-wolff": (ll.Potts(3, 3), [0.7, 1.0, 1.5], RUNS["wolff"]),
}


@pytest.mark.parametrize("name", HISTOGRAMS)
def test_energy_histogram_matches_the_exact_density_of_states(name):
    system, T, run = HISTOGRAMS[name]
    series = measure(system, T, seed=4, **run)
    bad = histogram_mismatches(series)
    assert not bad, "; ".join(bad)


def test_sample_without_symmetrisation_returns_the_chains_own_configurations():
    """Cold starts far below Tc, where Metropolis on 8x8 does not tunnel in these few sweeps: the
    unsymmetrised samples keep m > 0, the symmetrised ones show both signs (both are exact)."""
    kw = dict(n_samples=64, burn_in=20, thin=2, algorithm="metropolis", seed=1, start="cold", n_chains=8)
    own = ll.sample(ll.Ising(8), [1.2], symmetrize=False, **kw)
    assert np.all(own.magnetization > 0)
    assert np.array_equal(own.configs, ll.sample(ll.Ising(8), [1.2], symmetrize=False, **kw).configs)
    sym = ll.sample(ll.Ising(8), [1.2], **kw)
    assert np.array_equal(np.abs(sym.magnetization), own.magnetization)
    assert (sym.magnetization < 0).any()
