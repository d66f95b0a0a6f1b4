"""The equivariance app end to end in the smoke preset: the worm agrees with the direct simulation, EQ beats
FL and ST at 8 x 8 and keeps its accuracy at 16 x 16, FL refuses 16 x 16; a second run loads from the caches."""
import numpy as np
import pytest

from latticelab.papers import equivariance as E
from latticelab.papers import registry
from latticelab.samplers.dual import sample_dual
from latticelab.systems.phi4 import ComplexPhi4


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("eq")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATTICELAB_CACHE", str(root / "data"))
    mp.setenv("LATTICELAB_MODELS", str(root / "models"))
    try:
        first = E.reproduce(E.Config.smoke(), progress=False)
        second = E.reproduce(E.Config.smoke(), progress=False)
        yield first, second
    finally:
        mp.undo()


def test_it_is_a_registered_app():
    assert "equivariance" in registry.names()
    assert set(E.Config.reasons()) >= {"n_train", "test_sizes", "count_train"}


def test_worm_agrees_with_the_direct_simulation_at_zero_mu(run):
    r = run[0].row("worm <|phi|^2> at mu=0 (4x4, eta=4.25)")
    assert abs(r.ours - r.reference) < 5 * r.ours_err + 0.01
    n = run[0].row("worm n at mu=0 (4x4, eta=4.25)")
    assert abs(n.ours) < 5 * n.ours_err + 1e-9


def test_eq_wins_at_8x8_and_generalises_to_16x16_where_fl_cannot_go(run):
    res = run[0]
    eq, st, fl = (res.row(f"{f} test MSE 8x8 (eta, mu grid)").ours for f in ("EQ", "ST", "FL"))
    assert eq < st and eq < fl, (eq, st, fl)
    eq16, st16 = res.row("EQ test MSE 16x16").ours, res.row("ST test MSE 16x16").ours
    assert res.row("FL test MSE 16x16").ours is None
    assert eq16 < st16 and eq16 < 3 * eq, (eq16, st16, eq)
    # the targets vary far more than EQ's error: it learned something
    d = sample_dual(ComplexPhi4(8, 8, eta=4.01, mu=1.5), 32, burn_in=60, thin=2, seed=0)
    assert eq < 0.25 * float(np.var(d.density))


def test_counting_rows_are_accuracies_and_a_second_run_reuses_everything(run):
    first, second = run
    for fam in ("EQ", "ST", "FL"):
        assert 0.0 <= first.row(f"{fam} counting accuracy (0..5 worms)").ours <= 1.0
    assert [r.ours for r in first.rows[2:]] == [r.ours for r in second.rows[2:]]
    assert second.seconds < first.seconds


def test_open_worms_make_exactly_two_violations_each():
    s = ComplexPhi4(8, 8)
    x = s.cold(5)
    y = E.insert_open_worms(s, x, [0, 1, 2, 3, 5], np.random.default_rng(0))
    assert [int(np.count_nonzero(s.divergence(c))) for c in y] == [0, 2, 4, 6, 10]
