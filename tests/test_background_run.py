"""BackgroundRun: a long job behind a button, without a browser (the DCL page drives it in Chromium)."""
import threading

import ipywidgets as W
import pytest

from latticelab.widgets import BackgroundRun


def controls():
    return {"system": W.Dropdown(options=("ising", "potts"), value="ising"), "hidden": W.IntText(value=16)}


def test_the_job_gets_the_controls_values_and_its_result_is_shown():
    seen = []

    def work(report, system, hidden):
        seen.append((system, hidden))
        for k in range(1, 4):
            report(k, 3, f"stage {k}")
        return f"<b>{system}</b> with {hidden}"

    c = controls()
    panel = BackgroundRun(work, c, button="Re-run", css_class="my-controls")
    c["system"].value, c["hidden"].value = "potts", 32
    assert panel.run() == "<b>potts</b> with 32" and seen == [("potts", 32)]
    assert "system potts, hidden 32: done in" in panel.status.value
    assert panel.shown.children[0].value == "<b>potts</b> with 32"  # the default view: the result as HTML
    assert panel.progress.value == panel.progress.max == 3 and panel.progress.bar_style == "success"
    assert not panel.button.disabled and not any(w.disabled for w in c.values())
    assert panel.button.description == "Re-run" and "my-controls" in panel.widget._dom_classes


def test_a_failing_job_says_why_and_gives_the_controls_back():
    def work(report, system, hidden):
        report(1, 8, "observed")
        raise OSError("No space left on device <cache>")

    panel = BackgroundRun(work, controls())
    panel.start()
    assert panel.wait(timeout=30) is None
    assert isinstance(panel.error, OSError)
    assert "failed" in panel.status.value and "OSError: No space left on device &lt;cache&gt;" in panel.status.value
    assert "running" not in panel.status.value and panel.progress.bar_style == "danger"
    assert not panel.button.disabled and not panel.running
    with pytest.raises(OSError, match="No space"):
        panel.run()


def test_while_a_job_runs_the_controls_are_locked_and_a_second_click_starts_nothing():
    go, calls = threading.Event(), []

    def work(report, system, hidden):
        calls.append(system)
        report(0, 2, "waiting")
        go.wait(30)
        return "ok"

    c = controls()
    panel = BackgroundRun(work, c, title=lambda v: f"the {v['system']} run")
    panel.start()
    try:
        assert panel.running and panel.button.disabled and all(w.disabled for w in c.values())
        assert panel.status.value.startswith("running the ising run")
        panel.button.click()  # a stale view's click: ignored
        with pytest.raises(RuntimeError, match="already running"):
            panel.start()
    finally:
        go.set()
    assert panel.wait(timeout=30) == "ok" and calls == ["ising"]
    assert not panel.button.disabled and "done" in panel.status.value and panel.shown.children[0].value == "ok"


def test_work_must_be_callable():
    with pytest.raises(TypeError, match=r"work\(report, \*\*values\)"):
        BackgroundRun("not a function", controls())


def test_show_builds_the_view_of_the_result_on_the_kernels_thread():
    """``show`` turns the job's result into a widget (a plot, a table) once the job is done; a new job clears
    the last view, and a view that fails is a failed job."""
    made_on = []

    def show(result):
        made_on.append(threading.get_ident())
        if result == "bad":
            raise ValueError("cannot plot this")
        return W.VBox([W.HTML(f"result {result}")])

    outcome = {"value": 41}
    panel = BackgroundRun(lambda report, system, hidden: outcome["value"], controls(), show=show)
    panel.start()
    assert panel.wait(timeout=30) == 41
    view = panel.shown.children[0]
    assert isinstance(view, W.VBox) and view.children[0].value == "result 41"

    outcome["value"] = "bad"
    panel.start()
    assert panel.wait(timeout=30) is None and isinstance(panel.error, ValueError)
    assert panel.shown.children == () and "ValueError: cannot plot this" in panel.status.value
    assert not panel.button.disabled and len(made_on) == 2
