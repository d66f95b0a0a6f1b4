"""Samplers: one batched sweep loop (``Chain``) whose updates are registered by name, and ``sample``."""
from .chain import ALGORITHMS, Chain, algorithms
from .sample import DEFAULT_CHAINS, sample
from .samples import Samples
from .updates import UPDATES, Update, register

__all__ = ["ALGORITHMS", "DEFAULT_CHAINS", "UPDATES", "Chain", "Samples", "Update", "algorithms", "register", "sample"]
