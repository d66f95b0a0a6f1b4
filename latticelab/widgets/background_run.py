"""``BackgroundRun``: controls, a Run button, a progress bar, a status line and the result of one long job.

    def work(report, system, hidden):
        return pipeline(system, hidden, progress=report)   # report(done, total, what) moves the bar

    def show(run):                                          # on the kernel's thread, when the job is done
        return W.VBox([W.HTML(f"score {run.score:.3f}"), plot(run)])   # a widget, or an HTML string

    panel = BackgroundRun(work, {"system": W.Dropdown(...), "hidden": W.IntText(...)}, show=show, button="Re-run")
    panel            # the controls, the button, the bar, the status and (when done) what ``show`` made
    panel.start()    # what the button does: the controls' values now, ``work`` in a worker thread

The kernel stays responsive while the job runs (it runs in a thread; widget updates are handed to the
kernel's event loop). The button and the controls are disabled until it ends, so a second click cannot
start a second job beside the first; a job that raises ends as "failed: <the error>" in the status line
(and the traceback in the kernel's log) instead of leaving the page saying "running" for ever.
"""
from __future__ import annotations

import html
import threading
import time
import traceback

from . import _live


def _default_title(values: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


class BackgroundRun:
    """Runs ``work(report, **values)`` in a worker thread when the button is pressed.

    work:     callable(report, **values) -> result; ``values`` are the controls' values when the job starts
              (a dict name -> value, in the order of ``controls``); ``report(done, total, what)`` moves the
              progress bar and names the stage
    controls: dict name -> ipywidget with a ``value`` (shown left to right; disabled while a job runs)
    show:     callable(result) -> an ipywidget or an HTML string, shown below the status when the job is
              done; it runs on the kernel's thread, so it may build widgets and plots (default: the result
              itself, as HTML)
    title:    callable(values) -> str, what the status line says is running (default "name value, ...")
    """

    def __init__(self, work, controls: dict, *, show=None, button: str = "Run", title=None, css_class: str = ""):
        import ipywidgets as W

        if not callable(work):
            raise TypeError(f"work must be a callable work(report, **values) -> result, got {work!r}")
        self.work, self.controls, self.title, self.show = work, dict(controls), title or _default_title, show or str
        self._thread, self._post, self.result, self.error = None, _live.UiPoster(direct=True), None, None
        self._title, self._t0 = "", 0.0  # what runs and since when (set as a job starts)
        self.button = W.Button(description=button, button_style="primary", icon="play",
                               tooltip="run with these settings in the background")
        # a click while a job runs (a stale view, or a message to the disabled button) is ignored
        self.button.on_click(lambda _: None if self.running else self.start())
        self.progress = W.IntProgress(value=0, min=0, max=1, description="", bar_style="info",
                                      layout=W.Layout(width="240px", visibility="hidden"))
        self.status, self.shown = W.HTML(""), W.VBox([])
        rows = [W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.button, self.progress]), self.status, self.shown]
        self.widget = W.VBox(rows, _dom_classes=[css_class] if css_class else [])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def values(self) -> dict:
        """The controls' current values, name -> value."""
        return {name: w.value for name, w in self.controls.items()}

    # -- on the kernel's thread ------------------------------------------------------------
    def _begin(self) -> dict:
        if self.running:
            raise RuntimeError("a job is already running; wait() for it first")
        values = self.values()
        self.result = self.error = None
        self.shown.children = []
        self._title = html.escape(self.title(values))
        self._t0 = time.perf_counter()
        for w in (self.button, *self.controls.values()):
            w.disabled = True
        self.progress.value, self.progress.max, self.progress.bar_style = 0, 1, "info"
        self.progress.layout.visibility = "visible"
        self.status.value = f"running {self._title} ..."
        return values

    def _report(self, done: int, total: int, what: str):
        self.progress.max = max(1, int(total))
        self.progress.value = min(int(done), self.progress.max)
        self.status.value = f"running {self._title} ... {html.escape(str(what))} ({int(done)}/{int(total)})"

    def _finish(self, result, error):
        import ipywidgets as W

        for w in (self.button, *self.controls.values()):
            w.disabled = False
        seconds = time.perf_counter() - self._t0
        if error is None:
            try:
                view = self.show(result)
                self.shown.children = [view if isinstance(view, W.Widget) else W.HTML(str(view))]
            except Exception as err:  # a failing view is a failed job: say so, keep the result
                traceback.print_exc()
                self.error = error = err
        if error is None:
            self.progress.value, self.progress.bar_style = self.progress.max, "success"
            self.status.value = f"{self._title}: done in {seconds:.0f} s"
        else:
            self.progress.bar_style = "danger"
            self.status.value = (f"<b>failed</b> after {seconds:.0f} s: {html.escape(type(error).__name__)}: "
                                 f"{html.escape(str(error))}")

    # -- the job ---------------------------------------------------------------------------
    def _work(self, values: dict):
        post = self._post
        try:
            result = self.work(lambda done, total, what="": post(self._report, done, total, what), **values)
        except Exception as err:  # shown in the status line; the traceback goes to the kernel's log
            traceback.print_exc()
            self.error = err
            post(self._finish, None, err)
            return
        self.result = result
        post(self._finish, result, None)

    def run(self):
        """Run the job in this thread with the controls' current values; returns its result, raises its error."""
        values = self._begin()
        self._post = _live.UiPoster(direct=True)
        self._work(values)
        if self.error is not None:
            raise self.error
        return self.result

    def start(self) -> threading.Thread:
        """Run the job in a worker thread (what the button does); returns the thread."""
        values = self._begin()
        self._post = _live.UiPoster()
        self._thread = threading.Thread(target=self._work, args=(values,), name="BackgroundRun", daemon=True)
        self._thread.start()
        return self._thread

    def wait(self, timeout=None):
        """Block until a started job has ended (for scripts and tests); returns its result (None if it failed)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return None if self.error is not None else self.result


__all__ = ["BackgroundRun"]
