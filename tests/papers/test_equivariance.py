"""The equivariance app end to end in the smoke preset, and its parts: the worm agrees with the direct simulation;
the learning curve, the generalisation grid, detection and counting come out with one loss per retraining, EQ
applies to every size and FL to its own only; a second run loads from the caches; open worms make exactly the
violations asked for; the Optuna search runs, and says which extra it needs when Optuna is missing."""
import dataclasses
import sys

import numpy as np
import pytest

from latticelab.papers import equivariance as E
from latticelab.papers import registry
from latticelab.systems.phi4 import ComplexPhi4


@pytest.fixture(scope="module")
def caches(tmp_path_factory):
    root = tmp_path_factory.mktemp("eq")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATTICELAB_CACHE", str(root / "data"))
    mp.setenv("LATTICELAB_MODELS", str(root / "models"))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def run(caches):
    first = E.reproduce(E.Config.smoke(), progress=False)
    second = E.reproduce(E.Config.smoke(), progress=False)
    return first, second


@pytest.fixture(scope="module")
def stages(caches, run):
    c = E.Config.smoke()
    return c, E.regression(c), E.detection(c), E.counting(c)  # from the caches the run filled


def test_it_is_a_registered_app_with_the_search_option():
    assert "equivariance" in registry.names()
    assert set(E.Config.reasons()) >= {"n_train", "curve_sizes", "repeats", "device", "count_train", "search_trials"}
    assert E.Config.paper().repeats == 10 and E.Config.paper().device == "auto"
    import argparse

    p = argparse.ArgumentParser()
    E.add_arguments(p)
    assert p.parse_args(["--search"]).search is True


def test_configs_refuse_what_cannot_run():
    with pytest.raises(ValueError, match="curve_sizes"):
        dataclasses.replace(E.Config.smoke(), curve_sizes=(10_000,))
    with pytest.raises(ValueError, match="device"):
        dataclasses.replace(E.Config.smoke(), device="tpu")
    with pytest.raises(ValueError, match="training size"):
        dataclasses.replace(E.Config.smoke(), test_sizes=(16,))
    with pytest.raises(ValueError, match="count_train"):
        dataclasses.replace(E.Config.smoke(), count_train=(1, 5))


def test_worm_agrees_with_the_direct_simulation_at_zero_mu(run):
    r = run[0].row("worm <|phi|^2> at mu=0 (4x4, eta=4.25)")
    assert abs(r.ours - r.reference) < 5 * r.ours_err + 0.01
    n = run[0].row("worm n at mu=0 (4x4, eta=4.25)")
    assert abs(n.ours) < 5 * n.ours_err + 1e-9


def test_every_family_learns_the_observables_and_only_fl_is_stuck_at_its_size(stages):
    c, reg, _, _ = stages
    var = np.var(E.test_set(c, 8, 4.01, 1.5).y, axis=0).mean()  # what a constant guess would score, roughly
    for fam in E.FAMILY_NAMES:
        assert set(reg.curve[fam]) == set(c.curve_sizes)
        assert all(v.shape == (c.repeats,) and np.isfinite(v).all() for v in reg.curve[fam].values())
    assert reg.curve["EQ"][c.full_size].mean() < 0.25 * var  # EQ learned something in 4 epochs
    for (L, eta, mu), v in reg.grid["FL"].items():
        assert (v is None) == (L != c.train_size)
    assert all(v is not None for v in reg.grid["EQ"].values()) and all(v is not None for v in reg.grid["ST"].values())
    eq8 = E.grid_mean(reg.grid["EQ"], lambda k: k[0] == 8).mean()
    eq16 = E.grid_mean(reg.grid["EQ"], lambda k: k[0] == 16).mean()
    assert eq16 < 3 * eq8  # EQ keeps its accuracy on a lattice four times larger


def test_detection_and_counting_give_one_number_per_retraining_and_test_set(stages):
    c, _, det, cnt = stages
    n_keys = len(c.grid())
    for fam in E.FAMILY_NAMES:
        assert len(det.accuracy[fam]) == n_keys and det.by_count[fam].shape == (c.repeats, c.count_test_max + 1)
        assert all(0 <= a.min() and a.max() <= 1 for a in det.accuracy[fam].values() if a is not None)
        assert len(cnt.pred[fam]) == n_keys
    assert det.accuracy["FL"][(16, 4.01, 1.0)] is None and cnt.pred["FL"][(16, 4.01, 1.0)] is None
    assert cnt.pred["EQ"][(16, 4.01, 1.0)].shape == (c.n_test, c.repeats)
    assert sorted(set(cnt.true)) == list(range(c.count_test_max + 1))
    mean, std = cnt.by_count("EQ")
    assert mean.shape == std.shape == (c.count_test_max + 1,)


def test_rows_carry_the_talks_counting_table_and_a_second_run_reuses_everything(run):
    first, second = run
    row = first.row("EQ counting test MSE 8x8, mean over retrainings")
    assert row.paper == pytest.approx(2.108e-4) and row.ours >= 0
    assert first.row("ST counting test MSE up to 16x16, median over retrainings").paper == pytest.approx(3.026)
    assert first.row("FL counting test MSE up to 16x16, mean over retrainings").ours is None
    assert first.row("FL regression test MSE 16x16 (eta, mu grid)").ours is None
    assert first.row("EQ regression test MSE 16x16 (eta, mu grid)").ours > 0
    assert [r.ours for r in first.rows[2:]] == [r.ours for r in second.rows[2:]]
    assert second.seconds < first.seconds


def test_open_worms_make_exactly_two_violations_each():
    for L, counts in ((8, [0, 1, 2, 3, 5, 10]), (32, [7, 0, 10])):
        s = ComplexPhi4(L, L)
        y = E.insert_open_worms(s, s.cold(len(counts)), counts, np.random.default_rng(0))
        assert [int(np.count_nonzero(s.divergence(c))) for c in y] == [2 * m for m in counts]
        assert all(int(np.abs(s.divergence(c)).sum()) == 2 * m for c, m in zip(y, counts))
        assert np.array_equal(y[:, 2:], s.cold(len(counts))[:, 2:])  # l untouched


def test_flux_counts_and_subsets():
    assert E.flux_counts(6, 2, "count").tolist() == [0, 1, 2, 0, 1, 2]
    d = E.flux_counts(8, 3, "detect")
    assert (d[::2] == 0).all() and sorted(d[1::2]) == [1, 1, 2, 3]
    parts = [E.Data(np.arange(10, dtype=np.float32)[:, None], np.zeros((10, 1), np.float32), ("a",)),
             E.Data(np.arange(10, 20, dtype=np.float32)[:, None], np.ones((10, 1), np.float32), ("b",))]
    small, big = E.subsample(parts, 4), E.subsample(parts, 12)
    assert small.y[:, 0].tolist() == [0, 0, 1, 1] and set(small.x[:2, 0]) <= set(big.x[:6, 0])
    assert small.keys != big.keys
    with pytest.raises(ValueError, match="per training point"):
        E.subsample(parts, 40)


def test_training_on_a_device_that_is_not_there_says_so():
    import torch

    from latticelab.papers.equivariance.training import device

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the refusal cannot happen")
    assert device(E.Config.paper()) == "cpu"  # 'auto' falls back to the CPU
    with pytest.raises(ValueError, match="no GPU"):
        device(dataclasses.replace(E.Config.smoke(), device="cuda"))


@pytest.mark.gpu
def test_the_paper_preset_trains_on_the_gpu(caches):
    c = dataclasses.replace(E.Config.smoke(), device="auto", repeats=2)
    ens, _ = E.train(c, "EQ", "regression", E.join([E.test_set(c, 8, 4.01, 1.5)]))
    assert next(ens.parameters()).is_cuda


def test_the_search_names_its_extra_when_optuna_is_missing(monkeypatch):
    from latticelab.papers.equivariance import arch_search as search

    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'latticelab\[search\]'"):
        search.search(E.Config.smoke())


def test_the_search_proposes_valid_architectures_and_finds_one(caches, run):
    pytest.importorskip("optuna", reason="the 'search' extra (in the test extra, so run.py test installs it)")
    from latticelab.papers.equivariance import arch_search as search

    found = search.search(E.Config.smoke(), families=("EQ", "FL"))
    for fam in ("EQ", "FL"):
        assert len(found.trials[fam]) == E.Config.smoke().search_trials
        arch, loss, n_params = found.best[fam]
        assert np.isfinite(loss) and n_params > 0 and arch[-1] == "fc:2-"
        assert ("flat" in arch) == (fam == "FL") and not ({"avg2", "max2"} & set(arch) and fam == "EQ")
