"""TrainingMonitor: throttling, plot data assembly and the history file, without a browser."""
import json
import os
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from latticelab.nn import fit, supervised
from latticelab.widgets._throttle import RateLimit
from latticelab.widgets.training_monitor import (
    TrainingMonitor,
    bucket_means,
    read_history,
    write_history,
)


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_throttle_lets_through_at_most_once_per_interval():
    clock = FakeClock()
    th = RateLimit(0.25, clock=clock)
    assert th() is True  # first call passes
    assert th() is False
    clock.t += 0.2
    assert th() is False
    clock.t += 0.05
    assert th() is True
    assert th(force=True) is True and th() is False
    # 10 s of calls every millisecond: at most 4 per second get through
    passed = 0
    for _ in range(10_000):
        clock.t += 0.001
        passed += th()
    assert 39 <= passed <= 41
    with pytest.raises(ValueError, match="interval"):
        RateLimit(-1)


def test_bucket_means():
    x, y = bucket_means([1.0, 2.0, 3.0], max_points=5)
    assert x.tolist() == [0, 1, 2] and y.tolist() == [1, 2, 3]
    x, y = bucket_means(np.arange(1000.0), max_points=10)
    assert len(x) == len(y) == 10
    np.testing.assert_allclose(y, x)  # the mean of a linear ramp is at the bucket's mean index
    assert y[0] == pytest.approx(49.5)
    x, y = bucket_means([], max_points=10)
    assert x.size == 0 and y.size == 0


def test_write_history_is_atomic_json(tmp_path):
    path = tmp_path / "h.json"
    write_history(path, {"epoch": (1, 2), "train_loss": [0.5, 0.25]}, status="done")
    assert read_history(path) == {"epoch": [1, 2], "train_loss": [0.5, 0.25], "status": "done"}
    assert os.listdir(tmp_path) == ["h.json"]  # no temp files left behind
    with pytest.raises(TypeError):
        write_history(path, {"epoch": [object()]})
    assert read_history(path)["status"] == "done" and os.listdir(tmp_path) == ["h.json"]


def data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    return TensorDataset(x, x @ torch.tensor([[1.0], [-1.0], [2.0]]))


def test_monitor_follows_fit_and_writes_history(tmp_path):
    path = tmp_path / "history.json"
    mon = TrainingMonitor(path, title="linear", interval=0.0)
    assert read_history(path)["status"] == "waiting"
    train, val = DataLoader(data(), batch_size=32, shuffle=True), DataLoader(data(64, 1), batch_size=64)
    hist = fit(torch.nn.Linear(3, 1), train, val, epochs=5, loss_fn=supervised(F.mse_loss), lr=0.05,
               callbacks=[mon], seed=0)
    saved = read_history(path)
    assert saved["status"] == "done" and saved["epochs"] == 5 and saved["n_batches"] == 8
    for key in ("epoch", "train_loss", "val_loss", "seconds"):
        assert saved[key] == pytest.approx(hist[key])
    assert len(saved["batch_loss"]) == 40
    assert saved["val_loss"][-1] < saved["val_loss"][0]
    # the widgets show the end state
    assert mon.progress.value == mon.progress.max == 40 and mon.progress.bar_style == "success"
    assert "epoch 5/5" in mon.label.value and "done" in mon.label.value
    d = mon.plot_data()
    assert d["train"]["x"] == [1, 2, 3, 4, 5] and d["val"]["x"] == d["train"]["x"]
    assert d["val"]["y"] == pytest.approx(hist["val_loss"])
    assert d["batches"]["x"][-1] == pytest.approx(5.0) and len(d["batches"]["y"]) == 40
    # what the browser draws: the bokeh sources hold the curves
    assert mon.plot.sources["val"].data["y"] == pytest.approx(hist["val_loss"])
    assert mon.plot.sources["batches"].data["y"] == pytest.approx(saved["batch_loss"])


def test_monitor_throttles_redraws_and_marks_early_stop(tmp_path):
    class StopAt2:
        def on_epoch_end(self, epoch, history):
            return epoch == 1

    mon = TrainingMonitor(tmp_path / "h.json", interval=3600)
    train = DataLoader(data(), batch_size=8)
    fit(torch.nn.Linear(3, 1), train, epochs=4, loss_fn=supervised(F.mse_loss), callbacks=[mon, StopAt2()])
    # 64 batches and 2 epochs, but only the forced updates at begin and end got through
    assert mon.rate_limit.passed == 2 and mon.plot.updates == 2
    saved = read_history(tmp_path / "h.json")
    assert saved["status"] == "stopped early" and saved["epoch"] == [1, 2] and saved["val_loss"] == []
    assert mon.progress.bar_style == "warning"


def test_monitor_records_a_failed_run(tmp_path):
    """A crash mid-training leaves the history so far on disk, marked failed with the reason."""
    mon = TrainingMonitor(tmp_path / "h.json", interval=3600)
    calls = {"n": 0}

    def loss_fn(model, batch):
        calls["n"] += 1
        x, y = batch
        loss = F.mse_loss(model(x), y)
        return loss * float("nan") if calls["n"] > 10 else loss  # diverges in the second epoch

    with pytest.raises(FloatingPointError):
        fit(torch.nn.Linear(3, 1), DataLoader(data(), batch_size=32), epochs=3, loss_fn=loss_fn, callbacks=[mon])
    saved = read_history(tmp_path / "h.json")
    assert saved["status"].startswith("failed: FloatingPointError") and saved["epoch"] == [1]
    assert len(saved["batch_loss"]) == 10 and mon.progress.bar_style == "danger"


def test_monitor_accepts_callbacks_from_a_worker_thread(tmp_path):
    mon = TrainingMonitor(tmp_path / "h.json", interval=0.0)
    train = DataLoader(data(), batch_size=64)
    t = threading.Thread(target=fit, args=(torch.nn.Linear(3, 1), train),
                         kwargs=dict(epochs=3, loss_fn=supervised(F.mse_loss), callbacks=[mon]))
    t.start()
    t.join(60)
    assert read_history(tmp_path / "h.json")["epoch"] == [1, 2, 3]
    assert mon.progress.value == 12


def test_default_path_is_a_fresh_temp_file():
    a, b = TrainingMonitor(), TrainingMonitor()
    assert a.path != b.path and json.load(open(a.path))["status"] == "waiting"
    os.unlink(a.path), os.unlink(b.path)
