"""The Watch-and-learn app in headless Chromium under Voila: the page renders with its science checks
passed, and its main control works: choosing another system and pressing Re-run runs the pipeline in the
background and shows that system's results and plots while the page stays live."""
from latticelab.widgets._harness import PAGE_ERRORS

NOTEBOOK = "watch_and_learn.ipynb"
DONE = "watch and learn: science checks passed"
CONTROLS = ".dcl-controls"


def python_errors(page) -> list:
    text = page.inner_text("body")
    found = [e for e in PAGE_ERRORS if e in text]
    stderr = page.eval_on_selector_all('[data-mime-type="application/vnd.jupyter.stderr"]', "es => es.map(e => e.innerText)")
    return found + [s for s in stderr if "Error" in s or "Traceback" in s]



# As if the kernel were slow to send the widget state (a loaded machine): a 4 s widget-state timer that is
# still 4 s when it reaches the browser fires at once. Without latticelab's page script (js/widget_state_wait.js)
# the widget manager then falls back to per-widget state requests, and this page's controls come up as
# "widget model not found" errors every time; with it, the timer waits long enough and the page renders.
SLOW_KERNEL = """
const _setTimeout = window.setTimeout;
window.setTimeout = function (f, d, ...a) { return _setTimeout.call(window, f, d === 4000 ? 0 : d, ...a); };
"""


def test_watch_and_learn_renders_and_reruns_another_system(page, server):
    page.context.add_init_script(SLOW_KERNEL)
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=120_000)
    page.wait_for_function(
        "([done, errors]) => { const t = document.body.innerText; return t.includes(done) || errors.some(e => t.includes(e)); }",
        arg=[DONE, list(PAGE_ERRORS)], timeout=300_000)
    assert not python_errors(page), python_errors(page)
    text = page.inner_text("body")
    assert DONE in text and "RMSE of E per configuration, every level: GRU" in text
    page.wait_for_function("() => document.querySelectorAll('.bk-Figure').length >= 4", timeout=180_000)

    page.wait_for_selector(f"{CONTROLS} select", timeout=180_000)
    assert page.evaluate("window.latticelabWidgetStateWait.extended") >= 1  # the page script met the real timer
    figures = page.evaluate("() => document.querySelectorAll('.bk-Figure').length")
    page.select_option(f"{CONTROLS} select >> nth=0", label="potts")
    page.click(f"{CONTROLS} button:has-text('Re-run')")
    page.wait_for_selector(f"{CONTROLS} >> text=running potts", timeout=30_000)
    page.wait_for_function(
        "(root) => document.querySelector(root).innerText.includes('done')", arg=CONTROLS, timeout=180_000)
    result = page.inner_text(CONTROLS)
    assert "potts: RMSE of dE over pairs, GRU energy" in result and "potts: C peak T" in result, result
    # and its plots: parity, error windows, e / |m| / C at 8x8 and at the EDNN's size
    page.wait_for_function("(n) => document.querySelectorAll('.bk-Figure').length >= n + 8", arg=figures, timeout=60_000)
    assert not python_errors(page) and not page.js_errors, (python_errors(page), page.js_errors)
