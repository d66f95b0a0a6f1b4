"""``PhaseDiagram``: a batched temperature sweep at several L, plotted against the exact curves.

    sweep = PhaseDiagram(ll.Ising(L=16), sizes=(8, 16, 32), T=np.linspace(1.5, 3.3, 25), n_samples=1024)
    sweep              # progress bar + five plots: e, |m|, C, chi, U4 versus T with error bars
    data = sweep.run() # compute here, chunk by chunk (the plots fill in as chunks finish)
    sweep.start()      # or in a worker thread; the kernel stays responsive; the Run button does this

The data (``SweepData``) is plain arrays so notebooks can assert on the physics. For the Ising
ferromagnet the plots overlay Onsager's infinite lattice (black) and Kaufman's exact finite L
(dashed, one per L); every plot marks the exact Tc of Ising and Potts models.
"""
from __future__ import annotations

import threading

import numpy as np

from .. import observables
from ..samplers import sample
from . import _live, _plots
from ._sweep import OBSERVABLES, SweepData, chunks, size_factory
from ._throttle import RateLimit

LABELS = {"energy": "energy per spin", "abs_magnetization": "order parameter |m|", "specific_heat": "specific heat",
          "susceptibility": "susceptibility", "binder": "Binder cumulant"}
SYMBOLS = {"energy": "e", "abs_magnetization": "|m|", "specific_heat": "C", "susceptibility": "χ", "binder": "U₄"}


def _live_plot(data: SweepData, name: str, legend: bool) -> _live.LiveFigure:
    """One observable versus T: an error-bar series per L, exact curves (dashed: finite L), Tc."""
    fig = _live.new_figure(LABELS[name], "T", SYMBOLS[name])
    sources = {}
    for i, L in enumerate(data.sizes):
        exact_L = data.exact.get(name, {}).get(L)
        if exact_L is not None:
            _live.line_series(fig, None, _plots.color(i), dash="dashed", width=1.5, alpha=0.7, x=data.exact_T, y=exact_L)
        sources[f"L{L}"] = _live.errorbar_series(fig, f"L={L}", _plots.color(i))
    onsager = data.exact.get(name, {}).get(None)
    if onsager is not None:
        ok = np.isfinite(onsager)
        _live.line_series(fig, "exact L=∞", _plots.EXACT_COLOR, x=data.exact_T[ok], y=onsager[ok])
    if data.tc is not None:
        _live.vertical_line(fig, data.tc)
    fig.legend.location = "bottom_right" if name == "energy" else "top_right"
    fig.legend.visible = legend
    return _live.LiveFigure(fig, sources)


def _columns(data: SweepData, name: str) -> dict:
    return {f"L{L}": _live.errorbar_columns(data.T, data.mean[name][i], data.error[name][i])
            for i, L in enumerate(data.sizes)}


class PhaseDiagram:
    """A temperature sweep of ``system`` at each L of ``sizes``, shown live; ``data`` holds the results.

    system:    a lattice system; its L is replaced by each of ``sizes`` (an EdwardsAnderson template
               draws new couplings per L from its seed), or a callable ``L -> system``
    T:         temperatures float (n_T,); n_samples: per temperature and L (see ``ll.sample``)
    t_batch:   temperatures per chunk (default: about a third of them); one chunk is one batched
               ``ll.sample`` call and one step of the progress bar
    sample_kw: passed on to ``ll.sample`` (algorithm, backend, device, burn_in, thin, n_chains, ...)
    """

    def __init__(self, system, sizes=None, T=None, n_samples: int = 1024, *, t_batch=None, seed: int = 0,
                 exact_points: int = 200, **sample_kw):
        import ipywidgets as W

        self._make = size_factory(system)
        if not sizes and not hasattr(system, "L"):
            raise ValueError("give sizes=(L, ...) when system is a callable L -> system")
        template = self._make(sizes[0] if sizes else system.L)
        sizes = tuple(sizes) if sizes else (template.L,)
        T = np.linspace(1.5, 3.3, 19) if T is None else np.asarray(T, dtype=np.float64)
        self.data = SweepData.empty(template, sizes, T, exact_points)
        self.n_samples, self.seed, self.sample_kw = n_samples, seed, sample_kw
        self.t_batch = t_batch or max(1, -(-len(T) // 3))
        self._thread, self._stop, self._lock = None, threading.Event(), threading.Lock()
        self._post, self._redraw_pending, self._chain = _live.UiPoster(direct=True), False, 0
        self.redraw_limit = RateLimit(1.0)  # at most one redraw per second while running
        self.plots = {name: _live_plot(self.data, name, name == "energy") for name in OBSERVABLES}
        self.progress = W.IntProgress(value=0, min=0, max=self.n_chunks, description="sweep", bar_style="info")
        self.status = W.HTML(self._describe())
        self.run_button = W.Button(description="Run sweep", icon="play", tooltip="recompute in the background")
        self.stop_button = W.Button(description="Stop", icon="stop", disabled=True)
        # a click while a sweep runs (a stale view, or a crafted message to the disabled button) is ignored
        self.run_button.on_click(lambda _: None if self.running else self.start())
        self.stop_button.on_click(lambda _: self.stop())
        grid = W.GridBox([p.widget for p in self.plots.values()],
                         layout=W.Layout(grid_template_columns="repeat(auto-fill, minmax(380px, 1fr))"))
        controls = W.HBox([self.run_button, self.stop_button, self.progress, self.status])
        self.widget = W.VBox([controls, grid])

    # -- display ---------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _describe(self, text: str = "") -> str:
        name = type(self.data.template).__name__
        sizes = ", ".join(str(L) for L in self.data.sizes)
        return f"<span>{name}, L = {sizes}, {len(self.data.T)} temperatures × {self.n_samples} samples {text}</span>"

    @property
    def n_chunks(self) -> int:
        return len(self.data.sizes) * -(-len(self.data.T) // self.t_batch)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- computing -------------------------------------------------------------------------
    def _compute(self, i_L: int, idx: np.ndarray) -> dict:
        """Sample one chunk: size index i_L, temperature indices idx. Returns {name: Stats (len(idx),)}."""
        L = self.data.sizes[i_L]
        seed = int(np.random.SeedSequence([self.seed, i_L, int(idx[0])]).generate_state(1)[0])
        s = sample(self._make(L), self.data.T[idx], self.n_samples, seed=seed, **self.sample_kw)
        stats = {name: getattr(observables, name)(s) for name in OBSERVABLES}
        stats["tau"] = s.tau
        return stats

    def _work(self, post):
        """Compute every chunk, handing each result to the UI through ``post(fn, *args)``."""
        try:
            for k, (i_L, idx) in enumerate(chunks(len(self.data.sizes), len(self.data.T), self.t_batch)):
                if self._stop.is_set():
                    post(self._finish, "stopped")
                    return
                post(self._announce, k, i_L, idx)
                stats = self._compute(i_L, idx)
                with self._lock:
                    self.data.record(i_L, idx, stats)
                post(self._show, k)
            post(self._finish, "done")
        except Exception as err:  # shown in the widget; re-raised by run()
            post(self._finish, f"failed: {type(err).__name__}: {err}")
            raise

    def _announce(self, k, i_L, idx):
        T = self.data.T[idx]
        L = self.data.sizes[i_L]
        self.status.value = self._describe(f"· sampling L={L}, T={T[0]:.3g}…{T[-1]:.3g} ({k + 1}/{self.n_chunks})")

    def _show(self, k):
        self.progress.value = k + 1
        if not self._redraw_pending:  # requests coalesce into one redraw, when redraw_limit lets it through
            self._redraw_pending = True
            self._post.later(self.redraw_limit.wait(), self._redraw, self._chain)

    def _redraw(self, chain, sync: bool = False):
        self._redraw_pending = False
        if chain != self._chain:
            return
        self.redraw_limit.mark()
        with self._lock:
            for name, plot in self.plots.items():
                plot.update(**_columns(self.data, name))
                if sync:
                    plot.sync()

    def _finish(self, how: str):
        self.run_button.disabled, self.stop_button.disabled = False, True
        self.progress.bar_style = {"done": "success", "stopped": "warning"}.get(how, "danger")
        self.status.value = self._describe(f"· {how}")
        self._chain += 1  # drop a pending redraw; draw now and sync the full state for late views
        self._redraw(self._chain, sync=True)

    def _begin(self):
        if self.running:
            raise RuntimeError("a sweep is already running; stop() it or wait() for it first")
        self._stop.clear()
        self.data.clear()
        self.progress.value, self.progress.max, self.progress.bar_style = 0, self.n_chunks, "info"
        self.run_button.disabled, self.stop_button.disabled = True, False

    def run(self) -> SweepData:
        """Compute the whole sweep in this thread, updating the widget after each chunk; returns ``data``."""
        self._begin()
        self._post = _live.UiPoster(direct=True)
        self._work(self._post)
        return self.data

    def start(self):
        """Compute in a worker thread; widget updates run on the kernel's event loop (never blocking it).

        Outside a running event loop (a plain script) updates happen in the worker. Returns the thread.
        """
        self._begin()
        self._post = _live.UiPoster()
        self._thread = threading.Thread(target=self._work, args=(self._post,), name="PhaseDiagram", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self):
        """Ask a background sweep to stop after its current chunk."""
        self._stop.set()

    def wait(self, timeout=None) -> SweepData:
        """Block until a background sweep has finished (for scripts and tests); returns ``data``."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.data


__all__ = ["LABELS", "PhaseDiagram", "SYMBOLS", "SweepData"]
