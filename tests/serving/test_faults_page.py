"""Faults in the real browser (issue 12): a page's kernel killed with SIGKILL, and the server restarted.

Either way the page's widgets stop answering; the page guard must say what happened on top of the page,
and a reload must bring a working page back (a new kernel, live frames again). Class mode with one warm
kernel, as an instructor runs it (tests/browser cover plain ``latticelab serve``).
"""
import os
import shutil
import signal
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from latticelab.widgets import _harness
from latticelab.widgets._harness import kernel_state, page_kernel_id, wait_for

NOTEBOOK = "viewer_demo.ipynb"
FRAMES = '.ll-viewer [data-ll="frames"]'
BANNER = "#latticelab-kernel-banner"
OPTIONS = ("--class", "--pool", "1", "--orphan-grace", "30")


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    root = tmp_path_factory.mktemp("fault-notebooks")
    shutil.copy(Path(__file__).resolve().parents[2] / "notebooks" / NOTEBOOK, root)
    return root


@pytest.fixture(scope="module")
def server(notebooks):
    with _harness.serve_with(notebooks, *OPTIONS) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    if _harness.chromium_path() is None:
        pytest.fail("no Chromium found: install your distribution's 'chromium' package (apt-get install chromium) "
                    "or point LATTICELAB_CHROMIUM at a Chromium/Chrome executable", pytrace=False)
    with sync_playwright() as p:
        b = _harness.launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def page(browser):
    """One page for the module: the restart test goes on with the page the kill test reloaded."""
    pg = browser.new_page()
    yield pg
    pg.close(run_before_unload=True)


def live_kernel(page, frames: int = 1) -> str:
    """The page's kernel id once its live lattice has sent ``frames`` frames."""
    page.wait_for_function(f"Number(document.querySelector('{FRAMES}')?.dataset.value) >= {frames}",
                           timeout=90_000)
    return page_kernel_id(page)


# Keeps every (state, text) the banner shows in window.bannerLog, so a test need not watch it in real time.
RECORD_BANNERS = """() => {
  window.bannerLog = [];
  new MutationObserver(() => {
    const box = document.getElementById("latticelab-kernel-banner");
    const last = window.bannerLog[window.bannerLog.length - 1];
    if (box && (!last || last[0] !== box.dataset.state)) window.bannerLog.push([box.dataset.state, box.innerText]);
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def banner(page, state: str, timeout_ms: int = 20_000) -> str:
    page.wait_for_selector(f"{BANNER}[data-state='{state}']", timeout=timeout_ms)
    return page.inner_text(BANNER)


def test_a_killed_kernel_is_reported_on_its_page_and_a_reload_recovers(server, page):
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=90_000)
    kernel_id = live_kernel(page)
    assert page.query_selector(BANNER) is None
    os.kill(_harness.kernel_pids(server)[kernel_id], signal.SIGKILL)
    text = banner(page, "gone")
    assert "stopped unexpectedly" in text and "Reload" in text, text
    assert kernel_state(server, kernel_id)["reason"] == "died"
    assert kernel_id not in _harness.kernel_pids(server)

    with page.expect_navigation(wait_until="load", timeout=90_000):
        page.click(f"{BANNER} button")  # the banner's Reload
    fresh = live_kernel(page, frames=3)
    assert fresh != kernel_id and kernel_state(server, fresh)["state"] == "alive"
    assert page.query_selector(BANNER) is None


def test_a_restarted_server_is_reported_and_a_reload_recovers(server, notebooks, page):
    if not page.url.startswith(server.url):  # the first test leaves a live page; alone, this one opens it
        page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=90_000)
    kernel_id = live_kernel(page)
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])

    page.evaluate(RECORD_BANNERS)
    server.process.send_signal(signal.SIGTERM)  # the server stops (its kernels with it) ...
    server.process.wait(timeout=30)
    with _harness.serve_with(notebooks, *OPTIONS, port=port) as again:  # ... and comes back (in >= 3 s)
        text = banner(page, "unknown", timeout_ms=30_000)
        assert "server was restarted" in text, text
        said = page.evaluate("window.bannerLog")
        assert said[0][0] == "offline" and "Lost contact with the server" in said[0][1], said  # while it was down
        page.reload(wait_until="load", timeout=90_000)
        fresh = live_kernel(page, frames=3)
        assert fresh != kernel_id and kernel_state(again, fresh)["state"] == "alive"
        assert page.query_selector(BANNER) is None
