"""Static plots for notebooks and widgets: holoviews elements drawn by bokeh, embedded as ipywidgets.

``show(hv_object)`` works in JupyterLab and Voila alike (jupyter_bokeh; BokehJS loaded by
``_live.load_bokehjs``). Live, frequently updated figures are in ``_live`` (plain bokeh, cheaper).
"""
from __future__ import annotations

import functools

from ._live import load_bokehjs

# Colour per lattice size / curve (colour-blind safe, Okabe-Ito), then black for exact references.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")
EXACT_COLOR = "black"


@functools.lru_cache(maxsize=None)
def hv():
    """holoviews with the bokeh backend active (imported on first use; no notebook JS is displayed)."""
    import holoviews
    import holoviews.plotting.bokeh  # noqa: F401  (registers the backend)

    holoviews.Store.set_current_backend("bokeh")
    return holoviews


def color(i: int) -> str:
    """The i-th colour of ``PALETTE`` (cycling)."""
    return PALETTE[i % len(PALETTE)]


def show(obj):
    """A static holoviews object as an ipywidget (``jupyter_bokeh.BokehModel``), for notebooks:
    ``show(hv.Curve(...))`` renders in Lab and Voila."""
    from jupyter_bokeh import BokehModel

    load_bokehjs()
    return BokehModel(hv().renderer("bokeh").get_plot(obj).state)


def errorbar_plot(x, series: dict, xlabel: str, ylabel: str, *, title: str = "", vline=None, hline=None,
                  logy=False, logx=False, ylim=None, width: int = 420, height: int = 280):
    """Markers with error bars for several series on one plot, as an ipywidget.

    series: ``{label: Stats}`` (or ``{label: (mean, error)}``), each of shape (len(x),); ``vline``
    marks one x (e.g. Tc), ``hline`` one y (e.g. a published value); ``ylim`` (lo, hi), either None for
    automatic. For notebooks comparing a few curves, e.g. Potts q = 2, 3, 4.
    """
    h = hv()
    parts = []
    for i, (label, st) in enumerate(series.items()):
        mean, err = (st.mean, st.error) if hasattr(st, "mean") else st
        parts.append(errorbar_overlay(x, mean, err, str(label), color(i), kdims=(xlabel,), vdim=ylabel))
    if vline is not None:
        parts.append(h.VLine(vline).opts(color="gray", line_dash="dotted"))
    if hline is not None:
        parts.append(h.HLine(hline).opts(color="gray", line_dash="dashed"))
    extra = {} if ylim is None else {"ylim": tuple(ylim)}
    return show(h.Overlay(parts).opts(title=title, width=width, height=height, logy=logy, logx=logx,
                                      legend_position="top_right", xlabel=xlabel, ylabel=ylabel, **extra))


def line_plot(x, series: dict, xlabel: str, ylabel: str, *, title: str = "", vline=None, hline=None,
              width: int = 420, height: int = 280):
    """Several curves ``{label: y (len(x),)}`` on one plot (x may also be given per series as
    ``{label: (x, y)}``), as an ipywidget; ``vline``/``hline`` draw dotted reference lines."""
    import numpy as np

    h = hv()
    parts = []
    for i, (label, y) in enumerate(series.items()):
        xs, ys = y if isinstance(y, tuple) else (x, y)
        parts.append(h.Curve((np.asarray(xs), np.asarray(ys)), xlabel, ylabel, label=str(label)).opts(
            color=color(i), line_width=2, tools=["hover"]))
    for value, kind in ((vline, h.VLine), (hline, h.HLine)):
        if value is not None:
            parts.append(kind(value).opts(color="gray", line_dash="dotted"))
    return show(h.Overlay(parts).opts(title=title, width=width, height=height,
                                               legend_position="top_right", xlabel=xlabel, ylabel=ylabel))


def snapshots(configs, titles, size: int = 180):
    """Lattice configurations int8 (k, L, L) side by side as images (Potts states get distinct colours)."""
    import numpy as np

    h = hv()
    configs = np.asarray(configs)
    cmap = "gray" if configs.min() < 0 else "Category10"
    images = [h.Image(c[::-1].astype(float), bounds=(0, 0, c.shape[1], c.shape[0])).opts(
        cmap=cmap, title=str(t), width=size, height=size, xaxis=None, yaxis=None, toolbar=None)
        for c, t in zip(configs, titles)]
    return show(h.Layout(images).cols(len(images)))


def errorbar_overlay(x, y, err, label: str, color_: str, kdims=("T",), vdim: str = "y", size: int = 5):
    """Markers with vertical error bars, one colour: a holoviews Overlay (Scatter * ErrorBars)."""
    import numpy as np

    h = hv()
    x, y, err = (np.asarray(a, dtype=np.float64) for a in (x, y, err))
    ok = np.isfinite(y)  # points not computed yet are left out (no all-NaN warnings)
    x, y, err = x[ok], y[ok], np.where(np.isfinite(err[ok]), err[ok], 0.0)
    scatter = h.Scatter((x, y), kdims=list(kdims), vdims=[vdim], label=label).opts(
        color=color_, size=size, tools=["hover"])
    bars = h.ErrorBars((x, y, err), kdims=list(kdims), vdims=[vdim, f"{vdim}_err"]).opts(color=color_)
    return scatter * bars
