"""The pages that need no torch do not import it (issue 12: memory per page kernel).

Each notebook's code cells run in a fresh IPython shell in a subprocess, as a kernel runs them (display
hooks included); then the child reports which heavy packages it loaded. torch alone is ~150 MB of a kernel;
the landing page used to load it through the paper registry (the paper modules import torch to read their
card). holoviews/bokeh/panel are not needed by these pages either.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LIGHT_PAGES = ("index.ipynb", "viewer_demo.ipynb")
HEAVY = ("torch", "holoviews", "bokeh", "panel", "latticelab.nn", "latticelab.papers.dcl",
         "latticelab.papers.rbm_flow", "latticelab.papers.rg_autoencoder", "latticelab.papers.equivariance")

CHILD = r"""
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
heavy, report = json.loads(sys.argv[1]), {}
for path in sys.argv[2:]:
    html = []
    for cell in json.load(open(path))["cells"]:
        if cell["cell_type"] != "code":
            continue
        r = shell.run_cell("".join(cell["source"]))
        if not r.success:
            raise SystemExit(f"a cell of {path} failed: {r.error_before_exec or r.error_in_exec!r}")
        if isinstance(getattr(r.result, "data", None), str):
            html.append(r.result.data)
    report[path] = {"loaded": [m for m in heavy if m in sys.modules], "html": html}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def reports():
    """{notebook: what had been loaded once it ran}. One process runs the pages one after the other, as one
    kernel would (cheaper than a process each); a page is charged only with what appeared during its run."""
    env = dict(os.environ, LATTICELAB_PRESET="smoke")
    paths = [str(NOTEBOOKS / nb) for nb in LIGHT_PAGES]
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(HEAVY), *paths], env=env, capture_output=True,
                          text=True, cwd=NOTEBOOKS, timeout=300)
    assert proc.returncode == 0, f"the pages did not run: {proc.stderr[-2000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    out, before = {}, set()
    for nb, path in zip(LIGHT_PAGES, paths):
        loaded = report[path]["loaded"]
        out[nb] = {"loaded": [m for m in loaded if m not in before], "html": report[path]["html"]}
        before |= set(loaded)
    return out


@pytest.mark.parametrize("notebook", LIGHT_PAGES)
def test_a_light_page_loads_no_torch(reports, notebook):
    loaded = reports[notebook]["loaded"]
    assert loaded == [], (f"running {notebook} imported {loaded}; make the import lazy "
                          f"(find it with: python -X importtime -c 'import ...' 2>&1 | grep -B30 torch)")


def test_the_landing_page_still_shows_every_paper_card(reports):
    from latticelab.papers import registry

    html = "".join(reports["index.ipynb"]["html"])
    for name in registry.names():
        card = registry.card(name)
        assert f'href="{card["NOTEBOOK"]}"' in html and (NOTEBOOKS / card["NOTEBOOK"]).exists(), name
    assert len(registry.names()) >= 4


def test_cards_read_from_source_match_the_modules():
    """The static read is only a shortcut: what it finds is what importing the module gives."""
    from latticelab.papers import registry

    for name in registry.names():
        module = registry.load(name)
        assert registry.card(name) == {k: getattr(module, k) for k in ("TITLE", "CARD", "NOTEBOOK")}, name
