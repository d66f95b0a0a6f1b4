"""The equivariance app under Voila in headless Chromium: it renders with its last check done and no errors;
its worm probe samples on demand (n ~ 0 at small mu, n > 0.5 above the onset), and its live worm view runs
while the page stays live, follows the mu slider and stops on demand."""
from test_apps import python_errors, wait_executed

DONE = "equivariance app: all checks ran"

PROBE = ".ll-worm-probe"
LIVE = ".ll-worm-live"


def density(page) -> float:
    return float(page.eval_on_selector(f'{PROBE} [data-ll="density"]', "e => e.dataset.value"))


def live_value(page, name: str) -> float:
    return float(page.eval_on_selector(f'{LIVE} [data-ll="{name}"]', "e => e.dataset.value"))


def set_live_mu(page, mu: float):
    """Type into the mu slider's readout (what a reader can do too) and confirm with Enter."""
    readout = page.locator(f"{LIVE} .widget-readout").first
    readout.click()
    readout.fill(str(mu))
    readout.press("Enter")
    page.wait_for_function(f"document.querySelector('{LIVE}').innerText.includes('at mu = {mu}')", timeout=30_000)


def drive_live_view(page):
    """Run the chain (sweeps go up), raise mu above the onset (n > 0.5 within a few frames), stop it (frozen)."""
    page.wait_for_selector(f'{LIVE} [data-ll="sweeps"]', timeout=180_000)
    page.locator(f"{LIVE} button", has_text="run").click()
    page.wait_for_function(f"Number(document.querySelector('{LIVE} [data-ll=\"sweeps\"]').dataset.value) > 100",
                           timeout=60_000)
    set_live_mu(page, 1.6)
    page.wait_for_function(f"Number(document.querySelector('{LIVE} [data-ll=\"sweeps\"]').dataset.value) > 60 && "
                           f"Number(document.querySelector('{LIVE} [data-ll=\"density\"]').dataset.value) > 0.5",
                           timeout=60_000)
    page.locator(f"{LIVE} button", has_text="run").click()
    page.wait_for_timeout(1000)
    stopped = live_value(page, "sweeps")
    page.wait_for_timeout(1500)
    assert live_value(page, "sweeps") == stopped


def sample_at(page, mu: float) -> float:
    box = page.locator(f"{PROBE} input").first  # the mu box
    before = page.inner_text(PROBE)
    box.fill(str(mu))
    box.press("Enter")
    page.click(f"{PROBE} button")
    page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText !== old && "
                           f"document.querySelector(sel).innerText.includes('mu = {mu}')", arg=[PROBE, before],
                           timeout=60_000)
    return density(page)



def test_equivariance_app_renders_and_the_probe_follows_mu(server, page):
    page.goto(server.page_url("equivariant_cnn.ipynb"), wait_until="load", timeout=120_000)
    wait_executed(page, DONE, timeout=300_000)
    assert DONE in page.inner_text("body") and not python_errors(page), python_errors(page)
    page.wait_for_selector(f'{PROBE} [data-ll="density"]', timeout=180_000)
    assert abs(density(page)) < 0.02  # mu = 0 at start
    assert sample_at(page, 1.6) > 0.5
    assert abs(sample_at(page, 0.3)) < 0.02
    drive_live_view(page)
    assert not python_errors(page) and not page.js_errors, (python_errors(page), page.js_errors)
