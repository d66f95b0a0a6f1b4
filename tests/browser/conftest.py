"""Real-browser tests: Voila serves notebooks/ (smoke preset) and headless Chromium drives the pages.

They never skip: without Playwright or a Chromium executable they fail and say how to install them
(``python3 run.py test`` installs Debian's ``chromium`` when run as root).
"""
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from latticelab.widgets import _harness

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(scope="module")
def server():
    """One Voila server for the browser tests, always stopped at their end (kernels included).

    Module scope, like ``browser``: Playwright's sync API keeps an asyncio loop running in this thread
    while it is open, which the widget tests after these must not see."""
    with _harness.voila_server(NOTEBOOKS, preset="smoke", show_tracebacks=True) as srv:
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


@pytest.fixture
def page(browser, request):
    """A fresh page; uncaught JavaScript exceptions are collected in ``page.js_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script(_harness.PAGE_TRACE)
    pg = context.new_page()
    pg.js_errors, console = [], []
    pg.console_errors = []  # (text, url of the script or resource it came from)
    pg.on("pageerror", lambda exc: pg.js_errors.append(str(exc)))

    def on_console(m):
        if m.type == "error":
            console.append(f"{m.type}: {m.text[:400]}")
            pg.console_errors.append((m.text[:400], (m.location or {}).get("url", "")))

    pg.on("console", on_console)
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        # shown by pytest only when the test failed: what the page's console said went wrong
        print("page console errors:", *console[-30:], sep="\n  ")
        try:
            print("page widget trace:", *pg.evaluate("window.latticelabTrace || []"), sep="\n  ")
        except Exception as exc:  # a closed or crashed page has no trace to give
            print("page widget trace: unavailable:", exc)
        if "server" in request.fixturenames:
            print("server log, last lines:", *request.getfixturevalue("server").log().splitlines()[-25:], sep="\n  ")
        context.close()
