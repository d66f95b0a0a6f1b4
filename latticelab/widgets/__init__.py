"""latticelab.widgets: live Jupyter components and the Voila app server.

The only layer that imports ipywidgets, anywidget or bokeh. Names load on
first use, so ``import latticelab.widgets`` stays cheap (and works without the ``app`` extra
until a widget is actually touched).

    from latticelab.widgets import LatticeViewer
    LatticeViewer(model="ising", L=128)

The app server is the submodule ``latticelab.widgets.serve`` (function ``serve.serve``; also
``python -m latticelab.widgets.serve``); it is not re-exported here, so the name stays the module.

To add a component, append one ``_export("Name", ".module")`` line at the end of this file. A new
live lattice view (its own controls around the shared lattice canvas) subclasses
``LatticeCanvasWidget``; see ``latticelab/widgets/_canvas.py``.

Importing this package changes no process state (``os.environ`` included); a live chain sets what
it needs when it starts (``_runner.prefer_sleeping_threads``).
"""
import importlib

__all__ = []
_LAZY = {}


def _export(name: str, module: str):
    _LAZY[name] = module
    __all__.append(name)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


_export("LatticeViewer", ".lattice_viewer")
_export("LatticeCanvasWidget", "._canvas")
_export("PhaseDiagram", ".phase_diagram")
_export("TrainingMonitor", ".training_monitor")
_export("LiveFigure", "._live")
_export("show", "._plots")
_export("errorbar_plot", "._plots")
_export("line_plot", "._plots")
_export("snapshots", "._plots")
_export("read_history", ".training_monitor")
_export("FlowAnimator", ".flow_animator")
_export("FlowExplorer", ".reconstruction_view")
_export("heatmap", ".reconstruction_view")
_export("gallery", ".reconstruction_view")

_export("BackgroundRun", ".background_run")
