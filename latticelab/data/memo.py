"""``cached_arrays``: the arrays a deterministic computation returns, cached on disk by a key.

    out = cached_arrays({"paper": "dcl", "stage": "mc", ...}, lambda: {"energy": e, "T": T})

For stages whose result is a few arrays and does not change between openings (a Monte Carlo curve, a
test set, labels drawn from a trained model): the first call computes and stores them, every later call
with the same key reads them back in milliseconds. Entries use the dataset store's format
(``latticelab.data.store``: plain numbers only, a sha256 over every byte, written atomically), under
``<dataset cache>/results/<sha256 of the key and library version>.lld``; a corrupt entry is computed
again (with a warning), never trusted. Processes that ask for the same missing key at once compute it
once (the entry's file lock).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .. import _atomic
from . import _lock, store
from .spec import canonical, digest, library_version


def memo_key(key: dict) -> str:
    """sha256 (64 hex digits) of ``key`` and the library version, as canonical JSON."""
    return digest({"memo": key, "library_version": library_version()})


def memo_path(key: dict, cache_dir=None) -> Path:
    """Where the entry of ``key`` lives."""
    root = Path(cache_dir).expanduser() if cache_dir is not None else store.default_cache_dir() / "results"
    return root / f"{memo_key(key)}.lld"


def _read(path: Path, digest: str, *, warn: bool):
    if not path.is_file():
        return None
    try:
        return store.read(path, digest)[1]
    except store.CorruptEntry as err:
        if warn:
            warnings.warn(f"cached result {path.name} is corrupt ({err}); computing it again", RuntimeWarning,
                          stacklevel=4)
        return None


def cached_arrays(key: dict, compute, *, cache_dir=None, recompute: bool = False) -> dict:
    """{name: numpy array} from ``compute()`` (which must return such a dict of bool, integer or float
    arrays, or numbers), read from the cache when ``key`` was computed before. ``recompute=True``
    computes and overwrites. Returned arrays are read-only and at least one-dimensional (a number comes
    back as shape (1,))."""
    path, digest = memo_path(key, cache_dir), memo_key(key)
    if not recompute:
        found = _read(path, digest, warn=False)
        if found is not None:
            return found
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock.entry_lock(path, what=f"the cached result {path.name}"):
        if not recompute:
            found = _read(path, digest, warn=True)
            if found is not None:
                return found
        result = compute()
        if not isinstance(result, dict) or not result:
            raise TypeError(f"compute() must return a non-empty dict of arrays, got {type(result).__name__}")
        arrays = {str(k): np.atleast_1d(np.asarray(v)) for k, v in result.items()}
        _atomic.write_atomic(path, store.encode({"key": digest, "memo": canonical(key)}, arrays))
    for a in arrays.values():
        a.setflags(write=False)
    return arrays
