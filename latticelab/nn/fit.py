"""``fit``: one small, generic torch training loop with callbacks.

Every model of ``latticelab.nn`` trains through it, and the widgets watch it through callbacks
(``latticelab.widgets.TrainingMonitor`` is one). A callback is any object with some of these
methods; missing ones are skipped:

    on_train_begin(info)                          info: {"epochs", "n_batches" (None if unknown), "device",
                                                  "model" (the module being trained), "resumed_epochs"
                                                  (epochs a checkpoint already holds; 0 for a fresh run)}
    on_batch_end(epoch, batch, n_batches, loss)   after each optimizer step; loss: float
    on_epoch_end(epoch, history) -> bool | None   after validation; return True to stop training early
    on_train_error(exc)                           when training raised (before on_train_end; exc re-raised)
    on_train_end(history)                         always called, also after an exception

``epoch`` and ``batch`` count from 0. ``history`` is the dict ``fit`` returns, filled so far.
A callback that looks at the weights while training (an animator, a filter view) keeps
``info["model"]`` from ``on_train_begin``; the same object is trained in place, so later hooks see
its current parameters.
"""
from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Mapping

import torch

from .. import _validate

HISTORY_KEYS = ("epoch", "train_loss", "val_loss", "seconds")


def supervised(criterion):
    """A ``loss_fn`` for ``(x, y)`` batches: ``criterion(model(x), y)``, e.g. ``supervised(F.cross_entropy)``."""

    def loss_fn(model, batch):
        x, y = batch
        return criterion(model(x), y)

    loss_fn.__name__ = f"supervised({getattr(criterion, '__name__', type(criterion).__name__)})"
    return loss_fn


def to_device(batch, device):
    """Move every tensor of a batch (a tensor, or tuples/lists/dicts of them) to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def batch_size(batch) -> int:
    """Number of samples in a batch: the length of its first tensor (1 if there is none)."""
    if isinstance(batch, torch.Tensor):
        return batch.shape[0] if batch.ndim else 1
    values = batch.values() if isinstance(batch, Mapping) else batch if isinstance(batch, (tuple, list)) else ()
    for v in values:
        n = batch_size(v)
        if n:
            return n
    return 1


class Plateau:
    """A ``fit`` callback that stops training at a plateau of the validation loss: when the last ``patience``
    epochs bring no relative gain of ``gain`` over the best loss before them. ``stopped_at``: the epoch
    count where it stopped (None while running, or when the run used every epoch)."""

    def __init__(self, patience: int, gain: float = 1e-3):
        self.patience = _validate.positive_int(patience, "patience")
        self.gain = float(gain)
        if not 0 <= self.gain < 1:
            raise ValueError(f"gain is a relative improvement in [0, 1), e.g. 1e-3; got {gain}")
        self.stopped_at = None

    def reached(self, val_loss) -> bool:
        """True when ``val_loss`` (a list, one value per epoch) has flattened out."""
        if len(val_loss) <= self.patience:
            return False
        before = min(val_loss[:-self.patience])
        return min(val_loss[-self.patience:]) > before - self.gain * abs(before)

    def on_epoch_end(self, epoch, history):
        if not history["val_loss"]:
            raise ValueError("Plateau watches the validation loss: pass fit a val_loader")
        if self.reached(history["val_loss"]):
            self.stopped_at = epoch + 1
            return True
        return None


def _call(callbacks, method, *args):
    stop = False
    for cb in callbacks:
        fn = getattr(cb, method, None)
        if fn is not None:
            stop = bool(fn(*args)) or stop
    return stop


def _loss_value(loss) -> torch.Tensor:
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TypeError(f"loss_fn(model, batch) must return a scalar tensor, got {type(loss).__name__}")
    return loss.reshape(())


def evaluate(model, loader, loss_fn, device=None) -> float:
    """Mean loss over ``loader`` (weighted by batch size), in eval mode and without gradients."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            batch = to_device(batch, device)
            n = batch_size(batch)
            total += float(_loss_value(loss_fn(model, batch))) * n
            count += n
    model.train(was_training)
    if count == 0:
        raise ValueError("the validation loader yielded no batches")
    return total / count


def _seeded(seed):
    """Seed torch's global generators for the duration of the run only (fork_rng restores them)."""
    if seed is None:
        return contextlib.nullcontext()
    seed = _validate.seed(seed)
    stack = contextlib.ExitStack()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    stack.enter_context(torch.random.fork_rng(devices=devices))
    torch.manual_seed(seed)
    return stack


def _save_checkpoint(path, model, optimizer, history, loader_gen):
    import io

    from .. import _atomic

    buf = io.BytesIO()
    torch.save({"model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                "optimizer": optimizer.state_dict(), "history": history, "torch_rng": torch.get_rng_state(),
                "loader_rng": loader_gen.get_state() if loader_gen is not None else None}, buf)
    _atomic.write_atomic(path, buf.getvalue())


def _resume(path, model, optimizer, loader_gen, device) -> dict | None:
    """The history of the checkpoint at ``path`` after restoring model, optimizer and random states from it;
    None (and nothing restored) where there is none or it cannot be read."""
    from pathlib import Path

    if path is None or not Path(path).is_file():
        return None
    try:
        state = torch.load(path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"].cpu())
        if loader_gen is not None and state["loader_rng"] is not None:
            loader_gen.set_state(state["loader_rng"].cpu())
        return {k: list(state["history"][k]) for k in HISTORY_KEYS}
    except Exception as err:  # noqa: BLE001 - an unreadable checkpoint means starting over, with a warning
        import warnings

        warnings.warn(f"training checkpoint {path} could not be read ({err!r}); training from the start", stacklevel=3)
        return None


def fit(model, train_loader, val_loader=None, *, epochs, loss_fn, optimizer=None, lr=1e-3, device=None,
        callbacks=(), seed=None, checkpoint=None) -> dict:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; returns the history.

    loss_fn:    ``loss_fn(model, batch) -> scalar tensor`` (use ``supervised(criterion)`` for (x, y) batches)
    optimizer:  a torch optimizer over the model's parameters (default Adam with ``lr``)
    device:     where to train (default: where the model's parameters are); batches are moved there
    callbacks:  objects with ``on_train_begin / on_batch_end / on_epoch_end / on_train_end`` (see module doc)
    seed:       seeds torch's generators inside the run only (dropout, DataLoader shuffling); the
                global state is restored afterwards
    checkpoint: a file path, or None: after every epoch the model, optimizer, history and random states
                (torch's and the training loader's ``generator``) are written there atomically, and a
                call that finds the file continues after its last finished epoch, so a killed run
                started again ends with the same weights as one that was never stopped. The caller
                removes the file when it has stored the result.
    Returns ``{"epoch": [1, 2, ...], "train_loss": [...], "val_loss": [...], "seconds": [...]}``: per
    epoch, the mean training loss over the epoch's batches (weighted by batch size), the validation
    loss at the epoch's end (empty without ``val_loader``), and wall time since the start.
    """
    epochs = _validate.positive_int(epochs, "epochs", minimum=0)
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable as loss_fn(model, batch) -> scalar tensor; e.g. supervised(F.mse_loss)")
    if device is not None:
        model.to(device)
    params = list(model.parameters())
    if not params:
        raise ValueError("the model has no parameters to train")
    device = params[0].device
    optimizer = optimizer if optimizer is not None else torch.optim.Adam(params, lr=lr)
    callbacks = tuple(callbacks)
    try:
        n_batches = len(train_loader)
    except TypeError:
        n_batches = None
    history = {key: [] for key in HISTORY_KEYS}
    start = time.perf_counter()
    loader_gen = getattr(train_loader, "generator", None)
    with _seeded(seed):
        resumed = _resume(checkpoint, model, optimizer, loader_gen, device)
        if resumed is not None:
            history = resumed
            start -= history["seconds"][-1] if history["seconds"] else 0.0
        info = {"epochs": epochs, "n_batches": n_batches, "device": str(device), "model": model,
                "resumed_epochs": len(history["epoch"])}
        _call(callbacks, "on_train_begin", info)
        try:
            for epoch in range(len(history["epoch"]), epochs):
                model.train()
                total, count = 0.0, 0
                for b, batch in enumerate(train_loader):
                    batch = to_device(batch, device)
                    loss = _loss_value(loss_fn(model, batch))
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    value, n = float(loss.detach()), batch_size(batch)
                    if not math.isfinite(value):
                        raise FloatingPointError(f"loss became {value} at epoch {epoch}, batch {b}; lower the learning rate")
                    total, count = total + value * n, count + n
                    _call(callbacks, "on_batch_end", epoch, b, n_batches, value)
                if count == 0:
                    raise ValueError("the training loader yielded no batches")
                history["epoch"].append(epoch + 1)
                history["train_loss"].append(total / count)
                if val_loader is not None:
                    history["val_loss"].append(evaluate(model, val_loader, loss_fn, device))
                history["seconds"].append(time.perf_counter() - start)
                if checkpoint is not None:
                    _save_checkpoint(checkpoint, model, optimizer, history, loader_gen)
                if _call(callbacks, "on_epoch_end", epoch, history):
                    break
        except BaseException as exc:
            _call(callbacks, "on_train_error", exc)
            raise
        finally:
            _call(callbacks, "on_train_end", history)
    return history
