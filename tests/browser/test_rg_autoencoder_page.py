"""The rg_autoencoder app in headless Chromium under Voila: the page runs its science checks without errors,
and the flow explorer's main control (Iterate autoencoder) replaces the lattice by its reconstruction and
reads its beta, step by step; Reset goes back to the input lattice."""
from test_apps import python_errors, wait_executed

NOTEBOOK = "rg_vs_autoencoder.ipynb"
DONE = "rg_autoencoder: all checks passed"
EXPLORER = ".ll-flow-explorer"
READOUT = f'{EXPLORER} [data-ll="flow-readout"]'


def step(page) -> int:
    return int(page.get_attribute(READOUT, "data-step"))


def image(page) -> str:
    return page.get_attribute(f"{EXPLORER} img", "src")


def wait_step(page, n: int):
    page.wait_for_function(f"() => document.querySelector('{READOUT}')?.dataset.step === '{n}'", timeout=30_000)


def test_rg_autoencoder_app_renders_and_its_explorer_iterates_the_autoencoder(page, server):
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=120_000)
    wait_executed(page, DONE)
    assert not python_errors(page), python_errors(page)
    assert DONE in page.inner_text("body")
    page.wait_for_selector(READOUT, timeout=180_000)  # widgets render after the page; slow while other kernels run
    page.wait_for_function("() => document.querySelectorAll('.bk-Figure').length >= 8", timeout=180_000)

    first, shown = step(page), image(page)  # the notebook already iterated twice
    assert first == 2
    page.click(f"{EXPLORER} button:has-text('Iterate autoencoder')")
    wait_step(page, first + 1)
    page.wait_for_function(f"(old) => document.querySelector('{EXPLORER} img').src !== old", arg=shown, timeout=15_000)
    assert f"step {first + 1}" in page.inner_text(READOUT)
    assert page.eval_on_selector_all(f"{READOUT} tr", "rs => rs.length") == first + 3  # header + steps 0..first+1

    page.click(f"{EXPLORER} button:has-text('Reset')")
    wait_step(page, 0)
    assert "step 0" in page.inner_text(READOUT)
    assert not python_errors(page) and not page.js_errors, (python_errors(page), page.js_errors)
