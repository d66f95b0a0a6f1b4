"""One cache for trained models: keyed by everything that determines them, written atomically,
loaded without executing pickles.

    model, history = cached_model({"paper": "dcl", "stage": "gru", "config": {...}, "data": spec.key()},
                                  build=lambda: AutoregressiveGRU(...), train=lambda m: fit(m, ...))

The key is the sha256 of the canonical JSON of ``key`` plus the library version, so a release that
changes a model or its training never loads an older file. An entry is ``<key>.pt``: the model's
``state_dict`` and its training history (a dict of lists/numbers) saved by ``torch.save`` and read
back with ``torch.load(weights_only=True)`` (tensors and plain containers only; no code runs).
Re-opening an app after training loads in seconds; training again is ``retrain=True``. Processes that
ask for the same untrained key at once train it once (an exclusive file lock on ``.<key>.pt.lock``).
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

from .. import _atomic
from ..data import _lock
from ..data.spec import canonical, digest, library_version


def default_dir() -> Path:
    """``$LATTICELAB_MODELS`` if set, else ``~/.cache/latticelab/models``."""
    env = os.environ.get("LATTICELAB_MODELS")
    return Path(env).expanduser() if env else Path("~/.cache/latticelab/models").expanduser()


def state_digest(model) -> str:
    """sha256 (64 hex digits) over a module's state_dict (names, dtypes, shapes and every byte): a key for
    results computed from exactly these weights, whoever trained them."""
    import hashlib

    import torch

    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        t = t.detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def model_key(key: dict) -> str:
    """sha256 (64 hex digits) of ``key`` with the library version, as canonical JSON."""
    return digest({"key": key, "library_version": library_version()})


def model_path(key: dict, cache_dir=None) -> Path:
    return Path(cache_dir or default_dir()) / f"{model_key(key)}.pt"


def checkpoint_path(key: dict, cache_dir=None) -> Path:
    """Where training of ``key`` keeps its per-epoch checkpoint (``fit(checkpoint=...)``) until the entry is
    stored: ``.<key>.partial.pt`` beside the entry; ``cached_model`` removes it once the entry is written."""
    path = model_path(key, cache_dir)
    return path.with_name(f".{path.stem}.partial.pt")


def cached_model(key: dict, build, train, *, cache_dir=None, retrain: bool = False, device="cpu", lock_timeout=None):
    """(model, history): loaded from the cache when ``key`` was trained before, else ``build()``-t,
    ``train(model) -> history`` (a dict), stored, and returned. ``model`` is on ``device``.

    A corrupt or unreadable entry is retrained (and replaced), never trusted.
    Processes that ask for the same untrained key at once (kernels of a class) train it once: one holds the
    entry's file lock (``latticelab.data._lock``) and trains, the others wait and then load its entry. With
    ``retrain=True`` a process that waited for another's training of the same key, asked for after this call
    began, loads that fresh entry instead of training a third time. lock_timeout: seconds to wait for
    another process's training (None: ``$LATTICELAB_LOCK_TIMEOUT`` or an hour), then a ``TimeoutError``
    that says who trains it and what to do."""
    import time

    import torch

    path = model_path(key, cache_dir)
    asked_ns = time.time_ns()
    model, touched = build(), False
    if not retrain:
        loaded, touched = _load(path, model, device, warn=False)  # no lock to read: entries are written atomically
        if loaded is not None:
            return loaded
    with _lock.entry_lock(path, timeout=lock_timeout, what=f"the model cache entry {path.name}"):
        if not retrain or _written_since(path, asked_ns):  # another process may have trained it while we waited
            loaded, tried = _load(path, model, device, warn=True)
            if loaded is not None:
                return loaded
            touched = touched or tried
        if touched:
            model = build()  # a failed load_state_dict may have changed some parameters
        history = train(model) or {}
        buf = io.BytesIO()
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save({"state_dict": state, "history": history, "key": json.dumps(canonical(key), sort_keys=True)}, buf)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic.write_atomic(path, buf.getvalue())
        checkpoint_path(key, cache_dir).unlink(missing_ok=True)
    return model.to(device), history


def _written_since(path: Path, t_ns: int) -> bool:
    try:
        return path.stat().st_mtime_ns >= t_ns
    except OSError:
        return False


def _load(path: Path, model, device, *, warn: bool) -> tuple:
    """((model, history) from the entry at ``path``, or None if it is absent or unreadable (warned if ``warn``);
    whether a load into ``model`` was tried)."""
    import torch

    if not path.is_file():
        return None, False
    try:
        entry = torch.load(path, map_location=device, weights_only=True)
        model.load_state_dict(entry["state_dict"])
        return (model.to(device), entry.get("history", {})), True
    except Exception as err:  # noqa: BLE001 - any unreadable entry is retrained, with a warning
        if warn:
            import warnings

            warnings.warn(f"model cache entry {path.name} could not be loaded ({err!r}); training again", stacklevel=3)
        return None, True
