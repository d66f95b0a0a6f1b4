"""Frames actually drawn per second by the LatticeViewer in headless Chromium under Voila.

    python benchmarks/voila_fps.py [--sizes 128 256 512] [--seconds 6] [--ack-every K]

For each L a fresh page (and kernel) renders a one-cell app (Ising at Tc, Metropolis, one sweep per
frame, playing); after a warm-up the benchmark counts the frames the page drew (its ``frames``
readout) over a window. It also reports the time from navigation start to the first drawn frame,
and to the first frame after a sweep (the chain moving: includes numba's compile in a fresh kernel),
for that page and for the real app page ``notebooks/viewer_demo.ipynb`` (laptop preset), and when
Voila finished executing the notebook (the end of the HTML response: kernel start + cells). Goal on a
2-core machine: >= 30 fps at 256 x 256 and the first frame within 5 s.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat

from latticelab.widgets import _harness

APP = """import os, urllib.parse
from latticelab.widgets import LatticeViewer
query = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))
L, ack = int(query.get("L", ["256"])[0]), query.get("ack_every", [None])[0]
flight = {"max_in_flight": int(query["max_in_flight"][0])} if "max_in_flight" in query else {}
LatticeViewer(model="ising", L=L, T=2.269, algorithm="metropolis", sweeps_per_frame=1, playing=True,
              ack_every=None if ack is None else int(ack), **flight)"""
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def write_app(folder: Path) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(APP)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "bench.ipynb")
    return "bench.ipynb"


def root_attr(page, name):
    value = page.get_attribute(".ll-viewer", name)
    return float(value) if value not in (None, "null", "undefined") else float("nan")


def frames(page) -> int:
    return int(page.get_attribute('.ll-viewer [data-ll="frames"]', "data-value") or 0)


def measure(browser, url, warmup, seconds):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => document.querySelector('.ll-viewer')?.dataset.firstFrameMs", timeout=120_000)
        first = root_attr(page, "data-first-frame-ms") / 1e3
        page.wait_for_function("() => document.querySelector('.ll-viewer')?.dataset.firstStepMs", timeout=120_000)
        moving = root_attr(page, "data-first-step-ms") / 1e3
        executed = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd") / 1e3
        time.sleep(warmup)
        f0, s0, d0, t0 = frames(page), root_attr(page, "data-sent"), root_attr(page, "data-dropped"), time.perf_counter()
        time.sleep(seconds)
        f1, s1, d1, t1 = frames(page), root_attr(page, "data-sent"), root_attr(page, "data-dropped"), time.perf_counter()
        dt = t1 - t0
        return {"executed_s": executed, "first_s": first, "moving_s": moving, "fps": (f1 - f0) / dt,
                "sent": (s1 - s0) / dt, "dropped": (d1 - d0) / dt, "latency_ms": root_attr(page, "data-latency-ms"),
                "sweep_ms": root_attr(page, "data-sweep-ms")}
    finally:
        context.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    p.add_argument("--seconds", type=float, default=6.0, help="measurement window per size")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--ack-every", type=int, default=None, metavar="K",
                   help="the bench page's viewer asks for an ack every K frames (default: the viewer's own, 1 "
                        "for a single user; class mode asks for 2); the viewer_demo row keeps its own")
    p.add_argument("--max-in-flight", type=int, default=None, metavar="W",
                   help="the bench page's viewer keeps at most W frames unacknowledged (default: the viewer's own)")
    a = p.parse_args(argv)
    if _harness.chromium_path() is None:
        raise SystemExit("needs Chromium (apt-get install chromium) and playwright")
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        app = write_app(Path(tmp))
        browser = _harness.launch_chromium(pw)
        try:
            with _harness.voila_server(tmp, preset="laptop") as server:
                for L in a.sizes:
                    query = f"L={L}" + ("" if a.ack_every is None else f"&ack_every={a.ack_every}") + (
                        "" if a.max_in_flight is None else f"&max_in_flight={a.max_in_flight}")
                    rows.append((f"bench L={L}", measure(browser, server.page_url(app, query), a.warmup, a.seconds)))
            if (NOTEBOOKS / "viewer_demo.ipynb").exists():
                with _harness.voila_server(NOTEBOOKS, preset="laptop") as server:
                    rows.append(("viewer_demo (laptop, L=128)",
                                 measure(browser, server.page_url("viewer_demo.ipynb"), a.warmup, a.seconds)))
        finally:
            browser.close()

    print(f"\nLatticeViewer under Voila, headless Chromium ({a.seconds:g} s windows after {a.warmup:g} s warm-up; "
          f"ack every {a.ack_every or 'default'} frames, at most {a.max_in_flight or 'default'} in flight)")
    cols = [("executed s", "executed_s", ".2f"), ("first frame s", "first_s", ".2f"), ("moving s", "moving_s", ".2f"),
            ("drawn fps", "fps", ".1f"), ("sent/s", "sent", ".1f"), ("dropped/s", "dropped", ".1f"),
            ("ack ms", "latency_ms", ".1f"), ("sweep ms", "sweep_ms", ".2f")]
    print(f"{'page':<28}" + "".join(f"{title:>14}" for title, _, _ in cols))
    for name, r in rows:
        print(f"{name:<28}" + "".join(f"{r[key]:>14{fmt}}" for _, key, fmt in cols))
    return rows


if __name__ == "__main__":
    main()
