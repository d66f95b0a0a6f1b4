"""How long a paper app's page takes to render completely in headless Chromium under Voila, cold and warm.

    python benchmarks/app_load.py [--apps rbm_flow rg_vs_autoencoder watch_and_learn] [--preset laptop] [--warm-only] [--cache DIR]

Cold: empty dataset and model caches (a fresh temporary folder): the page samples and trains everything.
Warm: the same page opened again on those caches, in a new kernel: every stage whose result does not
change between openings loads from the caches (the Monte Carlo included). The time is from navigation
to the notebook's last line ("... checks passed") on the page, and the time Voila took to execute the
notebook (the end of its HTML response). The goal (issues "Watch and learn", "RBM flows and RG vs autoencoders"): warm <= 10 s on 2 cores.
``--warm-only --cache DIR`` times a warm page on caches made before (e.g. by a cold run).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from latticelab.widgets import _harness

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: The last line each app prints when its page has run through (add an app here with its line).
DONE = {"watch_and_learn": "watch and learn: science checks passed",
        "rbm_flow": "rbm_flow: the flows ran to T =",
        "rg_vs_autoencoder": "rg_autoencoder: all checks passed"}


def open_page(browser, url: str, done: str, timeout_s: float) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("(d) => document.body && document.body.innerText.includes(d)", arg=done,
                               timeout=timeout_s * 1000)
        rendered = time.perf_counter() - start
        executed = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd") / 1e3
        return {"rendered_s": rendered, "executed_s": executed}
    finally:
        context.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--apps", nargs="+", default=sorted(DONE), choices=sorted(DONE))
    p.add_argument("--preset", default="laptop")
    p.add_argument("--cache", default=None, help="dataset and model caches to use (default: a new empty folder)")
    p.add_argument("--warm-only", action="store_true", help="skip the cold opening (use with --cache)")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds one opening may take")
    p.add_argument("--quick", action="store_true", help="(latticelab bench) the smoke preset")
    a = p.parse_args(argv)
    if _harness.chromium_path() is None:
        raise SystemExit("needs Chromium (apt-get install chromium) and playwright")
    preset = "smoke" if a.quick else a.preset
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        root = Path(a.cache or tmp)
        env = {"LATTICELAB_CACHE": str(root / "data"), "LATTICELAB_MODELS": str(root / "models")}
        browser = _harness.launch_chromium(pw)
        try:
            with _harness.voila_server(NOTEBOOKS, preset=preset, env=env, timeout=120) as server:
                for app in a.apps:
                    url = server.page_url(f"{app}.ipynb")
                    for kind in (("warm",) if a.warm_only else ("cold", "warm")):
                        load = os.getloadavg()[0]
                        rows.append((app, kind, load, open_page(browser, url, DONE[app], a.timeout)))
        finally:
            browser.close()

    print(f"\nApp pages under Voila ({preset} preset), headless Chromium, {os.cpu_count()} cores; "
          "load: 1-min load average when the page was opened")
    print(f"{'app':<22}{'caches':>8}{'load':>7}{'rendered s':>12}{'executed s':>12}")
    for app, kind, load, r in rows:
        print(f"{app:<22}{kind:>8}{load:>7.2f}{r['rendered_s']:>12.1f}{r['executed_s']:>12.1f}")
    return rows


if __name__ == "__main__":
    main()
