"""Real-space RG recursion of the 2D Ising model used by Shukla & Thakur (arXiv 2108.06157).

The approximate decimation recursion beta' = (3/8) ln cosh(4 beta) has a nontrivial
(unstable) fixed point beta* = 0.506981 (T* = 1.97246); starting just above Tc
(beta = 0.4352) the iterates 0.40423, 0.36091, 0.30177, 0.22485, ... flow to 0.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validate


def _log_cosh(x):
    x = np.abs(x)
    return x + np.log1p(np.exp(-2.0 * x)) - math.log(2.0)


def decimation_beta(beta):
    """One step beta -> (3/8) ln cosh(4 beta); float for a scalar, float64 array of beta's shape otherwise."""
    arr = _validate.reals(beta, "beta", example="0.4352", minimum=0.0)
    out = 0.375 * _log_cosh(4.0 * arr)
    return float(out) if arr.ndim == 0 else out


def decimation_fixed_point() -> float:
    """The nontrivial fixed point beta* = 0.506981... of ``decimation_beta`` (solved to machine precision)."""
    from scipy.optimize import brentq  # here: scipy.optimize is heavy at import and needed only now

    return float(brentq(lambda b: decimation_beta(b) - b, 0.3, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps))
