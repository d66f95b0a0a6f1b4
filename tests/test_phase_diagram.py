"""PhaseDiagram: sweep data assembly, exact overlays, and the widget's run/start/stop, without a browser."""
import json

import numpy as np
import pytest

import latticelab as ll
from latticelab.stats import Stats
from latticelab.widgets._sweep import (
    OBSERVABLES,
    SweepData,
    chunks,
    exact_curves,
    size_factory,
)
from latticelab.widgets.phase_diagram import PhaseDiagram


def test_chunks_cover_every_size_and_temperature_once():
    plan = chunks(2, 7, 3)
    assert [i for i, _ in plan] == [0, 0, 0, 1, 1, 1]
    assert [idx.tolist() for _, idx in plan[:3]] == [[0, 1, 2], [3, 4, 5], [6]]
    cover = np.zeros((2, 7), int)
    for i, idx in plan:
        cover[i, idx] += 1
    assert (cover == 1).all()


def test_size_factory():
    assert size_factory(ll.Ising(L=4, J=2.0))(8) == ll.Ising(L=8, J=2.0)
    assert size_factory(ll.Potts(L=4, q=3))(6) == ll.Potts(L=6, q=3)
    ea = size_factory(ll.EdwardsAnderson(L=4, seed=3))(6)
    assert ea.L == 6 and ea.Jh.shape == (6, 6)
    with pytest.raises(ValueError, match="seed"):
        size_factory(ll.EdwardsAnderson(L=4, Jh=np.ones((4, 4)), Jv=np.ones((4, 4))))(6)
    f = lambda L: ll.Ising(L=L)  # noqa: E731
    assert size_factory(f) is f
    with pytest.raises(TypeError):
        size_factory("ising")


def test_the_sweep_asks_the_system_not_its_type():
    """Exact curves only where the system says Onsager applies (``onsager_coupling``: the Ising ferromagnet
    at h = 0, also under another name); a template takes each L through its own ``resized``."""
    import dataclasses

    from latticelab.widgets._sweep import onsager_coupling

    @dataclasses.dataclass(frozen=True)
    class Renamed(ll.Ising):
        name = "renamed"

    @dataclasses.dataclass(frozen=True)
    class Diluted(ll.Ising):  # other physics: it says Onsager does not apply
        onsager_coupling = None

    assert onsager_coupling(ll.Ising(L=4, J=0.6)) == 0.6
    assert onsager_coupling(ll.Ising(L=4, J=-1.0)) is None and onsager_coupling(ll.Ising(L=4, h=0.2)) is None
    assert onsager_coupling(Renamed(L=4)) == 1.0 and exact_curves(Renamed(L=4), [2.0], [4]) != {}
    assert onsager_coupling(Diluted(L=4)) is None and onsager_coupling(ll.Potts(L=4, q=2)) is None
    assert exact_curves(Diluted(L=4), [2.0], [4]) == {} and onsager_coupling(ll.EdwardsAnderson(L=4, seed=0)) is None
    a, b = size_factory(ll.EdwardsAnderson(L=4, seed=3))(6), ll.EdwardsAnderson(L=6, seed=3)
    np.testing.assert_array_equal(a.Jh, b.Jh) and np.testing.assert_array_equal(a.Jv, b.Jv)


def test_exact_curves_and_tc():
    T = np.array([1.8, 2.269, 3.0])
    c = exact_curves(ll.Ising(L=4), T, [4, 8])
    assert set(c) == {"energy", "abs_magnetization", "specific_heat"}
    assert set(c["energy"]) == {None, 4, 8} and set(c["abs_magnetization"]) == {None}
    np.testing.assert_allclose(c["energy"][8], ll.exact.ising_energy_per_spin(T, L=8))
    np.testing.assert_allclose(c["specific_heat"][None], ll.exact.ising_specific_heat(T))
    assert c["abs_magnetization"][None][2] == 0 and c["abs_magnetization"][None][0] > 0.9
    assert exact_curves(ll.Potts(L=4, q=3), T, [4]) == {}
    assert exact_curves(ll.Ising(L=4, h=0.1), T, [4]) == {}
    assert SweepData.empty(ll.Ising(L=4), [4], [2.0]).tc == pytest.approx(2.269185314)
    assert SweepData.empty(ll.Potts(L=4, q=3), [4], [1.0]).tc == pytest.approx(1 / np.log(1 + np.sqrt(3)))
    assert SweepData.empty(ll.EdwardsAnderson(L=4, seed=0), [4], [1.0]).tc is None


def fake_stats(n, value):
    out = {name: Stats(np.full(n, value), np.full(n, 0.1)) for name in OBSERVABLES}
    out["tau"] = np.full(n, 0.5)
    return out


def test_sweep_data_record_peak_and_json():
    T = np.linspace(2.0, 2.6, 4)
    d = SweepData.empty(ll.Ising(L=4), (4, 8), T, exact_points=50)
    assert d.mean["energy"].shape == (2, 4) and np.isnan(d.mean["energy"]).all() and not d.complete
    assert np.isnan(d.peak_temperature()).all()
    assert d.exact_T.shape == (50,) and d.tc == pytest.approx(2.269185314)
    d.record(0, np.array([0, 1]), fake_stats(2, 1.0))
    d.record(0, np.array([2, 3]), fake_stats(2, 2.0))
    d.mean["specific_heat"][0] = [0.5, 1.5, 1.0, 0.2]
    assert d.done[0].all() and not d.complete
    assert d.peak_temperature()[0] == T[1] and np.isnan(d.peak_temperature()[1])
    np.testing.assert_allclose(d.exact_at("energy", 8), ll.exact.ising_energy_per_spin(T, L=8))
    assert d.exact_at("binder") is None and d.zscore("binder", 4) is None
    np.testing.assert_allclose(d.zscore("energy", 4), (d.mean["energy"][0] - d.exact_at("energy", 4)) / 0.1)
    with pytest.raises(ValueError, match="not in this sweep"):
        d.size_index(16)
    j = json.loads(json.dumps(d.as_dict()))
    assert j["sizes"] == [4, 8] and j["mean"]["energy"][1] == [None] * 4 and j["mean"]["energy"][0][3] == 2.0
    d.clear()
    assert not d.done.any() and np.isnan(d.mean["binder"]).all()
    with pytest.raises(ValueError):
        SweepData.empty(ll.Ising(L=4), (4,), [[2.0]])


def test_run_reproduces_kaufman_and_fills_the_plots():
    T = np.array([1.8, 2.3, 2.8, 3.4])
    pd = PhaseDiagram(ll.Ising(L=4), sizes=(4, 6), T=T, n_samples=512, t_batch=2, seed=1)
    assert pd.n_chunks == 4 and pd.progress.max == 4
    d = pd.run()
    assert d.complete and pd.progress.value == 4 and pd.progress.bar_style == "success"
    for L in (4, 6):
        z = d.zscore("energy", L)
        assert np.all(np.abs(z) < 5), z
    assert np.all(np.diff(d.mean["energy"][1]) > 0)  # energy rises with T
    assert d.mean["abs_magnetization"][1, 0] > d.mean["abs_magnetization"][1, -1]
    assert np.isfinite(d.tau).all()
    # run() redraws after every chunk, and once more at the end
    assert all(p.updates == 5 for p in pd.plots.values())
    # what the browser draws: the bokeh sources hold the computed points and their error bars
    src = pd.plots["energy"].sources["L6"].data
    np.testing.assert_allclose(src["y"], d.mean["energy"][1])
    np.testing.assert_allclose(np.subtract(src["hi"], src["lo"]), 2 * d.error["energy"][1])


def test_start_wait_stop_and_rerun():
    pd = PhaseDiagram(ll.Potts(L=4, q=3), sizes=(4,), T=[0.8, 1.0, 1.2], n_samples=64, t_batch=1, seed=2)
    assert "exact" not in pd.data.exact and pd.data.tc == pytest.approx(0.9950, abs=1e-3)
    pd.start()
    with pytest.raises(RuntimeError, match="already running"):
        pd.start()
    pd.run_button.click()  # a click reaching the disabled button (a crafted comm message) is ignored
    d = pd.wait(120)
    assert d.complete and not pd.running and pd.run_button.disabled is False
    first = d.mean["energy"].copy()
    pd.stop()  # a stop request while idle is forgotten by the next run
    pd.run()
    assert pd.data.complete
    np.testing.assert_allclose(pd.data.mean["energy"], first)  # same seed, same numbers

    pd = PhaseDiagram(ll.Ising(L=4), sizes=(4,), T=[2.0, 2.5, 3.0], n_samples=64, t_batch=1)
    pd.start()
    pd.stop()
    d = pd.wait(120)
    assert not d.complete and "stopped" in pd.status.value and pd.progress.bar_style == "warning"


def test_live_figure_sends_one_patch_per_update(monkeypatch):
    from latticelab.widgets import _live

    fig = _live.new_figure("t", "x", "y")
    live = _live.LiveFigure(fig, {"a": _live.errorbar_series(fig, "a", "red"), "b": _live.line_series(fig, "b", "blue")})
    sent = []
    monkeypatch.setattr(type(live.widget), "send", lambda self, content, buffers=None: sent.append((content, buffers)))
    live.update(a=_live.errorbar_columns([1.0, 2.0, 3.0], [1.0, np.nan, 3.0], [0.1, 0.1, np.nan]),
                b={"x": list(range(100)), "y": list(range(100))})
    assert len(sent) == 3 and all(b is None for _, b in sent)  # header, metadata, content; arrays inline
    assert live.sources["a"].data == {"x": [1.0, 3.0], "y": [1.0, 3.0], "lo": [0.9, 3.0], "hi": [1.1, 3.0]}
    assert '"PATCH-DOC"' in sent[0][0]["payload"]


def test_ui_poster_runs_worker_updates_on_the_loop():
    import asyncio
    import threading

    from latticelab.widgets._live import UiPoster

    async def main():
        post = UiPoster()
        seen = []
        t = threading.Thread(target=lambda: post(lambda: seen.append(threading.get_ident())))
        t.start()
        t.join()
        post.later(0.01, lambda: seen.append("later"))
        await asyncio.sleep(0.1)
        return seen

    loop_thread = threading.get_ident()
    assert asyncio.run(main()) == [loop_thread, "later"]
    direct = UiPoster(direct=True)
    out = []
    direct.later(10.0, out.append, 1)  # no loop: at once
    assert out == [1]
