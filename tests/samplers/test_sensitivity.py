"""The exact comparisons can fail: a 2% temperature error and a 10% field error are rejected.

Each test samples at the right parameters and at deliberately wrong ones with the same statistics
as the other comparisons (the defaults of ``_exact_compare.measure``) and asks the same function,
``mismatches``, about both: the right run must pass and the wrong one must not.
"""
import numpy as np
import pytest

import latticelab as ll
from _exact_compare import SIGN_FREE, Z_MAX, exact, max_z, measure, mismatches
from _exact_compare import one_kernel_thread  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_kernel_thread")

CASES = {
    "ising-metropolis": (ll.Ising(4), [1.6, 2.27, 3.0], dict(algorithm="metropolis")),
    "ising-wolff": (ll.Ising(4), [1.6, 2.27, 3.0], dict(algorithm="wolff", n_chains=256)),
    "ising-h-metropolis": (ll.Ising(4, h=0.3), [1.6, 2.6, 3.5], dict(algorithm="metropolis")),
    "potts3-metropolis": (ll.Potts(4, 3), [0.6, 1.0, 1.6], dict(algorithm="metropolis")),
}
WRONG = {
    "T+2%": lambda system, T: dict(sample_T=1.02 * np.asarray(T)),
    "T-2%": lambda system, T: dict(sample_T=0.98 * np.asarray(T)),
    "h-10%": lambda system, T: dict(sample_h=0.9 * system.h),
    "h+10%": lambda system, T: dict(sample_h=1.1 * system.h),
}
PAIRS = [("ising-metropolis", "T+2%"), ("ising-metropolis", "T-2%"), ("ising-wolff", "T+2%"),
         ("ising-h-metropolis", "h-10%"), ("ising-h-metropolis", "h+10%"), ("potts3-metropolis", "T-2%")]


def _names(system):
    return SIGN_FREE + (("magnetization",) if system.h != 0 else ())


@pytest.mark.parametrize("case, error", PAIRS)
def test_comparison_rejects_a_wrong_parameter_and_accepts_the_right_one(case, error):
    system, T, run = CASES[case]
    ex = exact(system, T)
    right = measure(system, T, seed=5, **run)
    assert not mismatches(right, ex, _names(system)), mismatches(right, ex, _names(system))
    wrong = measure(system, T, seed=5, **run, **WRONG[error](system, T))
    bad = mismatches(wrong, ex, _names(system))
    assert bad, f"{error} was not detected (largest |z| = {max_z(wrong, ex, _names(system)):.1f} < {Z_MAX})"
