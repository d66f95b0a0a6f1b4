"""The rbm_flow app in its smoke preset: the science that holds in every preset, the results table, the
model cache, and the stages' plain outputs."""
import json
import time

import numpy as np
import pytest

from latticelab import cli
from latticelab.exact import ising_magnetization, potts_tc
from latticelab.papers import registry, rbm_flow
from latticelab.papers.rbm_flow import stages

TC = 2.269185314213022


@pytest.fixture(scope="module")
def caches(tmp_path_factory):
    """Fresh data and model caches for this module (the first reproduce trains everything)."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("rbm_flow")
    mp.setenv("LATTICELAB_CACHE", str(root / "data"))
    mp.setenv("LATTICELAB_MODELS", str(root / "models"))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def smoke(caches):
    start = time.perf_counter()
    results = rbm_flow.reproduce(rbm_flow.Config.smoke(), progress=False)
    return results, time.perf_counter() - start


def test_it_is_an_app_with_three_presets_and_a_reason_per_knob():
    assert "rbm_flow" in registry.names()
    assert set(rbm_flow.Config.reasons()) >= {"hidden_sizes", "fields", "potts_qs", "torch_threads"}
    for name in ("smoke", "laptop", "paper"):
        assert rbm_flow.Config.get(name).L == 10
    with pytest.raises(ValueError, match="beta_window"):
        rbm_flow.Config(**{**rbm_flow.Config.ROWS["smoke"], "beta_window": (1.0, 0.5), "name": "smoke"})


def test_smoke_reproduce_is_fast(smoke):
    results, seconds = smoke
    assert seconds < 60, seconds
    assert results.preset == "smoke" and results.paper == "rbm_flow"


def test_flows_from_both_ends_run_toward_tc(smoke, caches):
    """Every hidden size: cold (T = 0) and hot (T = infinity) starts end much nearer Tc than they start."""
    results, _ = smoke
    C = rbm_flow.Config.smoke()
    for n_h in C.hidden_sizes:
        for start in ("cold", "hot"):
            row = results.row(f"fixed point T, {n_h} hidden, {start} start")
            assert row.reference == pytest.approx(TC) and row.paper == 2.27
            assert abs(row.ours - TC) < 0.25 * TC, (start, row.ours)
    data = stages.ising_data(C)
    th = stages.thermometer(C, data)
    fl = stages.run_flows(stages.train_rbm(C, data, C.hidden_sizes[0]), th, chains=50, steps=C.flow_steps)
    cold, hot = fl.readings["cold"].mean(1), fl.readings["hot"].mean(1)
    assert cold[0] < 1.5 and hot[0] > 3.5, (cold[0], hot[0])  # the thermometer reads the two ends as such
    assert abs(cold[-1] - TC) < 0.5 * abs(cold[0] - TC) and abs(hot[-1] - TC) < 0.5 * abs(hot[0] - TC)
    assert fl.fixed_point("cold")[0] == pytest.approx(cold[fl.tail()].mean())


def _starting(results, prefix):
    (row,) = [r for r in results.rows if r.quantity.startswith(prefix)]
    return row


def test_beta_rows_name_their_window_where_onsager_is_within_002_of_one_eighth(smoke):
    results, _ = smoke
    mc = _starting(results, "beta from Monte Carlo, ")
    onsager = results.row("beta from Onsager's m in the same window")
    lo, hi = rbm_flow.Config.smoke().beta_window
    assert f"{lo:g} <= Tc - T <= {hi:g}" in mc.quantity
    assert mc.reference == 0.125 and 0.0 < mc.ours < 0.3
    # the window is chosen where the exact m is nearly a power law; Yang's m rises a little more slowly
    assert 0.105 < onsager.ours < 0.125
    assert np.isfinite(_starting(results, "beta from reconstructions, ").ours)


def test_rerun_estimator_reads_the_last_sampled_step_of_the_hot_start():
    flows = rbm_flow.Flows(paths={}, readings={"hot": np.zeros((3, 4))}, sample=True,
                           absm={"hot": np.array([[0.0] * 4, [0.9] * 4, [0.2, 0.4, 0.6, 0.8]])})
    m, err = flows.last_absm("hot")
    assert m == pytest.approx(0.5) and err == pytest.approx(np.std([0.2, 0.4, 0.6, 0.8]) / 2)


def test_field_rows_put_the_specific_heat_maximum_above_tc(smoke):
    results, _ = smoke
    for H in rbm_flow.Config.smoke().fields:
        c_max = results.row(f"H = {H:g}: specific-heat maximum T (Monte Carlo)").ours
        assert c_max > TC, c_max  # a field smears the transition upward
        for start in ("cold", "hot"):
            row = results.row(f"H = {H:g}: fixed point T, {start} start")
            assert row.reference == c_max and np.isfinite(row.ours)


def test_potts_part_reads_its_two_phases(smoke):
    """The Potts thermometer reads an ordered start below Tc_q and a random one above it; the flows' fixed
    points are reported, not asserted (a briefly trained Potts RBM keeps both starts where they are)."""
    results, _ = smoke
    C = rbm_flow.Config.smoke()
    for q in C.potts_qs:
        data = stages.potts_data(C, q)
        th = stages.thermometer(C, data)
        cal = stages.thermometer_calibration(th, data)
        assert cal.mean[0] < potts_tc(q) < cal.mean[-1], cal.mean
        fl = stages.run_flows(stages.train_rbm(C, data, C.field_hidden), th, chains=50, steps=C.flow_steps)
        assert fl.readings["cold"][0].mean() < potts_tc(q) < fl.readings["hot"][0].mean()
        row = results.row(f"Potts q = {q}: fixed point T, hot start")
        assert row.reference == pytest.approx(potts_tc(q)) and np.isfinite(row.ours)


def test_second_run_loads_every_model_from_the_cache(smoke, capsys, tmp_path):
    results, first = smoke
    start = time.perf_counter()
    cli.main(["reproduce", "rbm_flow", "--preset", "smoke", "--out", str(tmp_path)])
    assert time.perf_counter() - start < first
    written = json.loads((tmp_path / "results.json").read_text())
    assert written["preset"] == "smoke" and len(written["rows"]) == len(results.rows)
    assert [r["ours"] for r in written["rows"]] == [r.ours for r in results.rows]
    assert "fixed point T" in capsys.readouterr().out


def test_fit_beta_recovers_an_exact_power_law_and_onsager_is_close_near_tc():
    T = np.linspace(1.9, 2.2, 5)
    fit = stages.fit_beta(T, 1.3 * (TC - T) ** 0.2)
    assert fit.beta == pytest.approx(0.2, abs=1e-10) and fit.amplitude == pytest.approx(1.3)
    near = TC - np.geomspace(1e-5, 1e-4, 5)
    assert stages.fit_beta(near, ising_magnetization(near)).beta == pytest.approx(0.125, abs=2e-3)


def test_specific_heat_peak_and_order_parameter_on_plain_data():
    from latticelab.nn.rbm import PottsRBM, RBM, states_to_visible

    assert stages.order_parameter(RBM(4, 2), np.array([[1, 1, 1, 0.0]])) == pytest.approx([0.5])
    v = states_to_visible(np.array([[[0, 0], [0, 1]]]), 3)
    assert stages.order_parameter(PottsRBM(4, 3, 2), v) == pytest.approx([(3 * 0.75 - 1) / 2])

    class FakeData:  # C = N var(e) / T^2 largest at the middle point
        T = np.array([1.0, 2.0, 3.0])
        N = 4
        energy = np.array([[0.0, 0.1], [0.0, 1.0], [0.0, 0.2]])

    t, c = stages.specific_heat_peak(FakeData())
    assert 1.0 < t < 3.0 and c == pytest.approx(4 * 0.5 / 4)


def test_the_notebook_claims_hold_for_the_trained_rbm_and_fail_for_a_broken_one(smoke):
    """claims.check_flows / check_exponent pass on the smoke RBM and raise for an untrained one."""
    C = rbm_flow.Config.smoke()
    data = stages.ising_data(C)
    th = stages.thermometer(C, data)
    n = C.hidden_sizes[-1]
    trained = stages.train_rbm(C, data, n)
    flows = {n: stages.run_flows(trained, th, chains=100, steps=C.flow_steps)}
    rbm_flow.claims.check_flows(flows, C.fixed_point_tolerance)
    near = stages.exponent_data(C)
    rbm_flow.claims.check_exponent(stages.critical_exponent(C, trained, near))

    broken = type(trained)(trained.n_visible, n, seed=5)  # untrained: small random weights, zero biases
    with pytest.raises(AssertionError, match="does not run toward Tc|stops"):
        rbm_flow.claims.check_flows({n: stages.run_flows(broken, th, chains=100, steps=C.flow_steps)},
                                    C.fixed_point_tolerance)
    with pytest.raises(AssertionError, match="beta from reconstructions"):
        rbm_flow.claims.check_exponent(stages.critical_exponent(C, broken, near))
    far = np.array([1.0, 1.25, 1.5, 1.75, 2.0])  # a window far from Tc: Onsager's own slope is about 0.07
    with pytest.raises(AssertionError, match="not a window where beta = 1/8 can be measured"):
        rbm_flow.claims.check_exponent({"onsager": stages.fit_beta(far, ising_magnetization(far))})


def test_fixed_points_must_near_tc_as_the_hidden_layer_grows():
    def flows(t):  # a Flows whose every step reads t
        r = np.full((5, 10), float(t))
        return rbm_flow.Flows(paths={}, readings={"cold": np.r_[[[0.5] * 10], r[1:]], "hot": np.r_[[[9.0] * 10], r[1:]]},
                              absm={}, sample=False)
    rbm_flow.claims.check_flows({16: flows(2.8), 64: flows(2.3)}, tolerance=0.1)
    with pytest.raises(AssertionError, match="moves away from Tc as the hidden layer grows"):
        rbm_flow.claims.check_flows({16: flows(2.3), 64: flows(2.8)}, tolerance=1.0)
    with pytest.raises(AssertionError, match="stops 0.531 from Tc"):
        rbm_flow.claims.check_flows({16: flows(2.8)}, tolerance=0.1)


def test_flow_readings_are_cached_by_the_weights_they_came_from(smoke, monkeypatch):
    """A second run_flows with the same RBM and thermometer reads no lattice; a changed weight recomputes."""
    from latticelab.nn import cache

    C = rbm_flow.Config.smoke()
    data = stages.ising_data(C)
    th = stages.thermometer(C, data)
    rbm = stages.train_rbm(C, data, C.hidden_sizes[0])
    first = stages.run_flows(rbm, th, chains=20, steps=4, seed=1)
    calls = []
    monkeypatch.setattr(type(th), "temperature", lambda self, v, batch=4096: calls.append(1) or np.zeros(v.shape[:-1]))
    again = stages.run_flows(rbm, th, chains=20, steps=4, seed=1)
    assert not calls and np.array_equal(again.readings["hot"], first.readings["hot"])
    assert np.array_equal(again.paths["hot"], first.paths["hot"])
    other = type(rbm)(rbm.n_visible, rbm.n_hidden, seed=1)
    assert cache.state_digest(other) != cache.state_digest(rbm)
    stages.run_flows(other, th, chains=20, steps=4, seed=1)
    assert calls  # new weights: read again
