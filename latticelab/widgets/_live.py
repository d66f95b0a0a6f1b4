"""Live plots: bokeh figures in ipywidgets that update by replacing their data, cheaply.

Checked under Voila 0.5 and headless Chromium (see the PR notes):

- ``jupyter_bokeh.BokehModel`` is an ipywidget, so a figure sits in any ipywidgets layout and renders
  the same way in JupyterLab and Voila. Its view needs BokehJS on the page: ``load_bokehjs()``
  displays core BokehJS inline once per kernel (~1.3 MB; no CDN, works offline). ``hv.extension``
  and bokeh's ``output_notebook`` are avoided: they bundle every bokeh extension imported so far
  (panel's) or load from the CDN, and either breaks the page under Voila.
- A ``LiveFigure`` is a plain bokeh figure whose ``ColumnDataSource``s get new data; all changes of
  one ``update`` go out as ONE document patch (3 comm messages, arrays inline). Axes auto-range in
  the browser. Redrawing through holoviews instead cost ~0.1-1 s of kernel CPU per plot, and the
  stock BokehModel sent ~80 messages per redraw.
- Patches sent before a browser view exists are lost (Voila executes the cells before the page
  connects), so ``sync()`` re-sends the whole figure as widget state: call it when a run ends.
"""
from __future__ import annotations

import contextlib
import functools
import threading

_STATE = {"bokehjs": False}


def load_bokehjs(force: bool = False) -> bool:
    """Display BokehJS (inline) in the current output once per kernel; True if it displayed it now.

    Widgets call this from their constructors; a notebook never needs to. Outside IPython it does nothing.
    """
    if _STATE["bokehjs"] and not force:
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    if get_ipython() is None:
        return False
    # bokeh's own load_notebook() bundles every bokeh extension imported so far (panel's, once
    # holoviews is imported), and that bundle fails to load under Voila; these plots need only core BokehJS.
    from bokeh.embed.bundle import Bundle
    from bokeh.io.notebook import JS_MIME_TYPE, LOAD_MIME_TYPE, _loading_js, publish_display_data
    from bokeh.resources import Resources

    core = Resources(mode="inline", components=["bokeh"])
    bundle = Bundle(js_raw=list(core.js_raw), css_raw=list(core.css_raw))
    publish_display_data({JS_MIME_TYPE: _loading_js(bundle, None, register_mime=True),
                          LOAD_MIME_TYPE: _loading_js(bundle, None, register_mime=False)})
    _STATE["bokehjs"] = True
    return True


class UiPoster:
    """Runs UI updates on the kernel's thread: ``post(fn, *args)``.

    Built on the kernel's thread (in a cell or a widget callback), it remembers the running asyncio
    loop (``direct=True``: none, for code that runs to completion in a cell). Called from that thread, or when there was no loop (a plain script), it calls ``fn`` at
    once; from a worker thread it schedules ``fn`` on the loop, so widget and plot state is only ever
    touched by one thread and the worker never blocks the kernel's message loop.
    """

    def __init__(self, direct: bool = False):
        import asyncio

        try:
            self.loop = None if direct else asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None
        self.thread = threading.get_ident()

    def __call__(self, fn, *args):
        if self.loop is None or threading.get_ident() == self.thread or self.loop.is_closed():
            fn(*args)
        else:
            self.loop.call_soon_threadsafe(fn, *args)

    def later(self, delay: float, fn, *args):
        """Run ``fn`` on the loop after ``delay`` seconds (at once when direct or without a loop)."""
        if self.loop is None or self.loop.is_closed():
            fn(*args)
        elif delay <= 0:
            self.loop.call_soon_threadsafe(fn, *args)
        else:
            self.loop.call_soon_threadsafe(self.loop.call_later, delay, fn, *args)


@functools.lru_cache(maxsize=None)
def batched_model_class():
    """``jupyter_bokeh.BokehModel`` that can send many document changes as one patch.

    Stock BokehModel sends every change as its own PATCH-DOC (3 comm messages + 2 per array), ~80
    messages for one redraw of a plot with a dozen glyphs, a real risk for Jupyter's iopub rate
    limit. Inside ``batch()`` changes are collected and sent as one PATCH-DOC with arrays inline
    (3 messages).
    """
    from bokeh.core.serialization import Serializer
    from bokeh.protocol.messages.patch_doc import PatchJson, patch_doc
    from jupyter_bokeh import BokehModel

    class BatchedBokehModel(BokehModel):
        _held = None

        def _document_patched(self, event):
            if self._held is not None and event.setter is not self:
                self._held.append(event)
            else:
                super()._document_patched(event)

        def _send_events(self, events):
            doc = events[0].document
            serializer = Serializer(references=doc.models.synced_references, deferred=False)
            content = PatchJson(events=serializer.encode(events))
            doc.models.flush_synced(lambda model: not serializer.has_ref(model))
            msg = patch_doc(patch_doc.create_header(), {}, content)
            for part in (msg.header_json, msg.metadata_json, msg.content_json):
                self.send({"msg": "patch", "payload": part})

        @contextlib.contextmanager
        def batch(self):
            self._held = []
            try:
                yield
            finally:
                events, self._held = self._held, None
                if events:
                    self._send_events(events)

    return BatchedBokehModel


def new_figure(title: str, xlabel: str, ylabel: str, *, width: int = 380, height: int = 270, y_log: bool = False):
    """A bokeh figure in the widgets' style (auto-ranging axes, legend hidden until labelled glyphs exist)."""
    from bokeh.plotting import figure

    fig = figure(title=title, width=width, height=height, x_axis_label=xlabel, y_axis_label=ylabel,
                 y_axis_type="log" if y_log else "linear", tools="pan,wheel_zoom,box_zoom,reset,save,hover",
                 toolbar_location="right")
    fig.title.text_font_size = "11pt"
    return fig


def errorbar_series(fig, label: str, color: str):
    """Markers with error bars on ``fig``; returns their source (columns x, y, lo, hi), initially empty."""
    from bokeh.models import ColumnDataSource, Whisker

    source = ColumnDataSource({"x": [], "y": [], "lo": [], "hi": []})
    fig.scatter("x", "y", source=source, color=color, size=6, legend_label=label)
    fig.add_layout(Whisker(source=source, base="x", upper="hi", lower="lo", line_color=color,
                           upper_head=None, lower_head=None))
    return source


def errorbar_columns(x, y, err) -> dict:
    """Source columns for ``errorbar_series``, leaving out points not computed yet (NaN)."""
    import numpy as np

    x, y, err = (np.asarray(a, dtype=np.float64) for a in (x, y, err))
    ok = np.isfinite(y)
    e = np.where(np.isfinite(err), err, 0.0)[ok]
    return {"x": x[ok].tolist(), "y": y[ok].tolist(), "lo": (y[ok] - e).tolist(), "hi": (y[ok] + e).tolist()}


def line_series(fig, label: str | None, color: str, *, dash: str = "solid", width: float = 2.0, alpha: float = 1.0,
                x=(), y=()):
    """A line on ``fig``; returns its source (columns x, y)."""
    from bokeh.models import ColumnDataSource

    source = ColumnDataSource({"x": list(x), "y": list(y)})
    kw = {"legend_label": label} if label else {}
    fig.line("x", "y", source=source, color=color, line_dash=dash, line_width=width, alpha=alpha, **kw)
    return source


def vertical_line(fig, x: float):
    """A dotted vertical marker (e.g. Tc)."""
    from bokeh.models import Span

    fig.add_layout(Span(location=float(x), dimension="height", line_color="gray", line_dash="dotted"))


class LiveFigure:
    """A bokeh figure as an ipywidget (``widget``) whose named sources are replaced by ``update``.

    ``update(name=columns, ...)`` sends one document patch; ``sync()`` pushes the full state for
    views that connect later. Call both from the kernel's thread (see ``UiPoster``).
    """

    def __init__(self, figure, sources: dict):
        load_bokehjs()
        self.figure, self.sources = figure, dict(sources)
        self.widget = batched_model_class()(figure)
        self.updates = 0

    def update(self, **columns):
        with self.widget.batch():
            for name, data in columns.items():
                self.sources[name].data = data
        self.updates += 1

    def sync(self):
        self.widget.update_from_model(self.figure)
