"""Kernels of closed pages are freed, in the real browser (issue 12): `latticelab serve --class` over the viewer page.

Reloading, navigating away and closing the tab send Voila's shutdown beacon, which the server must now
accept (it refused every one before: voila#1458), so the old kernel goes at once, well inside the grace.
A browser that is closed or killed sends no beacon: its kernel goes once it has had no websocket for
the grace (4 s here, 60 s by default). A page beyond --max-kernels gets the 'server full' page.
"""
import shutil
import signal
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from latticelab.widgets import _harness
from latticelab.widgets._harness import kernel_state, page_kernel_id, wait_for

NOTEBOOK = "viewer_demo.ipynb"
GRACE = 4
MAX_KERNELS = 2  # the warm one included: one warm page, one cold, then the server is full
FRAMES = '.ll-viewer [data-ll="frames"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("class-notebooks")
    shutil.copy(Path(__file__).resolve().parents[2] / "notebooks" / NOTEBOOK, root)
    with _harness.serve_with(root, "--class", "--pool", "1", "--orphan-grace", str(GRACE),
                             "--max-kernels", str(MAX_KERNELS)) as srv:
        wait_for(lambda: "Kernel pool of viewer_demo.ipynb is filled" in srv.log(), timeout=60)  # seats add up
        yield srv


@pytest.fixture(scope="module")
def playwright():
    if _harness.chromium_path() is None:
        pytest.fail("no Chromium found: install your distribution's 'chromium' package (apt-get install chromium) "
                    "or point LATTICELAB_CHROMIUM at a Chromium/Chrome executable", pytrace=False)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = _harness.launch_chromium(playwright)
    try:
        yield b
    finally:
        b.close()


def open_viewer(page, server) -> str:
    """Open the viewer page until its live lattice sends frames; returns the page's kernel id."""
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=90_000)
    return live_kernel(page, server)


def live_kernel(page, server) -> str:
    """The kernel id of the viewer page in ``page`` once its live lattice sends frames (it is connected)."""
    page.wait_for_function(f"Number(document.querySelector('{FRAMES}')?.dataset.value) >= 1", timeout=90_000)
    kernel_id = page_kernel_id(page)
    assert kernel_state(server, kernel_id)["state"] == "alive"
    return kernel_id


def gone(server, kernel_id):
    state = kernel_state(server, kernel_id)
    return state if state["state"] != "alive" else None


def test_reload_navigation_and_closing_the_tab_free_the_kernel_at_once(server, browser):
    page = browser.new_context().new_page()
    first = open_viewer(page, server)
    assert any(c["name"] == "_xsrf" for c in page.context.cookies()), "the page must get the cookie its beacon sends"

    page.reload(wait_until="load")
    state, seconds = wait_for(lambda: gone(server, first), timeout=GRACE)
    assert state["reason"] == "shutdown" and seconds < GRACE, (state, seconds)  # the beacon, not the collector
    second = live_kernel(page, server)
    assert second != first

    page.goto("about:blank")
    state, seconds = wait_for(lambda: gone(server, second), timeout=GRACE)
    assert state["reason"] == "shutdown", state

    third = open_viewer(page, server)
    page.close(run_before_unload=True)  # what closing a tab does
    state, seconds = wait_for(lambda: gone(server, third), timeout=GRACE)
    assert state["reason"] == "shutdown", state
    assert "_xsrf' argument missing" not in server.log() and "403 POST /voila/api/shutdown" not in server.log()


def test_a_page_whose_browser_connects_late_keeps_its_kernel(server, browser):
    """In the load benchmark (20 pages in one Chromium on 2 cores) browsers took over 60 s after their page
    rendered to open the kernel's websocket, and the collector had freed 4 of 20 kernels by then. A page's
    guard asks about its kernel from the moment the page is parsed, and that counts as the page being there.
    Forced: the app's start is held back for twice the grace, then let go."""
    context = browser.new_context()
    held = []
    context.route("**/anywidget/static/remoteEntry*.js", lambda route: held.append(route))
    page = context.new_page()
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=90_000)
    kernel_id = page_kernel_id(page)
    page.wait_for_timeout(2 * GRACE * 1000)  # Playwright keeps handling the page's requests meanwhile
    assert held, "the app's script was asked for and held back"
    assert kernel_state(server, kernel_id)["state"] == "alive", kernel_state(server, kernel_id)
    for route in held:
        route.continue_()
    assert live_kernel(page, server) == kernel_id
    context.close()


def test_a_page_left_before_its_app_started_frees_its_kernel_at_once(server, browser):
    """Voila sets up its shutdown beacon only once its app has started; the load benchmark's students who
    clicked on from the landing page before that left their kernels to the collector (2 of 5, 4 of 10). The
    page guard sends the beacon until Voila's own exists. Forced: the app never starts (a script held back),
    the page is left; its kernel must go by the beacon ("shutdown"), inside the grace, warm or cold."""
    seen = {}  # pre-heated? -> kernel state
    for want_warm in (True, False):  # first a page that gets the warm kernel, then one right after it (cold)
        if want_warm:  # a warm kernel waits in the pool (each refill logs "filled", each hand-out "Using")
            wait_for(lambda: server.log().count("Kernel pool of viewer_demo.ipynb is filled")
                     > server.log().count("Using pre-heated kernel"), timeout=60)
        context = browser.new_context()
        held = []
        context.route("**/anywidget/static/remoteEntry*.js", lambda route: held.append(route))
        page = context.new_page()

        def admitted():  # the last test's kernel may still hold the second seat (freed after the grace)
            page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=90_000)
            return page.query_selector("#latticelab-server-full") is None

        wait_for(admitted, timeout=3 * GRACE, interval=1.0)
        kernel_id = page_kernel_id(page)
        page.wait_for_timeout(500)
        assert held, "the app's script was asked for and held back"
        page.goto("about:blank")
        state, seconds = wait_for(lambda: gone(server, kernel_id), timeout=GRACE)
        assert state["reason"] == "shutdown" and seconds < GRACE, (state, seconds)
        seen[f"Using pre-heated kernel: {kernel_id}" in server.log()] = state
        context.close()
    assert set(seen) == {True, False}, f"want a warm and a cold page: {seen}"


def test_the_kernel_limit_then_killed_and_closed_browsers_free_their_kernels_after_the_grace(server, browser,
                                                                                           playwright):
    closing = _harness.launch_chromium(playwright)
    first = open_viewer(closing.new_page(), server)  # the warm kernel; its refill now waits for two free seats
    with _harness.chromium_process(playwright) as (killed, proc):
        second = open_viewer(killed.contexts[0].new_page(), server)
        pids = _harness.kernel_pids(server)
        assert set(pids) == {first, second}, pids
        environ = Path(f"/proc/{pids[second]}/environ").read_bytes().split(b"\0")
        assert b"OMP_NUM_THREADS=1" in environ and b"NUMBA_NUM_THREADS=1" in environ, "class mode: one thread a kernel"

        late = browser.new_page()
        response = late.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=90_000)
        body = late.inner_text("body")
        assert response.status == 503 and "server is full" in body and "--max-kernels" in body, body
        assert len(_harness.kernel_pids(server)) == MAX_KERNELS
        late.close()

        proc.send_signal(signal.SIGKILL)  # no beacon, no goodbye: the socket just closes
        proc.wait()
        closing.close()  # a browser closed normally: both wait out the grace together
        state, seconds = wait_for(lambda: gone(server, second), timeout=GRACE + 10)
    assert state["reason"] == "orphaned" and seconds >= GRACE - 1, (state, seconds)
    state, _ = wait_for(lambda: gone(server, first), timeout=GRACE + 10)
    assert state["state"] == "gone", state
    wait_for(lambda: not _harness.kernel_pids(server).keys() & {first, second}, timeout=15)
