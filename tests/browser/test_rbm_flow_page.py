"""The rbm_flow app in headless Chromium under Voila: the page runs its science checks without errors, and
the flow animator's controls (step, play/pause, start menu) steer the flow shown on the lattice canvas."""
from test_apps import python_errors, wait_executed

NOTEBOOK = "rbm_flow.ipynb"
DONE = "rbm_flow: the flows ran to T ="
FLOW = ".ll-flow"


def value(page, name) -> float:
    return float(page.eval_on_selector(f'{FLOW} [data-ll="{name}"]', "e => e.dataset.value ?? 'nan'"))


def pixels(page) -> str:
    return page.eval_on_selector(f'{FLOW} [data-ll="lattice"]', "c => c.toDataURL()")


def wait_value(page, name, predicate: str, timeout=30_000):
    """Until ``predicate`` (JS, of v) holds for the readout ``name``'s data-value."""
    page.wait_for_function(
        f"() => {{ const e = document.querySelector('{FLOW} [data-ll=\"{name}\"]'); "
        f"if (!e || e.dataset.value === undefined) return false; const v = Number(e.dataset.value); return {predicate}; }}",
        timeout=timeout)


def test_rbm_flow_app_renders_and_its_animator_steps_plays_and_switches_start(page, server):
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=120_000)
    wait_executed(page, DONE)
    assert not python_errors(page), python_errors(page)
    assert DONE in page.inner_text("body")
    wait_value(page, "frames", "v >= 1", timeout=180_000)  # the animator drew the frame its hello asked for

    # one step forward: the flow leaves the all-up start, so the lattice and the reading change
    assert value(page, "flow-step") == 0
    before, reading = pixels(page), value(page, "reading")
    page.click(f'{FLOW} [data-ll="step"]')
    wait_value(page, "flow-step", "v === 1")
    assert pixels(page) != before and value(page, "reading") != reading

    # play runs through the steps; pause freezes them
    page.click(f'{FLOW} [data-ll="play"]')
    wait_value(page, "flow-step", "v >= 4")
    page.click(f'{FLOW} [data-ll="play"]')
    page.wait_for_selector(f'{FLOW} [data-ll="play"][data-playing="false"]')
    page.wait_for_timeout(500)
    frozen = value(page, "flow-step")
    page.wait_for_timeout(1000)
    assert value(page, "flow-step") == frozen

    # the hot (random) start shows another lattice at the same step
    shown = pixels(page)
    page.select_option(f'{FLOW} [data-ll="start"]', "hot")
    page.wait_for_function(f"(old) => document.querySelector('{FLOW} [data-ll=\"lattice\"]').toDataURL() !== old",
                           arg=shown, timeout=15_000)
    assert not python_errors(page) and not page.js_errors, (python_errors(page), page.js_errors)
