"""Multi-threaded numba kernels: above the serial cut-off, results must not depend on the thread count,
and the threaded Metropolis must sample the right distribution.

Below ``SERIAL_BELOW`` sites per batch a Metropolis pass runs on one thread whatever numba's
setting, so every batch here is at or above it.
"""
import numba
import numpy as np
import pytest

import latticelab as ll
from latticelab.samplers._numba import SERIAL_BELOW
from _exact_compare import SIGN_FREE, assert_matches_exact, measure

pytestmark = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba has a single thread here")


def _with_threads(n, fn):
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        return fn()
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize(
    "system, algorithm",
    [(ll.Ising(16, J=0.6, h=0.2), "metropolis"), (ll.Potts(16, 3, J=1.7), "metropolis"),
     (ll.EdwardsAnderson(16, seed=3), "metropolis"), (ll.Potts(16, 3, J=1.7), "wolff")],
    ids=["ising", "potts", "ea", "potts-wolff"],
)
def test_configurations_do_not_depend_on_thread_count_above_the_serial_cutoff(system, algorithm):
    T, n_chains = [0.9, 1.6], 128
    assert len(T) * n_chains * system.N >= SERIAL_BELOW

    def run():
        chain = ll.Chain(system, T, n_chains, algorithm=algorithm, seed=9, start="hot")
        return chain.step(8).configs

    one, two = _with_threads(1, run), _with_threads(2, run)
    assert np.array_equal(one, two), f"{np.mean(one != two):.3f} of the sites differ between 1 and 2 threads"


@pytest.mark.parametrize("system, T", [(ll.Ising(4, J=0.6, h=0.3), [1.0, 2.2]), (ll.Potts(4, 3, J=1.7), [1.0, 2.6])],
                         ids=["ising", "potts"])
def test_threaded_metropolis_matches_enumeration(system, T):
    n_chains = SERIAL_BELOW // (len(T) * system.N)  # 2048 4x4 lattices per temperature: one threaded batch
    assert len(T) * n_chains * system.N >= SERIAL_BELOW
    series = _with_threads(2, lambda: measure(system, T, algorithm="metropolis", n_chains=n_chains, sweeps=64,
                                              burn_in=32, every=2, seed=21))
    assert_matches_exact(series, SIGN_FREE + ("magnetization",))
