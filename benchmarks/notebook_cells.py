"""Where a notebook's time goes: every code cell executed in a fresh kernel, with its wall time.

    python benchmarks/notebook_cells.py notebooks/rbm_flow.ipynb [--preset laptop] [--top 10]

Run it on warm caches (LATTICELAB_CACHE / LATTICELAB_MODELS set as the page's server has them) to see
which cells keep a page from opening in 10 s; ``app_load.py`` measures the page itself in Chromium.
"""
from __future__ import annotations

import argparse
import os
import time

import nbformat
from nbclient import NotebookClient


def cell_times(path: str, preset: str, timeout: float = 600.0) -> tuple:
    """(kernel start-up seconds, [(seconds, cell index, first line)] of the code cells in order)."""
    nb = nbformat.read(path, as_version=4)
    os.environ["LATTICELAB_PRESET"] = preset
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.perf_counter()
    rows = []
    with client.setup_kernel():
        startup = time.perf_counter() - start
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t = time.perf_counter()
            client.execute_cell(cell, i)
            rows.append((time.perf_counter() - t, i, (cell.source.splitlines() or [""])[0][:70]))
    return startup, rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebook")
    p.add_argument("--preset", default="laptop")
    p.add_argument("--top", type=int, default=0, help="list only the slowest N cells (0: all, in order)")
    a = p.parse_args(argv)
    startup, rows = cell_times(a.notebook, a.preset)
    total = sum(r[0] for r in rows)
    shown = sorted(rows, reverse=True)[:a.top] if a.top else rows
    print(f"{a.notebook} ({a.preset}): kernel start {startup:.1f} s, cells {total:.1f} s")
    print(f"{'seconds':>8}  cell  first line")
    for s, i, line in shown:
        print(f"{s:8.2f}  {i:4d}  {line}")


if __name__ == "__main__":
    main()
