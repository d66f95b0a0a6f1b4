"""``Results``: what ``reproduce(config)`` returns, printed as a table and written as ``results.json``.

    {"paper", "preset", "seconds", "device", "notes", "rows": [{"quantity", "ours", "ours_err", "paper", "reference"}]}

``ours`` is what this run measured (``ours_err`` its error bar, where it has one), ``paper`` the
published number and ``reference`` an exact or independent value (e.g. Onsager); ``None`` where a
column does not apply. A number that differs from the paper's is reported as measured.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from .._atomic import write_atomic


def _number(x, name: str):
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)) and not hasattr(x, "__float__"):
        raise TypeError(f"{name} must be a number or None, got {x!r}")
    x = float(x)
    return None if math.isnan(x) else x


@dataclasses.dataclass(frozen=True)
class Row:
    """One quantity: this run's value (with its error), the paper's, and a reference value."""

    quantity: str
    ours: float = None
    ours_err: float = None
    paper: float = None
    reference: float = None

    def __post_init__(self):
        if not isinstance(self.quantity, str) or not self.quantity:
            raise ValueError(f"a row needs a quantity name, got {self.quantity!r}")
        for name in ("ours", "ours_err", "paper", "reference"):
            object.__setattr__(self, name, _number(getattr(self, name), name))


@dataclasses.dataclass(frozen=True)
class Results:
    """A reproduction's outcome: ``rows`` (Row, ...), how long it took and where it ran."""

    paper: str
    preset: str
    seconds: float
    device: str
    rows: tuple
    notes: str = ""

    def __post_init__(self):
        object.__setattr__(self, "rows", tuple(self.rows))
        if not all(isinstance(r, Row) for r in self.rows):
            raise TypeError("rows must be latticelab.papers.results.Row instances")

    def row(self, quantity: str) -> Row:
        """The row called ``quantity`` (KeyError naming the available ones otherwise)."""
        for r in self.rows:
            if r.quantity == quantity:
                return r
        raise KeyError(f"no row {quantity!r}; rows are {[r.quantity for r in self.rows]}")

    def to_json(self) -> dict:
        return {
            "paper": self.paper, "preset": self.preset, "seconds": round(float(self.seconds), 3),
            "device": self.device, "notes": self.notes, "rows": [dataclasses.asdict(r) for r in self.rows],
        }

    @classmethod
    def from_json(cls, d: dict) -> "Results":
        return cls(paper=d["paper"], preset=d["preset"], seconds=d["seconds"], device=d["device"],
                   notes=d.get("notes", ""), rows=[Row(**r) for r in d["rows"]])

    def write(self, out_dir) -> Path:
        """Write ``out_dir/results.json`` atomically; returns its path."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n"
        return write_atomic(out / "results.json", text.encode("utf-8"))

    def table(self) -> str:
        """The rows as a plain-text table (what ``latticelab reproduce`` prints)."""
        def fmt(x, err=None):
            if x is None:
                return "-"
            return f"{x:.4g} +- {err:.2g}" if err is not None else f"{x:.4g}"

        head = ("quantity", "ours", "paper", "reference")
        body = [(r.quantity, fmt(r.ours, r.ours_err), fmt(r.paper), fmt(r.reference)) for r in self.rows]
        widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
        line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
        title = f"{self.paper} ({self.preset} preset, {self.seconds:.0f} s on {self.device})"
        out = [title, line(head), line(["-" * w for w in widths]), *map(line, body)]
        return "\n".join(out + ([f"notes: {self.notes}"] if self.notes else []))
