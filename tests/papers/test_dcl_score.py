"""dcl.energy_rmse: the paper's score, E per configuration at every energy level of the Ising lattice, the model's
constant fixed on uniformly random configurations; checked against exact energies and hand-computed values."""
import itertools

import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab.papers import dcl
from latticelab.papers.dcl import score


@pytest.fixture(scope="module", autouse=True)
def own_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("LATTICELAB_CACHE", str(tmp_path_factory.mktemp("score_cache")))
    yield
    mp.undo()


def exact(L):
    system = ll.Ising(L)
    return lambda c: system.N * np.asarray(system.energy(c), dtype=np.float64)


def test_the_8x8_lattice_has_the_papers_63_levels():
    levels = score.ising_levels(8)
    assert len(levels) == 63 and levels[0] == -128 and levels[-1] == 128
    assert -124 not in levels and 124 not in levels and set(np.diff(levels)) == {4.0, 8.0}


def test_every_level_of_4x4_is_drawn_uniformly_and_matches_enumeration():
    L, N = 4, 16
    codes = np.arange(2 ** N)
    spins = (2 * ((codes[:, None] >> np.arange(N)) & 1) - 1).astype(np.int8).reshape(-1, L, L)
    E = exact(L)(spins)
    levels, counts = np.unique(E, return_counts=True)
    test = score.level_test_set(L, per_level=400, seed=3)
    assert np.array_equal(test.levels, levels), "the reachable levels are exactly the enumerated ones"
    assert np.array_equal(test.energy, exact(L)(test.configs)) and np.array_equal(test.energy, test.levels[test.level])
    assert np.bincount(test.level).tolist() == [400] * len(levels), "every level weighs the same"
    small = counts <= 400
    assert np.all(test.distinct <= counts) and np.all(test.distinct[small] >= 0.9 * counts[small]), \
        "levels with few states are drawn (nearly) whole"
    # E = -24 holds the 32 single flips of the ground states: each is drawn 400 / 32 = 12.5 times on average
    k = int(np.flatnonzero(levels == -24)[0])
    seen = np.unique(test.configs[test.level == k].reshape(400, -1), axis=0, return_counts=True)[1]
    assert len(seen) == 32 and seen.sum() == 400
    chi2 = float(((seen - 12.5) ** 2 / 12.5).sum())
    assert chi2 < 70, f"uniform within the level (31 degrees of freedom), chi2 = {chi2:.1f}"


def test_exact_energy_plus_any_constant_scores_zero():
    for c in (0.0, 3.5, -1000.0):
        assert dcl.energy_rmse(lambda x, c=c: exact(8)(x) + c, L=8, per_level=40) == pytest.approx(0.0, abs=1e-9)
    as_tensor = lambda x: torch.as_tensor(exact(8)(x) + 7.0, dtype=torch.float32)  # noqa: E731
    assert dcl.energy_rmse(as_tensor, L=8, per_level=40) == pytest.approx(0.0, abs=1e-4)


def test_a_model_half_as_steep_scores_what_the_levels_say_by_hand():
    test = score.level_test_set(8, per_level=40)
    half = lambda x: 0.5 * exact(8)(x)  # noqa: E731
    # by hand: the constant makes the mean over random configurations right, c = 0.5 <E_random>; each level's
    # error is then -0.5 E_k + c, and every level weighs the same
    c = 0.5 * test.random_energy.mean()
    by_hand = np.sqrt(np.mean((-0.5 * test.levels + c) ** 2))
    got = score.score_levels(half, test)
    assert got.rmse == pytest.approx(by_hand, rel=1e-12) and got.offset == pytest.approx(c)
    assert dcl.energy_rmse(half, L=8, per_level=40) == pytest.approx(by_hand, rel=1e-12)
    assert np.allclose(got.mean, -0.5 * test.levels + c) and np.allclose(got.spread, 0.0, atol=1e-9)


def test_knowing_nothing_scores_the_rms_of_the_levels():
    test = score.level_test_set(8, per_level=40)
    c = test.random_energy.mean()
    got = dcl.energy_rmse(lambda x: np.zeros(len(x)), L=8, per_level=40)
    assert got == pytest.approx(np.sqrt(np.mean((test.levels - c) ** 2)))


@pytest.mark.parametrize("bad, match", [
    (lambda x: np.zeros((len(x), 1)), r"one total energy per configuration, shape \(\d+,\)"),
    (lambda x: np.zeros(3), r"shape \(3,\)"),
    (lambda x: np.full(len(x), np.nan), "non-finite"),
])
def test_a_model_that_returns_the_wrong_thing_is_named(bad, match):
    with pytest.raises(ValueError, match=match):
        dcl.energy_rmse(bad, L=4, per_level=8)


@pytest.mark.parametrize("L", [3, 5, 2, 0, 8.0, "8", True])
def test_lattice_sizes_the_score_cannot_take_are_refused(L):
    with pytest.raises(ValueError, match="L must be an even integer >= 4"):
        dcl.energy_rmse(exact(8), L=L)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="per_level must be a positive integer"):
        dcl.energy_rmse(exact(4), L=4, per_level=0)
    with pytest.raises(TypeError, match="energy must be callable"):
        score.score_levels(3.0, score.level_test_set(4, per_level=8))


def test_the_test_set_is_cached_and_fixed_by_its_seed():
    a, b = score.level_test_set(4, per_level=16, seed=5), score.level_test_set(4, per_level=16, seed=5)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("configs", "random", "level"))
    c = score.level_test_set(4, per_level=16, seed=6)
    assert not np.array_equal(a.configs, c.configs)
    assert not a.configs.flags.writeable, "cached arrays are read-only"
    assert list(itertools.islice(map(int, a.distinct), 1)) == [2], "two ground states"


def test_an_untrained_gru_fails_the_notebooks_bar_and_the_exact_model_passes_it():
    """The notebook asserts RMSE < 0.6 x the know-nothing model's: an untrained GRU (random weights, a nearly
    flat energy) must fail that bar, exact energies pass it, so the assert can tell."""
    from latticelab.nn.energy import LearnedEnergy
    from latticelab.nn.gru import AutoregressiveGRU

    test = score.level_test_set(8, per_level=40)
    blind = score.score_levels(lambda c: np.zeros(len(c)), test).rmse
    untrained = LearnedEnergy(AutoregressiveGRU(2, 16, seed=1), 4.0, ll.Ising(8))
    assert score.score_levels(untrained.energy, test).rmse > 0.6 * blind
    assert score.score_levels(exact(8), test).rmse < 0.6 * blind
