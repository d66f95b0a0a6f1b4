"""Static plots for notebooks and widgets: plain bokeh figures, embedded as ipywidgets.

    fig = figure("title", "T", "|m|")                    a bokeh figure with the house defaults
    errorbars(fig, x, y, err, "label", color(0))          markers with vertical error bars
    curve(fig, x, y, "label", color(1)); mark_x(fig, tc)  a line; a dotted reference line (mark_y too)
    show(fig)                                             the figure (or a bokeh layout) as an ipywidget

``errorbar_plot``, ``line_plot`` and ``snapshots`` build the common cases in one call. ``show`` works in
JupyterLab and Voila alike (jupyter_bokeh; BokehJS loaded by ``_live.load_bokehjs``). Plain bokeh,
not holoviews: importing holoviews (and with it panel) took 2-3 s of every page's first plot.
Live, frequently updated figures are in ``_live``.
"""
from __future__ import annotations

import numpy as np

from ._live import load_bokehjs

# Colour per lattice size / curve (colour-blind safe, Okabe-Ito), then black for exact references.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")
EXACT_COLOR = "black"
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def color(i: int) -> str:
    """The i-th colour of ``PALETTE`` (cycling)."""
    return PALETTE[i % len(PALETTE)]


def palette(name: str) -> tuple:
    """256 (or 10 for 'Category10') colours, low to high, for a colormap name: 'gray' (black to white),
    'Greys' (white to black), 'RdBu_r' (blue to red), 'viridis', 'Category10' (Potts states)."""
    from bokeh import palettes

    table = {"gray": palettes.Greys256, "Greys": tuple(reversed(palettes.Greys256)),
             "RdBu_r": tuple(reversed(palettes.RdBu11)), "viridis": palettes.Viridis256,
             "Category10": palettes.Category10[10]}
    if name not in table:
        raise ValueError(f"unknown colormap {name!r}; choose one of {', '.join(table)}")
    return tuple(table[name])


def figure(title: str = "", xlabel: str = "", ylabel: str = "", *, width: int = 420, height: int = 280,
           logx: bool = False, logy: bool = False, ylim=None, tools: str = TOOLS):
    """A bokeh figure with the house defaults; ``ylim`` (lo, hi) fixes the y range, either end None for automatic."""
    from bokeh.models import DataRange1d, Range1d
    from bokeh.plotting import figure as bokeh_figure

    fig = bokeh_figure(title=title, width=width, height=height, x_axis_label=xlabel, y_axis_label=ylabel,
                       x_axis_type="log" if logx else "linear", y_axis_type="log" if logy else "linear", tools=tools)
    if ylim is not None:
        lo, hi = ylim
        fig.y_range = Range1d(lo, hi) if lo is not None and hi is not None else DataRange1d(
            **{k: v for k, v in (("start", lo), ("end", hi)) if v is not None})
    return fig


def legend(fig, where: str = "top_right"):
    """Place the legend (if the figure has one); clicking an entry hides its series."""
    if fig.legend:
        fig.legend.location = where
        fig.legend.click_policy = "hide"
        fig.legend.background_fill_alpha = 0.6


def errorbars(fig, x, y, err, label: str, color_: str, *, size: int = 5, alpha: float = 1.0):
    """Markers at (x, y) with bars y +- err on ``fig`` (points whose y is not finite are left out)."""
    from bokeh.models import HoverTool

    x, y, err = (np.asarray(a, dtype=np.float64) for a in (x, y, err))
    ok = np.isfinite(y)
    x, y, err = x[ok], y[ok], np.where(np.isfinite(err[ok]), err[ok], 0.0)
    fig.segment(x, y - err, x, y + err, color=color_, alpha=alpha, legend_label=label)
    dots = fig.scatter(x, y, size=size, color=color_, alpha=alpha, legend_label=label)
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[("", label), ("x", "@x{0.000}"), ("y", "@y{0.000}")]))
    return dots


def scatter(fig, x, y, label: str, color_: str, *, size: int = 3, alpha: float = 0.4):
    """Markers only."""
    return fig.scatter(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), size=size, color=color_,
                       alpha=alpha, legend_label=label)


def curve(fig, x, y, label: str = None, color_: str = "black", *, width: int = 2, dash: str = "solid"):
    """A line through (x, y); ``label`` None keeps it out of the legend."""
    kw = {} if label is None else {"legend_label": str(label)}
    return fig.line(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), color=color_, line_width=width,
                    line_dash=dash, **kw)


def mark_x(fig, x: float, dash: str = "dotted", color_: str = "gray"):
    from bokeh.models import Span

    fig.add_layout(Span(location=float(x), dimension="height", line_color=color_, line_dash=dash))


def mark_y(fig, y: float, dash: str = "dotted", color_: str = "gray"):
    from bokeh.models import Span

    fig.add_layout(Span(location=float(y), dimension="width", line_color=color_, line_dash=dash))


def band(fig, lo: float, hi: float, color_: str = "lightgray", alpha: float = 0.5):
    """A shaded vertical band lo <= x <= hi (e.g. the observed range)."""
    from bokeh.models import BoxAnnotation

    fig.add_layout(BoxAnnotation(left=float(lo), right=float(hi), fill_color=color_, fill_alpha=alpha, level="underlay"))


def image(fig, values, *, cmap: str = "gray", clim=None, colorbar: bool = False):
    """A matrix (rows, cols) drawn with row 0 at the top, one unit per entry; ``clim`` (lo, hi) or the data's range."""
    from bokeh.models import ColorBar, LinearColorMapper

    m = np.asarray(values, dtype=np.float64)
    rows, cols = m.shape
    lo, hi = clim if clim is not None else (float(np.nanmin(m)), float(np.nanmax(m)))
    if cmap == "Category10":
        lo, hi = -0.5, 9.5  # one colour per Potts state 0..9
    mapper = LinearColorMapper(palette=palette(cmap), low=lo, high=hi if hi > lo else lo + 1.0)
    renderer = fig.image(image=[m[::-1]], x=0, y=0, dw=cols, dh=rows, color_mapper=mapper)
    fig.x_range.range_padding = fig.y_range.range_padding = 0
    if colorbar:
        fig.add_layout(ColorBar(color_mapper=mapper, width=10), "right")
    return renderer


def show(obj):
    """A bokeh figure or layout as an ipywidget (``jupyter_bokeh.BokehModel``): renders in Lab and Voila."""
    from jupyter_bokeh import BokehModel

    load_bokehjs()
    return BokehModel(obj)


def errorbar_plot(x, series: dict, xlabel: str, ylabel: str, *, title: str = "", vline=None, hline=None,
                  logy=False, logx=False, ylim=None, width: int = 420, height: int = 280):
    """Markers with error bars for several series on one plot, as an ipywidget.

    series: ``{label: Stats}`` (or ``{label: (mean, error)}``), each of shape (len(x),); ``vline``
    marks one x (e.g. Tc), ``hline`` one y (e.g. a published value); ``ylim`` (lo, hi), either None for
    automatic. For notebooks comparing a few curves, e.g. Potts q = 2, 3, 4.
    """
    fig = figure(title, xlabel, ylabel, width=width, height=height, logx=logx, logy=logy, ylim=ylim)
    for i, (label, st) in enumerate(series.items()):
        mean, err = (st.mean, st.error) if hasattr(st, "mean") else st
        errorbars(fig, x, mean, err, str(label), color(i))
    if vline is not None:
        mark_x(fig, vline)
    if hline is not None:
        mark_y(fig, hline, dash="dashed")
    legend(fig)
    return show(fig)


def line_plot(x, series: dict, xlabel: str, ylabel: str, *, title: str = "", vline=None, hline=None,
              width: int = 420, height: int = 280):
    """Several curves ``{label: y (len(x),)}`` on one plot (x may also be given per series as
    ``{label: (x, y)}``), as an ipywidget; ``vline``/``hline`` draw dotted reference lines."""
    fig = figure(title, xlabel, ylabel, width=width, height=height)
    for i, (label, y) in enumerate(series.items()):
        xs, ys = y if isinstance(y, tuple) else (x, y)
        curve(fig, xs, ys, str(label), color(i))
    if vline is not None:
        mark_x(fig, vline)
    if hline is not None:
        mark_y(fig, hline)
    legend(fig)
    return show(fig)


def lattice_row(lattices, titles, *, size: int = 180, cmap: str = None, clim=None):
    """Lattices of any shapes (rows, cols) side by side, one small axis-free figure each: a bokeh ``row``."""
    from bokeh.layouts import row

    figs = []
    for x, title in zip(lattices, titles):
        x = np.asarray(x, dtype=np.float64)
        rows, cols = x.shape
        fig = figure(str(title), width=int(size * cols / max(rows, cols)) + 10,
                     height=int(size * rows / max(rows, cols)) + 30, tools="")
        fig.axis.visible = False
        fig.grid.visible = False
        fig.toolbar_location = None
        image(fig, x, cmap=cmap or "gray", clim=clim)
        figs.append(fig)
    return row(*figs)


def snapshots(configs, titles, size: int = 180):
    """Lattice configurations int8 (k, L, L) side by side as images (Potts states get distinct colours)."""
    configs = np.asarray(configs)
    spins = configs.min() < 0
    return show(lattice_row(configs, titles, size=size, cmap="gray" if spins else "Category10",
                            clim=(-1.0, 1.0) if spins else None))
