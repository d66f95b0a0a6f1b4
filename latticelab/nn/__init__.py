"""Neural networks for lattice models (torch): the shared training loop ``fit`` and the models.

    PhaseClassifier   a small translation- and flip-invariant CNN: ordered or disordered?
"""
from .classifier import PhaseClassifier
from .fit import HISTORY_KEYS, batch_size, evaluate, fit, supervised, to_device

__all__ = ["HISTORY_KEYS", "PhaseClassifier", "batch_size", "evaluate", "fit", "supervised", "to_device"]
