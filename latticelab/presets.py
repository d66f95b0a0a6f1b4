"""Presets: how big a notebook's or a pipeline's runs are, chosen by the environment variable ``LATTICELAB_PRESET``.

| preset    | who                    | budget                                                     |
|-----------|------------------------|------------------------------------------------------------|
| smoke     | CI and nbval           | seconds per notebook; tiny lattices, every code path        |
| laptop    | a student, 2-core CPU  | minutes per notebook (the default)                          |
| paper-cpu | a 2-core CPU, headless | the work's protocol at the largest sizes that fit in 3 hours |
| paper     | one GPU                | the published sizes                                         |

``paper-cpu`` is optional: a Config that has no such row says so when asked for it.

A preset is data. Each notebook or paper pipeline declares a frozen dataclass that subclasses
``PresetConfig``: every field is one knob with a one-line reason (``knob("why")``), and the
class-level ``ROWS`` gives the values of the three presets. The base picks the row:

    @dataclasses.dataclass(frozen=True)
    class Config(PresetConfig):
        L: int = knob("lattice size: large enough for the transition to show")
        ROWS = {"smoke": dict(L=8), "laptop": dict(L=32), "paper": dict(L=128)}

    C = Config.from_env()                   # LATTICELAB_PRESET=smoke|laptop|paper-cpu|paper, default laptop
    Config.get("smoke") == Config.smoke()   # one named row
    Config.reasons()                        # {"name": "...", "L": "lattice size: ..."}

Nothing branches on the preset's name in a notebook. This module imports nothing of the package,
so a Config of any layer can build on it.
"""
from __future__ import annotations

import dataclasses
import os
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

ENV_VAR = "LATTICELAB_PRESET"
REQUIRED_PRESETS = ("smoke", "laptop", "paper")
#: Every preset name; a Config's ROWS must hold the REQUIRED_PRESETS and may hold 'paper-cpu'.
PRESET_NAMES = ("smoke", "laptop", "paper-cpu", "paper")
DEFAULT = "laptop"


def preset_name(name: str | None = None) -> str:
    """The preset to use: ``name`` if given, else ``$LATTICELAB_PRESET``, else 'laptop'.

    Raises ValueError naming the valid presets for anything else (surrounding blanks and case are ignored).
    """
    raw = os.environ.get(ENV_VAR, "") if name is None else name
    if not isinstance(raw, str):
        raise TypeError(f"a preset name is a string, one of {', '.join(PRESET_NAMES)}; got {raw!r}")
    value = raw.strip().lower() or DEFAULT
    if value not in PRESET_NAMES:
        source = f"{ENV_VAR}={raw!r}" if name is None else f"preset {raw!r}"
        raise ValueError(
            f"unknown {source}; valid presets are {', '.join(PRESET_NAMES)} "
            f"(e.g. export {ENV_VAR}=smoke for a quick run; unset means {DEFAULT})"
        )
    return value


def knob(why: str, **field_kwargs):
    """A Config field with its one-line reason: ``L: int = knob("why this knob exists")``.

    The reason is stored as ``field.metadata["why"]`` (read them all with ``Config.reasons()``);
    other keyword arguments go to ``dataclasses.field``.
    """
    if not isinstance(why, str) or not why.strip() or "\n" in why:
        raise ValueError(f"a knob's reason is one non-empty line of text, got {why!r}")
    return dataclasses.field(metadata={"why": why.strip()}, **field_kwargs)


@dataclasses.dataclass(frozen=True)
class PresetConfig:
    """Base of every Config: the three preset rows, read from ``$LATTICELAB_PRESET``.

    A subclass is a frozen dataclass whose fields are declared with ``knob(why)`` and whose
    class-level ``ROWS`` maps each of 'smoke', 'laptop', 'paper' to {field: value} for every
    field except ``name``. Subclasses that validate more override ``__post_init__`` and call
    ``super().__post_init__()`` first.
    """

    ROWS: ClassVar[Mapping[str, Mapping[str, Any]]] = MappingProxyType({})

    name: str = knob("which preset row this is: smoke (CI), laptop (2-core CPU), paper-cpu (3 h on 2 cores) or paper (one GPU)")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "ROWS" not in cls.__dict__:
            return  # an intermediate base; its subclasses declare the rows
        rows = cls.ROWS
        if (not isinstance(rows, Mapping) or not set(REQUIRED_PRESETS) <= set(rows)
                or not set(rows) <= set(PRESET_NAMES)):
            got = sorted(rows) if isinstance(rows, Mapping) else type(rows).__name__
            raise TypeError(
                f"{cls.__name__}.ROWS must map each preset ({', '.join(REQUIRED_PRESETS)}, and optionally "
                f"paper-cpu) to a dict of field values; got {got}"
            )
        cls.ROWS = MappingProxyType({k: MappingProxyType(dict(rows[k])) for k in PRESET_NAMES if k in rows})

    def __post_init__(self):
        object.__setattr__(self, "name", preset_name(self.name))

    @classmethod
    def get(cls, name: str):
        """The row called ``name`` ('smoke', 'laptop', 'paper-cpu' or 'paper'; blanks and case ignored)."""
        name = preset_name(name)
        if not cls.ROWS:
            raise TypeError(f"{cls.__name__} has no ROWS; declare ROWS = {{'smoke': {{...}}, 'laptop': {{...}}, 'paper': {{...}}}}")
        if name not in cls.ROWS:
            raise ValueError(f"{cls.__module__}.{cls.__name__} has no {name!r} row; its presets are "
                             f"{', '.join(cls.ROWS)}")
        row = cls.ROWS[name]
        fields = {f.name for f in dataclasses.fields(cls) if f.init and f.name != "name"}
        missing, unknown = sorted(fields - set(row)), sorted(set(row) - fields)
        if missing or unknown:
            fixes = ([f"add {', '.join(missing)}"] if missing else []) + ([f"remove {', '.join(unknown)}"] if unknown else [])
            raise TypeError(f"{cls.__name__}.ROWS[{name!r}] does not match its fields: {'; '.join(fixes)}")
        return cls(name=name, **row)

    @classmethod
    def from_env(cls):
        """The row named by ``$LATTICELAB_PRESET`` (default 'laptop')."""
        return cls.get(preset_name())

    @classmethod
    def smoke(cls):
        """The CI row: seconds per notebook."""
        return cls.get("smoke")

    @classmethod
    def laptop(cls):
        """The default row: minutes on a 2-core CPU."""
        return cls.get("laptop")

    @classmethod
    def paper_cpu(cls):
        """The work's protocol at the largest sizes that fit in 3 hours on a 2-core CPU (where a row exists)."""
        return cls.get("paper-cpu")

    @classmethod
    def paper(cls):
        """The published sizes, for one GPU."""
        return cls.get("paper")

    @classmethod
    def reasons(cls) -> dict:
        """{field name: its one-line reason} for every field, in declaration order.

        Raises TypeError naming the fields declared without ``knob(why)``.
        """
        out = {f.name: f.metadata.get("why") for f in dataclasses.fields(cls)}
        bare = [k for k, why in out.items() if not isinstance(why, str) or not why.strip() or "\n" in why]
        if bare:
            raise TypeError(
                f"{cls.__name__} fields {', '.join(bare)} have no one-line reason; "
                "declare each as `name: type = knob('why it is there')`"
            )
        return out
