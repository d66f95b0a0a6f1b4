"""Argument checks shared by the exact references: temperatures, couplings, sizes.

Every public function of ``latticelab.exact`` takes ``T`` as a scalar or an array of
any shape and answers in kind: a Python float for a scalar, a float64 array of ``T``'s
shape otherwise. ``temperatures`` flattens and validates; ``like`` restores the shape.
"""
from __future__ import annotations

import numpy as np

from .. import _validate


def temperatures(T, name: str = "T"):
    """Validate ``T``: returns (float64 (n_T,) flat temperatures, T's shape)."""
    arr = _validate.reals(T, name)
    return _validate.temperatures(arr.ravel(), name), arr.shape


def like(values, shape):
    """float for a scalar ``shape`` (), else float64 array of ``shape``."""
    values = np.asarray(values, dtype=np.float64)
    if shape == ():
        return float(values.reshape(-1)[0])
    return values.reshape(shape)


def like_dict(results: dict, shape) -> dict:
    """Apply ``like`` to every value of a dict of (n_T,) arrays."""
    return {key: like(val, shape) for key, val in results.items()}


def coupling(J, name: str = "J") -> float:
    """A positive, finite ferromagnetic coupling (the closed forms need J > 0)."""
    J = _validate.finite_float(J, name)
    if J <= 0:
        raise ValueError(
            f"{name}={J} is not ferromagnetic: the exact Ising/Potts formulas need {name} > 0 "
            f"(for the Ising antiferromagnet on an even L, use {name}={-J}: Z is the same)"
        )
    return J


def states(q) -> int:
    """A number of Potts states: an int >= 2."""
    return _validate.positive_int(q, "q", minimum=2)
