"""latticelab.nn.thermometer: probabilities, the flip symmetry, and a trained thermometer that orders
held-out Ising configurations by temperature."""
import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab.nn.rbm import spins_to_visible
from latticelab.nn.thermometer import Thermometer, calibration, train_thermometer

T_GRID = [1.5, 2.0, 2.5, 3.0, 4.0]


def test_readings_are_expectations_over_the_grid_and_take_any_leading_axes():
    th = Thermometer(16, T_GRID, hidden=(8,), seed=0)
    v = torch.rand(3, 4, 16, generator=torch.Generator().manual_seed(0))
    p = th.probabilities(v)
    assert p.shape == (3, 4, 5) and np.allclose(p.sum(-1), 1)
    t = th.temperature(v)
    assert t.shape == (3, 4) and np.allclose(t, p @ np.array(T_GRID), rtol=1e-6)
    assert np.all((t > 1.5) & (t < 4.0))


def test_flip_symmetric_thermometer_reads_a_configuration_and_its_flip_alike():
    th = Thermometer(16, T_GRID, hidden=(8,), flip_symmetric=True, seed=1)
    v = torch.bernoulli(torch.full((10, 16), 0.3), generator=torch.Generator().manual_seed(1))
    assert np.allclose(th.temperature(v), th.temperature(1 - v), atol=1e-6)
    plain = Thermometer(16, T_GRID, hidden=(8,), seed=1)
    assert not np.allclose(plain.temperature(v), plain.temperature(1 - v), atol=1e-6)


def test_bad_calls_say_how_to_fix_them():
    with pytest.raises(ValueError, match="increasing"):
        Thermometer(4, [2.0, 1.0])
    with pytest.raises(ValueError, match=r"\(B, 4\)"):
        Thermometer(4, [1.0, 2.0])(torch.zeros(2, 5))


def test_trained_thermometer_orders_held_out_temperatures(tmp_path):
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # small layers: one thread is fastest (and two on a busy 2-core machine crawl)
    try:
        _train_and_check(tmp_path)
    finally:
        torch.set_num_threads(before)


def _train_and_check(tmp_path):
    ds = ll.data.generate(ll.Ising(L=8), T=T_GRID, n_samples=320, seed=3, cache_dir=tmp_path, progress=False)
    x = spins_to_visible(ds.flat_configs())
    y = torch.as_tensor(ds.labels("T_index"))
    held = torch.arange(len(x)) % 5 == 0  # every fifth configuration is never trained on
    th = Thermometer(64, ds.T_values, hidden=(64, 32), flip_symmetric=True, seed=0)
    history = train_thermometer(th, x[~held], y[~held], epochs=15, batch_size=64, lr=3e-3, seed=0)
    assert history["val_loss"][-1] < history["val_loss"][0]
    cal = calibration(th, x[held], ds.labels("T")[held.numpy()])
    assert np.array_equal(cal.T, T_GRID) and np.all(cal.count == 64)
    assert np.all(np.diff(cal.mean) > 0), cal.mean  # readings rise with the true temperature
    assert abs(cal.mean[0] - 1.5) < 0.4 and cal.spread_at(2.5) > 0
