"""``TrainingMonitor``: live loss curves and a progress bar for any ``fit`` run, plus a JSON history file.

    monitor = TrainingMonitor("history.json")
    monitor                                           # progress bar, status line, loss plot
    fit(model, train, val, epochs=10, loss_fn=..., callbacks=[monitor])
    read_history("history.json")["val_loss"][-1]      # what a notebook asserts on

It is a ``fit`` callback (see ``latticelab.nn.fit``). Redraws and file writes are throttled to a few
per second (``interval``) and always happen at the end of training. The callbacks may come from a
worker thread (run ``fit`` in a thread to keep the kernel responsive): UI updates are then handed
to the kernel's event loop.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import time

import numpy as np

from .._atomic import write_atomic
from . import _live, _plots
from ._throttle import RateLimit


def bucket_means(values, max_points: int = 400):
    """Downsample a series for display: ``(x float64 (k,), means float64 (k,))`` with k <= max_points.

    Consecutive values are averaged in equal buckets; x is each bucket's mean index (in units of the
    input's positions), so a plot against x / n_batches reads in epochs.
    """
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    if n <= max_points:
        return np.arange(n, dtype=np.float64), v.copy()
    edges = np.linspace(0, n, max_points + 1).astype(int)
    x = np.array([(a + b - 1) / 2 for a, b in zip(edges[:-1], edges[1:])])
    return x, np.add.reduceat(v, edges[:-1]) / np.diff(edges)


def write_history(path, history: dict, **extra):
    """Write ``history`` (and ``extra`` keys) as JSON atomically: readers never see a half-written file."""
    payload = {**{k: list(v) for k, v in history.items()}, **extra}
    write_atomic(path, json.dumps(payload, allow_nan=True).encode("utf-8"))


def read_history(path) -> dict:
    """The dict a ``TrainingMonitor`` wrote: epoch, train_loss, val_loss, seconds, batch_loss, status, ..."""
    with open(path) as f:
        return json.load(f)


def _live_plot(title: str, logy: bool) -> _live.LiveFigure:
    fig = _live.new_figure(title, "epoch", "loss", width=540, height=290, y_log=logy)
    sources = {
        "batches": _live.line_series(fig, "train (batches)", _plots.color(0), width=1.0, alpha=0.35),
        "train": _live.line_series(fig, "train", _plots.color(0)),
        "val": _live.line_series(fig, "validation", _plots.color(1)),
    }
    fig.legend.location = "top_right"
    return _live.LiveFigure(fig, sources)


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


class TrainingMonitor:
    """A ``fit`` callback that shows training live and writes the history to ``path`` (JSON).

    path:       where the history goes (default: a fresh file in the temp folder; see ``self.path``)
    interval:   seconds between redraws / writes (default 0.25: at most 4 per second)
    logy:       log-scale loss axis (only for positive losses)
    max_points: batch losses are averaged down to at most this many points on the plot
    """

    def __init__(self, path=None, *, title: str = "training", interval: float = 0.25, logy: bool = False,
                 max_points: int = 400):
        import ipywidgets as W

        if path is None:
            fd, path = tempfile.mkstemp(prefix="latticelab-history-", suffix=".json")
            os.close(fd)
        self.path, self.title, self.max_points = os.fspath(path), title, max_points
        self.rate_limit = RateLimit(interval)
        self._post = _live.UiPoster()
        self.history = {"epoch": [], "train_loss": [], "val_loss": [], "seconds": []}
        self.batch_loss: list = []
        self.epochs, self.n_batches, self.status_text = 0, None, "waiting"
        self._start, self._epoch, self._batch = time.perf_counter(), 0, 0
        self.plot = _live_plot(title, logy)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="training", bar_style="info")
        self.label = W.HTML("waiting for fit(..., callbacks=[monitor])")
        self.widget = W.VBox([W.HBox([self.progress, self.label]), self.plot.widget])
        self._write()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # -- data assembly (no widgets) ----------------------------------------------------------
    def plot_data(self) -> dict:
        """What the plot shows, per curve {x, y}: downsampled batch losses, epoch train and val losses (x in epochs)."""
        epochs, val = self.history["epoch"], self.history["val_loss"]
        per_epoch = self.n_batches or (len(self.batch_loss) / len(epochs) if epochs else max(1, len(self.batch_loss)))
        x, y = bucket_means(self.batch_loss, self.max_points)
        return {"batches": {"x": ((x + 1) / per_epoch).tolist(), "y": y.tolist()},
                "train": {"x": list(epochs), "y": list(self.history["train_loss"])},
                "val": {"x": list(epochs[: len(val)]), "y": list(val)}}

    def progress_state(self) -> tuple[int, int, str]:
        """(value, max, text) of the progress bar and status line."""
        nb, E = self.n_batches, max(self.epochs, 1)
        total = E * nb if nb else E
        done = self._epoch * nb + self._batch if nb else self._epoch
        elapsed = time.perf_counter() - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else float("nan")
        parts = [f"epoch {min(self._epoch + 1, E)}/{E}"]
        if nb and self.status_text == "running":
            parts.append(f"batch {self._batch}/{nb}")
        if self.batch_loss:
            parts.append(f"loss {self.batch_loss[-1]:.4g}")
        if self.history["val_loss"]:
            parts.append(f"val {self.history['val_loss'][-1]:.4g}")
        parts += [f"{rate:.1f} {'batches' if nb else 'epochs'}/s", f"{_clock(elapsed)} elapsed",
                  f"ETA {_clock(eta)}" if self.status_text == "running" else self.status_text]
        return done, total, " · ".join(parts)

    def _write(self):
        write_history(self.path, self.history, batch_loss=self.batch_loss, status=self.status_text,
                      epochs=self.epochs, n_batches=self.n_batches, title=self.title)

    # -- UI ------------------------------------------------------------------------------------
    def _refresh(self, final: bool = False):
        value, total, text = self.progress_state()
        self.progress.max, self.progress.value, self.label.value = max(total, 1), value, text
        if final:
            failed = self.status_text.startswith("failed")
            self.progress.bar_style = "success" if self.status_text == "done" else "danger" if failed else "warning"
        self.plot.update(**self.plot_data())
        if final:
            self.plot.sync()

    def _update(self, force: bool = False):
        if self.rate_limit(force):
            self._write()
            self._post(self._refresh, force)

    # -- fit callbacks ---------------------------------------------------------------------------
    def on_train_begin(self, info: dict):
        self.history = {"epoch": [], "train_loss": [], "val_loss": [], "seconds": []}
        self.batch_loss, self.status_text = [], "running"
        self.epochs, self.n_batches = int(info.get("epochs", 0)), info.get("n_batches")
        self._start, self._epoch, self._batch = time.perf_counter(), 0, 0
        self._post(self._reset_bar)
        self._update(force=True)

    def _reset_bar(self):
        self.progress.bar_style = "info"

    def on_batch_end(self, epoch: int, batch: int, n_batches, loss: float):
        self.batch_loss.append(float(loss))
        self._epoch, self._batch = epoch, batch + 1
        self._update()

    def on_epoch_end(self, epoch: int, history: dict):
        self.history = {k: list(v) for k, v in history.items()}
        self._epoch, self._batch = epoch + 1, 0
        self._update()

    def on_train_error(self, exc: BaseException):
        self.status_text = f"failed: {type(exc).__name__}: {exc}"

    def on_train_end(self, history: dict):
        self.history = {k: list(v) for k, v in history.items()}
        done = len(self.history["epoch"]) >= self.epochs
        if not self.status_text.startswith("failed"):
            self.status_text = "done" if done else "stopped early"
        self._epoch, self._batch = len(self.history["epoch"]), 0
        self._update(force=True)
