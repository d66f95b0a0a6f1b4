"""latticelab: machine learning on lattice models — samplers, exact results, datasets, models, widgets.

    import latticelab as ll
    s = ll.sample(ll.Ising(L=32), T=[2.0, 2.27, 2.5], n_samples=1000, seed=0)
"""
from . import exact, observables, stats
from .backend import resolve as resolve_backend
from ._version import __version__
from .samplers import Chain, Samples, sample
from .samplers.dual import sample_dual
from .systems import ComplexPhi4, EdwardsAnderson, Ising, Potts

__all__ = [
    "Chain",
    "ComplexPhi4",
    "EdwardsAnderson",
    "Ising",
    "Potts",
    "Samples",
    "exact",
    "observables",
    "resolve_backend",
    "sample",
    "sample_dual",
    "stats",
]


def __getattr__(name):
    # ``ll.data`` imports torch's Dataset machinery; load it on first use.
    if name == "data":
        import importlib

        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module 'latticelab' has no attribute {name!r}")
