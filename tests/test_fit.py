"""latticelab.nn.fit: a generic training loop that learns, reports to callbacks and stays reproducible."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from latticelab.nn import HISTORY_KEYS, batch_size, evaluate, fit, supervised, to_device


def regression_data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return TensorDataset(x, y)


def loaders(batch=32, seed=0):
    train = DataLoader(regression_data(256, seed), batch_size=batch, shuffle=True)
    val = DataLoader(regression_data(64, seed + 1), batch_size=batch)
    return train, val


class Recorder:
    def __init__(self, stop_after=None):
        self.events, self.stop_after = [], stop_after

    def on_train_begin(self, info):
        self.events.append(("begin", info))

    def on_batch_end(self, epoch, batch, n_batches, loss):
        self.events.append(("batch", epoch, batch, n_batches, loss))

    def on_epoch_end(self, epoch, history):
        self.events.append(("epoch", epoch, len(history["train_loss"])))
        return self.stop_after is not None and epoch + 1 >= self.stop_after

    def on_train_end(self, history):
        self.events.append(("end", len(history["epoch"])))


def test_fit_learns_linear_regression():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    train, val = loaders()
    before = evaluate(model, val, supervised(F.mse_loss))
    hist = fit(model, train, val, epochs=40, loss_fn=supervised(F.mse_loss), lr=0.05, seed=1)
    assert set(hist) == set(HISTORY_KEYS)
    assert hist["epoch"] == list(range(1, 41))
    assert len(hist["train_loss"]) == len(hist["val_loss"]) == len(hist["seconds"]) == 40
    assert hist["val_loss"][-1] < 1e-3 < before
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert all(b >= a for a, b in zip(hist["seconds"], hist["seconds"][1:]))
    assert hist["val_loss"][-1] == pytest.approx(evaluate(model, val, supervised(F.mse_loss)))


def test_callbacks_protocol_order_and_partial_callbacks():
    rec = Recorder()

    class OnlyEpochs:
        epochs = []

        def on_epoch_end(self, epoch, history):
            self.epochs.append(epoch)

    only = OnlyEpochs()
    train, _ = loaders(batch=64)
    model = torch.nn.Linear(3, 1)
    hist = fit(model, train, epochs=2, loss_fn=supervised(F.mse_loss), callbacks=[rec, only], seed=0)
    kinds = [e[0] for e in rec.events]
    assert kinds == ["begin"] + ["batch"] * 4 + ["epoch"] + ["batch"] * 4 + ["epoch", "end"]
    assert rec.events[0][1] == {"epochs": 2, "n_batches": 4, "device": "cpu", "model": model, "resumed_epochs": 0}
    assert [e[1:4] for e in rec.events if e[0] == "batch"][:5] == [(0, 0, 4), (0, 1, 4), (0, 2, 4), (0, 3, 4), (1, 0, 4)]
    assert only.epochs == [0, 1]
    assert hist["val_loss"] == []
    # the epoch loss is the batch-size-weighted mean of the batch losses
    first = [e[4] for e in rec.events if e[0] == "batch" and e[1] == 0]
    assert hist["train_loss"][0] == pytest.approx(sum(first) / 4)


def test_a_callback_reads_the_weights_without_a_closure():
    """fit hands the model to its callbacks (info["model"]): a watcher defined apart from the model
    sees the weights each epoch, and they are the ones being trained."""

    class WeightWatcher:
        def on_train_begin(self, info):
            self.model, self.weights = info["model"], []

        def on_epoch_end(self, epoch, history):
            self.weights.append(self.model.weight.detach().clone())

    watcher = WeightWatcher()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    start = model.weight.detach().clone()
    train, _ = loaders()
    fit(model, train, epochs=3, loss_fn=supervised(F.mse_loss), lr=0.05, callbacks=[watcher], seed=0)
    assert watcher.model is model and len(watcher.weights) == 3
    assert torch.equal(watcher.weights[-1], model.weight.detach())
    assert not torch.equal(watcher.weights[0], start) and not torch.equal(watcher.weights[0], watcher.weights[-1])


def test_early_stop_and_train_end_after_errors():
    rec = Recorder(stop_after=2)
    train, val = loaders()
    hist = fit(torch.nn.Linear(3, 1), train, val, epochs=10, loss_fn=supervised(F.mse_loss), callbacks=[rec])
    assert hist["epoch"] == [1, 2] and rec.events[-1] == ("end", 2)

    rec = Recorder()

    def bad_loss(model, batch):
        return torch.tensor(float("nan"), requires_grad=True)

    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(torch.nn.Linear(3, 1), train, epochs=1, loss_fn=bad_loss, callbacks=[rec])
    assert rec.events[-1] == ("end", 0)


def test_seed_reproducible_and_global_rng_untouched():
    def run():
        torch.manual_seed(123)  # the model init is the caller's business
        model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))
        train, val = loaders()
        return fit(model, train, val, epochs=3, loss_fn=supervised(F.mse_loss), seed=7)

    state = torch.random.get_rng_state()
    a = run()
    torch.random.set_rng_state(state)
    b = run()
    assert a["train_loss"] == b["train_loss"] and a["val_loss"] == b["val_loss"]
    model, train = torch.nn.Linear(3, 1), loaders()[0]
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    fit(model, train, epochs=1, loss_fn=supervised(F.mse_loss), seed=9)
    assert torch.equal(torch.rand(3), expected), "fit(seed=...) must not leave the global RNG reseeded"


def test_unsupervised_batches_and_helpers():
    # autoregressive-style loss on bare tensors: loss_fn sees the batch itself
    data = torch.randn(40, 4)
    model = torch.nn.Linear(4, 4)
    hist = fit(model, DataLoader(data, batch_size=10), epochs=2, loss_fn=lambda m, x: ((m(x) - x) ** 2).mean())
    assert len(hist["train_loss"]) == 2 and all(math.isfinite(v) for v in hist["train_loss"])
    assert batch_size((torch.zeros(5, 2), torch.zeros(5))) == 5
    assert batch_size({"x": torch.zeros(7, 1)}) == 7
    moved = to_device({"a": (torch.zeros(1), [torch.ones(1)]), "b": 3}, "cpu")
    assert moved["b"] == 3 and isinstance(moved["a"], tuple) and isinstance(moved["a"][1], list)


def test_argument_errors():
    train, _ = loaders()
    with pytest.raises(TypeError, match="loss_fn"):
        fit(torch.nn.Linear(3, 1), train, epochs=1, loss_fn=None)
    with pytest.raises(TypeError, match="scalar tensor"):
        fit(torch.nn.Linear(3, 1), train, epochs=1, loss_fn=lambda m, b: 1.0)
    with pytest.raises(ValueError, match="no parameters"):
        fit(torch.nn.ReLU(), train, epochs=1, loss_fn=supervised(F.mse_loss))
    with pytest.raises(ValueError, match="no batches"):
        fit(torch.nn.Linear(3, 1), [], epochs=1, loss_fn=supervised(F.mse_loss))
    assert fit(torch.nn.Linear(3, 1), train, epochs=0, loss_fn=supervised(F.mse_loss))["epoch"] == []


class Killed(Exception):
    pass


class KillAfter:
    """Stands in for a kill: raises once ``epochs`` epochs have finished (their checkpoint is written by then)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, epoch, history):
        if epoch + 1 == self.epochs:
            raise Killed


def _run(checkpoint=None, callbacks=()):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))
    g = torch.Generator().manual_seed(7)
    train = DataLoader(regression_data(256), batch_size=32, shuffle=True, generator=g)
    val = DataLoader(regression_data(64, 1), batch_size=32)
    history = fit(model, train, val, epochs=5, lr=1e-2, loss_fn=supervised(F.mse_loss), seed=3,
                  checkpoint=checkpoint, callbacks=callbacks)
    return model, history


def test_a_killed_run_continues_from_its_last_epoch_to_the_same_weights(tmp_path):
    straight, h0 = _run()
    ckpt = tmp_path / "run.partial.pt"
    with pytest.raises(Killed):
        _run(ckpt, [KillAfter(2)])
    assert ckpt.is_file()
    seen = Recorder()
    resumed, h1 = _run(ckpt, [seen])
    assert seen.events[0][1]["resumed_epochs"] == 2
    assert [e[1] for e in seen.events if e[0] == "epoch"] == [2, 3, 4], "only the epochs left are trained"
    assert h1["epoch"] == [1, 2, 3, 4, 5] and h1["train_loss"] == h0["train_loss"] and h1["val_loss"] == h0["val_loss"]
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(a, b), "dropout, shuffling and Adam's moments resume exactly"


def test_an_unreadable_checkpoint_means_starting_over_with_a_warning(tmp_path):
    ckpt = tmp_path / "bad.partial.pt"
    ckpt.write_bytes(b"not a checkpoint")
    with pytest.warns(UserWarning, match="could not be read"):
        model, history = _run(ckpt)
    assert history["epoch"] == [1, 2, 3, 4, 5]
    straight, _ = _run()
    assert all(torch.equal(a, b) for a, b in zip(straight.parameters(), model.parameters()))


def test_plateau_stops_when_patience_epochs_bring_no_relative_gain():
    from latticelab.nn import Plateau

    p = Plateau(patience=3, gain=0.01)
    assert not p.reached([1.0, 0.9, 0.8])  # not yet patience + 1 epochs
    assert not p.reached([1.0, 0.9, 0.8, 0.7])  # still improving
    assert p.reached([1.0, 0.8, 0.799, 0.7995, 0.7999])  # 3 epochs within 1% of the best before them
    assert not p.reached([1.0, 0.8, 0.799, 0.7995, 0.79])  # the last one gained more than 1%
    with pytest.raises(ValueError, match="relative improvement"):
        Plateau(3, gain=1.5)


def test_fit_stops_at_a_plateau_and_says_when():
    from latticelab.nn import Plateau

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5])
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    model = torch.nn.Linear(3, 1)
    stop = Plateau(patience=5, gain=1e-3)
    hist = fit(model, loader, loader, epochs=2000, loss_fn=supervised(lambda p, t: ((p.squeeze(-1) - t) ** 2).mean()),
               lr=0.05, callbacks=[stop], seed=0)
    assert stop.stopped_at == len(hist["epoch"]) < 2000
    assert stop.reached(hist["val_loss"]) and hist["val_loss"][-1] < 1e-3
