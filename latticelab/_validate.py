"""Input checks shared by every public entry point; messages say how to fix the call."""
from __future__ import annotations

import numbers

import numpy as np


def reals(x, name: str, *, example: str = "2.27", minimum=None, strict: bool = False) -> np.ndarray:
    """float64 array of ``x``'s shape from a number or an array-like of finite numbers, each
    >= ``minimum`` (> it when ``strict``) where a minimum is given."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a number or a sequence of numbers, got {x!r}; e.g. {name}={example}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or a sequence of numbers, got {x!r}; e.g. {name}={example} or {name}=[{example}, ...]"
        ) from None
    bad = ~np.isfinite(arr)
    if minimum is not None:
        bad |= (arr <= minimum) if strict else (arr < minimum)
    if bad.any():
        bound = "" if minimum is None else f" and {'>' if strict else '>='} {minimum}"
        raise ValueError(f"{name} must be finite{bound}, got {arr[bad].ravel()[0]!r}; e.g. {name}={example}")
    return arr


def temperatures(T, name: str = "T") -> np.ndarray:
    """float64 (n_T,) from a scalar or a sequence of positive, finite temperatures."""
    try:
        arr = np.atleast_1d(reals(T, name, minimum=0.0, strict=True))
    except ValueError as err:
        raise ValueError(f"{err}: temperatures are positive and finite, in units of J/k_B") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a scalar or a 1-d sequence, got shape {arr.shape}; flatten it first")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; give at least one temperature, e.g. {name}=2.27")
    return arr


def positive_int(n, name: str, minimum: int = 1) -> int:
    """An integer >= ``minimum``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {n!r}; e.g. {name}={max(minimum, 10)}")
    if n < minimum:
        raise ValueError(f"{name}={n} is too small: it must be >= {minimum}")
    return int(n)


def optional_int(n, name: str, minimum: int = 1):
    """None, or an integer >= ``minimum``."""
    return None if n is None else positive_int(n, name, minimum)


def finite_float(x, name: str) -> float:
    """A finite real number."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def choice(value, name: str, options) -> str:
    """One of ``options`` (strings)."""
    if value not in options:
        raise ValueError(f"unknown {name}={value!r}; choose one of {', '.join(repr(o) for o in options)}")
    return value


def seed(value) -> int:
    """A non-negative integer seed (None draws fresh entropy from the OS, never from a global RNG)."""
    if value is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise TypeError(f"seed must be a non-negative integer or None, got {value!r}; e.g. seed=0")
    return int(value)
