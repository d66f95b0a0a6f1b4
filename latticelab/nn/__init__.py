"""Neural networks for lattice models (torch): the shared training loop ``fit`` and, later, the models."""
from .fit import HISTORY_KEYS, batch_size, evaluate, fit, supervised, to_device

__all__ = ["HISTORY_KEYS", "batch_size", "evaluate", "fit", "supervised", "to_device"]
