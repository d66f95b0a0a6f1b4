"""The rg_autoencoder app: its smoke reproduction runs, is cached, and gets the science that holds in every preset."""
import numpy as np
import pytest

from latticelab.exact.rg import decimation_fixed_point
from latticelab.papers import registry
from latticelab.papers import rg_autoencoder as app


@pytest.fixture(scope="module")
def caches(tmp_path_factory):
    root = tmp_path_factory.mktemp("rg_autoencoder")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATTICELAB_CACHE", str(root / "data"))
        mp.setenv("LATTICELAB_MODELS", str(root / "models"))
        yield root


@pytest.fixture(scope="module")
def results(caches):
    return app.reproduce(app.Config.smoke(), progress=False)


def test_it_is_an_app_with_three_presets_and_reasons():
    assert "rg_autoencoder" in registry.names()
    assert set(app.Config.reasons()) >= {"L", "beta", "epochs", "loss", "l1"}
    assert app.Config.paper().L == 32 and app.Config.paper().n_samples == 30000 and app.Config.paper().beta == 0.4352
    with pytest.raises(ValueError, match="divisible by 4"):
        app.Config(**{**app.Config.ROWS["smoke"], "L": 18, "name": "smoke"})


def test_results_rows_and_json(results, tmp_path):
    assert results.preset == "smoke"
    for k in ("Model 1", "Model 2", "Model 3"):
        assert any(k in r.quantity and r.paper is not None for r in results.rows)
    rg = results.row("decimation recursion: fixed point beta")
    assert rg.ours == pytest.approx(0.506981, abs=1e-6) and rg.paper == 0.505
    assert results.row("autoencoder flow: fixed point beta (line fit)").paper == 0.45265
    assert results.row("autoencoder flow: fixed point beta (line fit)").reference == pytest.approx(0.440687, abs=1e-6)
    path = results.write(tmp_path)
    assert type(results).from_json(__import__("json").loads(path.read_text())).rows == results.rows


def test_the_autoencoder_beats_both_rg_models(results):
    loss = {k: results.row(f"validation hinge loss, {k}").ours for k in (
        "Model 1 (autoencoder)", "Model 2 (RG encoder, trained decoder)", "Model 3 (RG encoder and decoder)")}
    m1, m2, m3 = loss.values()
    assert m1 < 1.0, "better than predicting 0 everywhere (hinge 1)"
    assert m1 < m3 and m2 < m3, "the fully transferred RG model reconstructs worst"


def test_the_autoencoder_flow_attracts_while_decimation_repels(results):
    assert results.row("autoencoder flow: slope of the line (< 1: attractor)").ours < 1
    assert 0.1 < results.row("autoencoder flow: fixed point beta (line fit)").ours < 0.6


def test_entropy_is_highest_when_hot_and_the_autoencoder_smooths(caches):
    config = app.Config.smoke()
    data = app.make_data(config, progress=False)
    wide = app.train_wide_autoencoder(config, data)  # from the model cache
    ent = app.entropy_curves(data.betas, data.test.configs, wide.model)
    assert ent.input[0] > ent.input[-1] + 0.3, "hot lattices are locally disordered, cold ones are not"
    assert ent.autoencoded[0] < ent.input[0], "at high temperature the autoencoder's output is smoother than its input"


def test_the_beta_predictor_reads_temperature(caches):
    config = app.Config.smoke()
    data = app.make_data(config, progress=False)
    pred = app.train_beta_predictors(config, data)
    par = app.parity(pred.full.model, data.betas, data.test.configs)
    assert par.mse < 0.5 * np.var(data.betas), "far better than guessing a constant beta"
    assert np.corrcoef(par.beta, par.predicted)[0, 1] > 0.9


def test_decimation_recursion_repels_from_its_fixed_point():
    b = decimation_fixed_point()
    below, above = app.rg_flow(b - 0.01, 4), app.rg_flow(b + 0.01, 4)
    assert np.all(np.diff(below) < 0) and np.all(np.diff(above) > 0)
    assert np.allclose(app.rg_flow(0.4352, 4)[1:], [0.40423, 0.36091, 0.30177, 0.22485], atol=5e-5)


def test_crossing_and_local_entropy_exact_values():
    beta = np.array([0.1, 0.2, 0.3, 0.4])
    assert app.crossing(beta, [0.2, 0.25, 0.3, 0.35], near=0.44) == pytest.approx(0.3)
    assert app.crossing(beta, beta + 0.1, near=0.44) is None
    assert np.allclose(app.local_entropy(np.ones((2, 6, 6))), 0.0)
    x = np.ones((1, 6, 6))
    x[0, 0, 0] = -1  # one flipped corner spin: windows of 4, 6, 6 and 9 sites inside the lattice see it
    H = lambda p: -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    assert app.local_entropy(x)[0] == pytest.approx((H(1 / 4) + 2 * H(1 / 6) + H(1 / 9)) / 36, rel=1e-6)
    assert np.array_equal(app.quantise(np.array([-1.0, -0.2, 0.0, 0.4, 3.0])), [0, 0, 1, 1, 1])
    assert np.array_equal(app.quantise(np.array([-1.0, 0.0, 1.0]), levels=3), [0, 1, 2])


def test_second_run_loads_every_net_from_the_cache(results, caches):
    again = app.reproduce(app.Config.smoke(), progress=False)
    assert [r.ours for r in again.rows] == [r.ours for r in results.rows]
    assert again.seconds < results.seconds


def test_training_device_follows_the_config():
    import torch

    from latticelab.backend import train_device

    assert train_device("cpu") == "cpu"
    assert train_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert app.Config.paper().device == "auto" and app.Config.laptop().device == "cpu"
    with pytest.raises(ValueError, match="'cpu', 'cuda' or 'auto'"):
        app.Config(**{**app.Config.ROWS["smoke"], "device": "gpu", "name": "smoke"})


def test_autoencoder_paths_for_the_animator(caches, results):
    config = app.Config.smoke()
    data = app.make_data(config, progress=False)
    wide, pred = app.train_wide_autoencoder(config, data), app.train_beta_predictors(config, data)  # cached
    paths, readings = app.autoencoder_paths(pred.full.model, wide.model, data.betas, data.test.configs, 3,
                                            starts=(0.2, 0.5), chains=4)
    assert len(paths) == 2 and paths.keys() == readings.keys()
    for key, path in paths.items():
        assert path.shape == (4, 4, config.L ** 2) and path.min() >= 0 and path.max() <= 1
        assert set(np.unique(path[0])) <= {0.0, 1.0}  # step 0: the +-1 input lattices
        i = int(np.argmin(np.abs(data.betas - float(key.split("=")[1]))))
        assert np.allclose(readings[key][0], pred.full.model.predict(data.test.configs[i, :4]))


def test_the_notebook_claims_hold_for_the_trained_nets_and_fail_for_broken_ones(results):
    """claims.check_* pass on the smoke nets; an untrained autoencoder, predictor or block predictor fails them."""
    from latticelab.nn.autoencoder import model_1
    from latticelab.nn.beta_predictor import BetaPredictor

    C = app.Config.smoke()
    data = app.make_data(C, progress=False)
    shallow = app.train_shallow(C, data)
    models = app.train_models(C, data, shallow)
    pred = app.train_beta_predictors(C, data)
    wide = app.train_wide_autoencoder(C, data)
    test, b = data.test.configs, data.betas
    flows = lambda ae_net, full, half: (  # noqa: E731
        app.autoencoder_flow(full, ae_net, b, test, 2, near=app.BETA_C, window=app.FLOW_WINDOW),
        app.majority_flow(half, b, test, near=app.BETA_C, window=app.FLOW_WINDOW))
    app.claims.check_models(models)
    app.claims.check_predictor(app.parity(pred.full.model, b, test), b)
    app.claims.check_flows(*flows(wide.model, pred.full.model, pred.half.model), app.BETA_C, C.majority_tolerance)

    untrained = model_1(C.L, seed=3).eval()
    loader = app.stages._loaders(app.spins(data.critical).reshape(-1, C.L * C.L), app.spins(data.critical).reshape(-1, C.L * C.L), C)[1]
    broken = {**models, "model_1": app.Trained("model_1", untrained, {}, app.stages.validation_loss(untrained, loader, C.loss))}
    with pytest.raises(AssertionError, match="Model 1 < Model 2 < Model 3|no better than outputting zeros"):
        app.claims.check_models(broken)
    blank = BetaPredictor(C.L * C.L, C.hidden, seed=9).eval()
    with pytest.raises(AssertionError, match="beta predictor|does not follow beta"):
        app.claims.check_predictor(app.parity(blank, b, test), b)
    blank_half = BetaPredictor(C.L * C.L // 4, C.hidden, seed=9).eval()
    with pytest.raises(AssertionError, match="majority-rule"):
        app.claims.check_flows(*flows(wide.model, pred.full.model, blank_half), app.BETA_C, C.majority_tolerance)
