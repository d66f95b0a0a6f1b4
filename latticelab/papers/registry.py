"""The paper apps, found by module: each ``latticelab/papers/<name>.py`` (or package) that defines

    TITLE = "Watch and learn"                 # the card's heading
    CARD = "one paragraph for the index page"
    NOTEBOOK = "watch_and_learn.ipynb"        # its app, in notebooks/
    Config                                    # a PresetConfig subclass
    def reproduce(config, *, progress=True, **options) -> Results
    def add_arguments(parser)                 # optional: extra ``latticelab reproduce <name>`` options

is an app: ``latticelab reproduce <name>`` runs it and the index page shows its card. A new paper
touches no shared file.

Finding the apps and drawing their cards reads each module's source (its top-level names, and TITLE,
CARD and NOTEBOOK where they are plain strings) instead of importing it: a paper module imports torch
and its models, and the index page's kernel should not pay for that (~150 MB). ``load`` imports one.
"""
from __future__ import annotations

import ast
import html
import importlib
import importlib.util
import pkgutil
from pathlib import Path

REQUIRED = ("TITLE", "CARD", "NOTEBOOK", "Config", "reproduce")
_SKIP = {"registry", "results"}
_CARD = ("TITLE", "CARD", "NOTEBOOK")


def _top_level(name: str) -> dict | None:
    """{name bound at the top level of ``latticelab.papers.<name>``'s source: its value where it is a literal,
    else None}, without importing the module; None where the source cannot be read or parsed."""
    spec = importlib.util.find_spec(f"{__package__}.{name}")
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    bound = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[node.name] = None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in node.names):
                return None  # star imports: only importing tells what is bound
            bound.update({(a.asname or a.name).split(".")[0]: None for a in node.names})
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                value = None
            bound.update({t.id: value for t in targets if isinstance(t, ast.Name)})
    return bound


def _is_app(name: str) -> bool:
    bound = _top_level(name)
    if bound is None:
        return all(hasattr(load(name), attr) for attr in REQUIRED)
    return all(attr in bound for attr in REQUIRED)


def card(name: str) -> dict:
    """{'TITLE', 'CARD', 'NOTEBOOK'} of paper ``name``: read from its source where they are plain strings
    (the module is not imported), else from the imported module."""
    bound = _top_level(name) or {}
    if all(isinstance(bound.get(attr), str) for attr in _CARD):
        return {attr: bound[attr] for attr in _CARD}
    module = load(name)
    return {attr: getattr(module, attr) for attr in _CARD}


def names() -> list:
    """The paper apps' names (module names under latticelab.papers), sorted."""
    from . import __path__ as here

    found = []
    for info in pkgutil.iter_modules(here):
        if info.name.startswith("_") or info.name in _SKIP:
            continue
        if _is_app(info.name):
            found.append(info.name)
    return sorted(found)


def load(name: str):
    """The module ``latticelab.papers.<name>``."""
    if not isinstance(name, str) or not name.isidentifier() or name in _SKIP:
        raise ValueError(f"unknown paper {name!r}")
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"{__package__}.{name}":
            raise ValueError(f"unknown paper {name!r}; available: {', '.join(names()) or 'none yet'}") from None
        raise


def cards_html() -> str:
    """One HTML card per paper app, linking to its notebook (relative: stays inside Lab or Voila)."""
    style = "border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 16px; margin: 8px 0; max-width: 640px;"
    cards = []
    for name in names():
        m = card(name)
        cards.append(
            f'<div style="{style}"><h3 style="margin-top: 0;"><a href="{html.escape(m["NOTEBOOK"])}">'
            f'{html.escape(m["TITLE"])}</a></h3>{html.escape(m["CARD"])}</div>'
        )
    return "\n".join(cards)
