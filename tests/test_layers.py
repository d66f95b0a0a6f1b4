"""The layers of ../shared/DESIGN.md hold: a module never imports a higher layer (also lazily, inside a
function), only private kernel modules import numba, and only the widget layer imports the UI libraries."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "latticelab"

# Lowest first. stats, _validate, _atomic, backend, lattice and presets import nothing of the package
# above them (stats is the leaf that samplers' pilot run and observables share).
LEVEL = {
    "_validate": 0, "_atomic": 0, "_version": 0, "backend": 0, "lattice": 0, "presets": 0, "stats": 0,
    "systems": 1,
    "samplers": 2,
    "observables": 3,
    "exact": 4,
    "data": 5,
    "nn": 6,
    "papers": 7, "playground": 7,
    "widgets": 8,
    "cli": 9, "__init__": 9, "__main__": 9,
}
UI_LIBRARIES = {"ipywidgets", "anywidget", "holoviews", "bokeh", "jupyter_bokeh", "panel", "param", "voila", "traitlets"}


def modules():
    return sorted(p for p in ROOT.rglob("*.py"))


def part(path: pathlib.Path) -> str:
    """The top-level part of the package a file belongs to: 'samplers', 'systems', 'cli', ..."""
    rel = path.relative_to(ROOT).parts
    return rel[0] if len(rel) > 1 else path.stem


def imports(path: pathlib.Path):
    """(absolute module name, line) of every import in the file, relative ones resolved."""
    pkg = ["latticelab", *path.relative_to(ROOT).parts[:-1]]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = pkg[: len(pkg) - node.level + 1] if node.level else []
            mod = ".".join([*base, node.module] if node.module else base)
            if node.module is None:  # from . import a, b
                yield from ((f"{mod}.{a.name}", node.lineno) for a in node.names)
            else:
                yield mod, node.lineno


def target_part(module: str):
    names = module.split(".")
    if names[0] != "latticelab":
        return None
    return names[1] if len(names) > 1 else "__init__"


def test_every_module_has_a_layer():
    assert {part(p) for p in modules()} <= set(LEVEL), {part(p) for p in modules()} - set(LEVEL)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_higher_layer(path):
    mine = LEVEL[part(path)]
    bad = [(m, line) for m, line in imports(path)
           if target_part(m) is not None and LEVEL.get(target_part(m), 99) > mine]
    assert not bad, f"{path.relative_to(ROOT)} (layer {mine}) imports higher layers: {bad}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_numba_only_in_private_kernels_and_ui_only_in_widgets(path):
    for module, line in imports(path):
        top = module.split(".")[0]
        if top == "numba":
            assert path.name.startswith("_") and part(path) == "samplers", f"{path}:{line} imports numba"
        if top in UI_LIBRARIES:
            assert part(path) == "widgets", f"{path}:{line} imports {top}"


def test_the_check_sees_a_violation(tmp_path):
    """The import walker resolves relative imports, lazy ones included (what the layer test relies on)."""
    fake = ROOT / "systems" / "_probe_for_layers.py"
    try:
        fake.write_text("def f():\n    from ..samplers import Chain\n    from .. import widgets\n")
        found = {target_part(m) for m, _ in imports(fake)}
    finally:
        fake.unlink()
    assert found == {"samplers", "widgets"}
