"""The apps in headless Chromium under Voila: pages render without Python errors, the live lattice runs,
the temperature slider steers the simulation, pause stops it, and a background sweep keeps the page live."""
import shutil
import time
from pathlib import Path

import nbformat

from latticelab.widgets import _harness
from latticelab.widgets._harness import PAGE_ERRORS

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
VIEWER = ".ll-viewer"
# Text each notebook prints once its last science check ran (pages render progressively)
DONE = {"index.ipynb": "setup checked", "viewer_demo.ipynb": "exact (Kaufman, L =",
        "ising_playground.ipynb": "the network switches at T", "rbm_flow.ipynb": "rbm_flow: the flows ran to T =",
        "rg_vs_autoencoder.ipynb": "rg_autoencoder: all checks passed",
        "watch_and_learn.ipynb": "watch and learn: science checks passed",
        "equivariant_cnn.ipynb": "equivariance app: all checks ran"}


def python_errors(page) -> list:
    """Tracebacks / Voila error notes and stderr outputs that mention an error, and viewer error lines."""
    text = page.inner_text("body")
    found = [e for e in PAGE_ERRORS if e in text]
    stderr = page.eval_on_selector_all('[data-mime-type="application/vnd.jupyter.stderr"]', "es => es.map(e => e.innerText)")
    found += [s for s in stderr if "Error" in s or "Traceback" in s]
    found += page.eval_on_selector_all('[data-ll="error"]', "es => es.map(e => e.textContent).filter(t => t)")
    return found


def wait_executed(page, done: str, timeout=240_000):
    """Until ``done`` shows on the page or a Python error does (whichever first)."""
    page.wait_for_function(
        "([done, errors]) => { const t = document.body.innerText; return t.includes(done) || errors.some(e => t.includes(e)); }",
        arg=[done, list(PAGE_ERRORS)], timeout=timeout)


def open_app(page, server, notebook):
    page.goto(server.page_url(notebook), wait_until="load", timeout=120_000)
    wait_executed(page, DONE[notebook])
    assert not python_errors(page), python_errors(page)
    assert DONE[notebook] in page.inner_text("body")


def readout(page, name, root=VIEWER) -> float:
    return float(page.eval_on_selector(f'{root} [data-ll="{name}"]', "e => e.dataset.value ?? 'nan'"))


def lattice_pixels(page, root=VIEWER) -> str:
    return page.eval_on_selector(f'{root} [data-ll="lattice"]', "c => c.toDataURL()")


def wait_frames(page, n, root=VIEWER, timeout=30_000):
    page.wait_for_function(
        "([root, n]) => Number(document.querySelector(root + ' [data-ll=\"frames\"]')?.dataset.value) >= n",
        arg=[root, n], timeout=timeout)


def set_slider(page, name, value, root=VIEWER):
    page.eval_on_selector(
        f'{root} [data-ll="{name}"]',
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }", str(value))


def mean_absm(page, seconds=1.0, root=VIEWER) -> float:
    values, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        values.append(readout(page, "absm", root))
        time.sleep(0.1)
    return sum(values) / len(values)


def playing(page, root=VIEWER) -> bool:
    return page.get_attribute(f'{root} [data-ll="play"]', "data-playing") == "true"


def drive_viewer(page):
    """Play it, see the lattice change, cool it (|m| rises), pause it (frozen), step once, resume."""
    wait_frames(page, 1)  # the view drew the frame its hello asked for (widgets render after the page loads)
    if not playing(page):
        page.click(f'{VIEWER} [data-ll="play"]')
    frames = readout(page, "frames")
    wait_frames(page, frames + 3)

    # the lattice changes over time while running
    before, sweeps = lattice_pixels(page), readout(page, "sweeps")
    page.wait_for_timeout(700)
    assert lattice_pixels(page) != before and readout(page, "sweeps") > sweeps
    assert readout(page, "fps") > 0

    # cooling raises |m| (Wolff equilibrates a small lattice within a few frames)
    page.select_option(f'{VIEWER} [data-ll="algorithm"]', "wolff")
    set_slider(page, "T", 4.5)
    page.wait_for_timeout(1000)
    hot = mean_absm(page)
    set_slider(page, "T", 1.3)
    page.wait_for_timeout(1500)
    cold = mean_absm(page)
    assert hot < 0.45 and cold > 0.85, (hot, cold)

    # pause stops it; a single step advances it; play resumes
    page.click(f'{VIEWER} [data-ll="play"]')
    page.wait_for_selector(f'{VIEWER} [data-ll="play"][data-playing="false"]')
    page.wait_for_timeout(400)  # frames already on the wire land
    frozen, sweeps = lattice_pixels(page), readout(page, "sweeps")
    page.wait_for_timeout(1000)
    assert lattice_pixels(page) == frozen and readout(page, "sweeps") == sweeps
    page.click(f'{VIEWER} [data-ll="step"]')
    page.wait_for_function(f"() => Number(document.querySelector('{VIEWER} [data-ll=\"sweeps\"]').dataset.value) > {sweeps}")
    page.click(f'{VIEWER} [data-ll="play"]')
    page.wait_for_timeout(700)
    assert readout(page, "sweeps") > sweeps + 1
    assert not python_errors(page) and not page.js_errors, (python_errors(page), page.js_errors)


def test_index_renders_and_links_to_the_apps(page, server):
    open_app(page, server, "index.ipynb")
    assert "latticelab" in page.inner_text("body")
    links = page.eval_on_selector_all("a[href$='.ipynb']", "as => as.map(a => a.href)")
    for app in ("ising_playground.ipynb", "viewer_demo.ipynb"):
        assert any(h.endswith(app) for h in links), links
    assert all("/voila/render/" in h for h in links), links  # links stay inside the app
    assert not page.js_errors, page.js_errors


def test_viewer_demo_runs_responds_and_pauses(page, server):
    from test_frame_acks import FrameLog

    log = FrameLog(page)
    open_app(page, server, "viewer_demo.ipynb")
    assert playing(page)  # this app starts playing on load
    drive_viewer(page)
    # a single user's page acknowledges every frame it draws (class mode: every other, test_frame_acks.py)
    assert len(log.acks) >= 0.8 * len(log.frames) - 2 and log.frames, (len(log.acks), len(log.frames))
    # Nothing the server sends fails in the page: every extension it lists loads (Voila lists all installed
    # JupyterLab extensions; one made for Lab only throws on every page). Resources outside the server (a
    # CDN font sheet, unreachable offline) are not the server's.
    ours = [text for text, url in page.console_errors if url.startswith(server.url) or server.url in text]
    assert not ours, ours


def test_playground_renders_plots_and_its_viewer_runs(page, server):
    open_app(page, server, "ising_playground.ipynb")
    assert "playground" in page.inner_text("body").lower()
    # bokeh figures drew: 5 of the phase diagram, the training monitor, and the static plots
    page.wait_for_function("() => document.querySelectorAll('.bk-Figure').length >= 12", timeout=30_000)
    drive_viewer(page)

    # "Run sweep" recomputes in a worker thread: the progress reaches done while the viewer keeps running
    sweeps = readout(page, "sweeps")
    page.click("button:has-text('Run sweep')")
    page.wait_for_selector("text=sampling L=", timeout=30_000)
    page.wait_for_function("() => document.body.innerText.includes('samples · done')", timeout=120_000)
    assert readout(page, "sweeps") > sweeps
    assert not python_errors(page) and not page.js_errors, (python_errors(page), page.js_errors)


def test_playground_runs_in_jupyterlab(page, tmp_path):
    """The same notebook in JupyterLab (a copy: Lab autosaves outputs): Run All, then the plots, the
    monitor and the live viewer render there too (jupyter_bokeh and anywidget in Lab's widget manager)."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with _harness.lab_server(notebooks, preset="smoke") as srv:
        page.goto(srv.url + "lab/tree/ising_playground.ipynb", wait_until="load", timeout=120_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.wait_for_selector(".jp-StatusBar-TextItem:has-text('Idle')", timeout=60_000)  # kernel started
        page.click("li.lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item:has-text('Run All Cells')")
        wait_executed(page, DONE["ising_playground.ipynb"])
        assert not python_errors(page), python_errors(page)
        page.wait_for_function("() => document.querySelectorAll('.bk-Figure').length >= 12", timeout=30_000)
        drive_viewer(page)


def test_a_failing_science_check_is_seen_on_the_page(page, tmp_path):
    """The error check above is not blind: a notebook whose assert fails shows up as a Python error."""
    cells = [nbformat.v4.new_code_cell('print("before")'),
             nbformat.v4.new_code_cell('assert 2 + 2 == 5, "the physics broke"')]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with _harness.voila_server(tmp_path, preset="smoke", show_tracebacks=True) as srv:
        page.goto(srv.page_url("broken.ipynb"), wait_until="load", timeout=120_000)
        wait_executed(page, "never printed", timeout=60_000)
        errors = python_errors(page)
    assert errors and "the physics broke" in page.inner_text("body"), errors


def test_every_app_notebook_is_driven_here():
    """A new notebook in notebooks/ must get its DONE marker (and so a browser check) here."""
    assert set(DONE) == {p.name for p in NOTEBOOKS.glob("*.ipynb")}
