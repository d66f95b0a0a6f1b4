"""Samplers: one batched sweep loop (``Chain``) with numba and torch kernels, and ``sample``."""
from .chain import ALGORITHMS, Chain
from .sample import sample
from .samples import Samples

__all__ = ["ALGORITHMS", "Chain", "Samples", "sample"]
