"""The paper apps, found by module: each ``latticelab/papers/<name>.py`` (or package) that defines

    TITLE = "Watch and learn"                 # the card's heading
    CARD = "one paragraph for the index page"
    NOTEBOOK = "watch_and_learn.ipynb"        # its app, in notebooks/
    Config                                    # a PresetConfig subclass
    def reproduce(config, *, progress=True, **options) -> Results
    def add_arguments(parser)                 # optional: extra ``latticelab reproduce <name>`` options

is an app: ``latticelab reproduce <name>`` runs it and the index page shows its card. A new paper
touches no shared file.
"""
from __future__ import annotations

import html
import importlib
import pkgutil

REQUIRED = ("TITLE", "CARD", "NOTEBOOK", "Config", "reproduce")
_SKIP = {"registry", "results"}


def names() -> list:
    """The paper apps' names (module names under latticelab.papers), sorted."""
    from . import __path__ as here

    found = []
    for info in pkgutil.iter_modules(here):
        if info.name.startswith("_") or info.name in _SKIP:
            continue
        if all(hasattr(load(info.name), attr) for attr in REQUIRED):
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
        m = load(name)
        cards.append(
            f'<div style="{style}"><h3 style="margin-top: 0;"><a href="{html.escape(m.NOTEBOOK)}">'
            f"{html.escape(m.TITLE)}</a></h3>{html.escape(m.CARD)}</div>"
        )
    return "\n".join(cards)
