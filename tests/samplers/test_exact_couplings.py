"""Samplers at couplings J != 1 (and in a field) against enumeration and transfer matrices.

A sampler that drops J from its Metropolis acceptance table or from Wolff's bond probability
samples another temperature (or, for J < 0, a ferromagnet) and fails here. Energies and the
h = 0 moments come from the chains' own output (no symmetrisation); see _exact_compare.
"""
import pytest

import latticelab as ll
from _exact_compare import SIGN_FREE, assert_matches_exact, exact, measure
from _exact_compare import one_kernel_thread  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_kernel_thread")

SYSTEMS = {
    "ising-J0.6": (ll.Ising(4, J=0.6), [1.0, 1.4, 2.0]),
    "ising-J0.6-h0.3": (ll.Ising(4, J=0.6, h=0.3), [1.0, 1.5, 2.2]),
    "antiferromagnet": (ll.Ising(4, J=-1.0), [1.0, 2.0, 3.0]),
    "antiferromagnet-h1": (ll.Ising(4, J=-1.0, h=1.0), [0.8, 1.5, 3.0]),
    "potts3-J1.7": (ll.Potts(4, 3, J=1.7), [1.0, 1.7, 2.6]),
    "potts2-J1.7": (ll.Potts(4, 2, J=1.7), [1.2, 1.9, 3.0]),
    "potts5-J1.7": (ll.Potts(4, 5, J=1.7), [1.0, 1.45, 2.2]),  # transfer matrix: energy moments only
    "potts5-J1.7-L3": (ll.Potts(3, 5, J=1.7), [1.0, 1.45, 2.2]),  # odd L: Wolff only
}
# torch draws the same words as numba (test_kernels); fewer chains keep its CPU run short and still
# catch a dropped J (a 40-70% temperature error here).
RUNS = {"metropolis-numba": dict(algorithm="metropolis"),
        "metropolis-torch": dict(algorithm="metropolis", backend="torch", n_chains=128, sweeps=128, burn_in=64),
        "wolff": dict(algorithm="wolff", n_chains=256)}


def _allowed(system, run):
    if run == "wolff":
        return system.J > 0
    return system.L % 2 == 0


CASES = [(name, run) for name, (system, _) in SYSTEMS.items() for run in RUNS if _allowed(system, run)]


def _names(system, exact_values):
    signed = ("magnetization",) if system.h != 0 or isinstance(system, ll.Potts) else ()
    return tuple(n for n in SIGN_FREE + signed if n in exact_values)


@pytest.mark.parametrize("name, run", CASES)
def test_couplings_against_exact(name, run):
    system, T = SYSTEMS[name]
    series = measure(system, T, seed=17, **RUNS[run])
    ex = exact(system, T)
    assert_matches_exact(series, _names(system, ex), ex)


def test_the_cases_cover_the_issue():
    """J = 0.6 with and without a field, J = -1 with Metropolis, Potts J = 1.7 with q = 2 and 5,
    on both Metropolis backends and Wolff where it applies."""
    assert ("antiferromagnet", "wolff") not in CASES
    for q in (2, 5):
        assert any(SYSTEMS[n][0].q == q for n, r in CASES if r == "wolff" and isinstance(SYSTEMS[n][0], ll.Potts))
    assert {r for _, r in CASES} == set(RUNS)
