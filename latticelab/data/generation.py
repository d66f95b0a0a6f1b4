"""``generate``: sample a ``DatasetSpec`` once, cache it, and load it verified ever after."""
from __future__ import annotations

import dataclasses
import datetime
import warnings
from pathlib import Path

import numpy as np

from .. import _atomic
from . import _lock, store
from .dataset import Dataset
from .packing import Codec, codec_for
from .spec import FORMAT_VERSION, DatasetSpec


class CacheWarning(UserWarning):
    """A cache entry was ignored (invalid) or could not be written."""


class _Default:
    def __repr__(self):
        return "default"


_DEFAULT = _Default()
_SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(DatasetSpec))


def _sample(system, T, n_samples, **kwargs):
    """Call ``ll.sample`` (a separate function so tests can count or replace the calls)."""
    from ..samplers.sample import sample

    return sample(system, T, n_samples, **kwargs)


def resolve_cache_dir(cache_dir=None) -> Path:
    """``cache_dir`` as a Path; None means ``$LATTICELAB_CACHE`` or ``~/.cache/latticelab/datasets``."""
    return store.default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


def cache_path(spec: DatasetSpec, cache_dir=None) -> Path:
    """Where ``spec``'s entry lives (whether or not it exists yet)."""
    return resolve_cache_dir(cache_dir) / spec.filename()


def load(spec: DatasetSpec, cache_dir=None):
    """The verified cached ``Dataset`` of ``spec``, or None if absent or invalid (with a CacheWarning)."""
    path = cache_path(spec, cache_dir)
    dataset, problem = _read(spec, path)
    if problem:
        warnings.warn(problem, CacheWarning, stacklevel=2)
    return dataset


def _read(spec: DatasetSpec, path: Path) -> tuple:
    """(the verified Dataset at ``path`` or None, why an entry there was not trusted or None)."""
    if not path.is_file():
        return None, None
    try:
        return _from_entry(spec, path, *store.read(path, spec.key())), None
    except store.CorruptEntry as err:
        return None, f"ignoring invalid cache entry {path}: {err}; it will be regenerated"


def save(dataset: Dataset, cache_dir=None) -> Path:
    """Write ``dataset`` as the cache entry of its spec (atomically); returns the path."""
    spec = dataset.spec
    shape = spec.configs_shape
    whole = np.broadcast_to(np.arange(spec.n_samples), shape[:2])
    if dataset.key != spec.key() or dataset.configs.shape != shape or not np.array_equal(dataset.indices, whole):
        raise ValueError("only a whole generated Dataset can be cached, not a split or subset of one")
    codec = codec_for(spec.system)
    meta = {
        "format_version": FORMAT_VERSION,
        "key": spec.key(),
        "spec": spec.params(),
        "created": dataset.created,
        "configs": {"shape": list(dataset.configs.shape), "dtype": codec.dtype, "codec": codec.to_json()},
        "burn_in": int(dataset.burn_in),
        "thin": int(dataset.thin),
        "n_chains": int(dataset.n_chains),
        "algorithm": str(dataset.algorithm),
        "backend": str(dataset.backend),
    }
    arrays = {
        "configs": codec.encode(dataset.configs),
        "energy": np.asarray(dataset.energy, dtype="<f8"),
        "magnetization": np.asarray(dataset.magnetization, dtype="<f8"),
        "T": np.asarray(dataset.T, dtype="<f8"),
        "h": np.asarray(dataset.h, dtype="<f8"),
        "tau": np.asarray(dataset.tau, dtype="<f8"),
    }
    return _atomic.write_atomic(cache_path(spec, cache_dir), store.encode(meta, arrays))


def _from_entry(spec: DatasetSpec, path: Path, meta: dict, arrays: dict) -> Dataset:
    """Check a decoded entry against ``spec`` and build the Dataset (CorruptEntry on any mismatch)."""
    shape = spec.configs_shape
    try:
        if meta.get("format_version") != FORMAT_VERSION or meta.get("spec") != spec.params():
            raise ValueError("metadata does not describe this spec")
        if tuple(meta["configs"]["shape"]) != shape:
            raise ValueError(f"configs shape {meta['configs']['shape']} differs from the expected {shape}")
        codec = Codec.from_json(meta["configs"]["codec"])
        if codec != codec_for(spec.system) or meta["configs"]["dtype"] != codec.dtype:
            raise ValueError(f"codec {codec} is not the one for {spec.system!r}")
        configs = codec.decode(arrays["configs"], shape)
        out = {}
        for name, want in (("energy", shape[:2]), ("magnetization", shape[:2]), ("T", shape[:1]), ("h", shape[:1]), ("tau", shape[:1])):
            arr = np.array(arrays[name], dtype=np.float64)  # a writable native copy
            if arr.shape != want:
                raise ValueError(f"{name} has shape {arr.shape}, expected {want}")
            out[name] = arr
        if not (np.array_equal(out["T"], spec.point_T()) and np.array_equal(out["h"], spec.point_h())):
            raise ValueError("stored T/h grid differs from the spec")
        return Dataset(
            spec=spec, configs=configs, key=meta["key"], created=meta.get("created"), path=path,
            burn_in=int(meta["burn_in"]), thin=int(meta["thin"]), n_chains=int(meta["n_chains"]),
            algorithm=str(meta["algorithm"]), backend=str(meta["backend"]), **out,
        )
    except (KeyError, TypeError, ValueError) as err:
        raise store.CorruptEntry(str(err) or type(err).__name__) from None


def _from_samples(spec: DatasetSpec, samples) -> Dataset:
    """Wrap what ``ll.sample`` returned, checking it is what the spec asked for."""
    shape = spec.configs_shape
    configs = np.asarray(samples.configs)
    if configs.shape != shape or configs.dtype != spec.system.state_dtype:
        raise RuntimeError(
            f"the sampler returned configs {configs.dtype} {configs.shape}, expected {spec.system.state_dtype} {shape}"
        )
    if not (np.allclose(samples.T, spec.point_T(), rtol=1e-12, atol=0) and np.allclose(samples.h, spec.point_h(), rtol=1e-12, atol=1e-15)):
        raise RuntimeError("the sampler returned a different (T, h) grid than the spec asked for")
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return Dataset(
        spec=spec,
        configs=configs,
        energy=np.asarray(samples.energy, dtype=np.float64),
        magnetization=np.asarray(samples.magnetization, dtype=np.float64),
        T=spec.point_T(),
        h=spec.point_h(),
        tau=np.broadcast_to(np.asarray(samples.tau, dtype=np.float64), (spec.n_points,)).copy(),
        burn_in=int(samples.burn_in),
        thin=int(samples.thin),
        n_chains=int(samples.n_chains),
        algorithm=str(samples.algorithm),
        backend=str(samples.backend),
        key=spec.key(),
        created=created,
    )


def _run(spec: DatasetSpec, progress: bool):
    h = spec.point_h() if spec.h is not None else None
    return _sample(
        spec.system, spec.point_T(), spec.n_samples, burn_in=spec.burn_in, thin=spec.thin, algorithm=spec.algorithm,
        backend=spec.backend, device=spec.device, seed=spec.seed, h=h, n_chains=spec.n_chains, start=spec.start,
        symmetrize=spec.symmetrize, progress=progress,
    )


def generate(
    spec_or_system,
    T=_DEFAULT,
    n_samples=_DEFAULT,
    *,
    h=_DEFAULT,
    points=_DEFAULT,
    burn_in=_DEFAULT,
    thin=_DEFAULT,
    algorithm=_DEFAULT,
    backend=_DEFAULT,
    device=_DEFAULT,
    n_chains=_DEFAULT,
    start=_DEFAULT,
    symmetrize=_DEFAULT,
    seed=_DEFAULT,
    cache_dir=None,
    progress=True,
    lock_timeout=None,
) -> Dataset:
    """Generate a labelled data set, or load it from the cache if it was made before.

    ``generate(ll.Ising(L=16), T=[1.5, 2.27, 3.0], n_samples=1000, seed=0)`` or
    ``generate(spec)`` with a ``DatasetSpec`` (keyword arguments then replace its fields).
    Unset arguments take the ``DatasetSpec`` defaults (seed=0, burn_in/thin chosen by
    the sampler, algorithm/backend 'auto'). Returns a ``Dataset``.

    cache_dir: directory of cache entries; None -> ``$LATTICELAB_CACHE`` or
    ``~/.cache/latticelab/datasets``; False -> no cache (always sample).
    An entry is used only if it passes every integrity check; otherwise it is
    regenerated with a ``CacheWarning``.
    Processes that ask for the same missing entry at once (kernels of a class) generate it once: one
    holds the entry's file lock and generates, the others wait for it and then read the entry.
    lock_timeout: seconds to wait for that (None: ``$LATTICELAB_LOCK_TIMEOUT`` or an hour); past it a
    ``TimeoutError`` says who holds the lock and what to do. A killed generator frees its lock.
    ``backend='auto'`` is resolved before keying (torch on a CUDA machine, numba otherwise),
    so entries made on a GPU are not reused on a laptop unless the backend is pinned.
    """
    given = {k: v for k, v in locals().items() if k in _SPEC_FIELDS and v is not _DEFAULT}
    if isinstance(spec_or_system, DatasetSpec):
        spec = dataclasses.replace(spec_or_system, **given) if given else spec_or_system
    else:
        missing = [k for k in ("T", "n_samples") if k not in given]
        if missing:
            raise TypeError(
                f"generate needs {' and '.join(missing)}, e.g. generate(ll.Ising(L=16), T=[2.0, 2.5], n_samples=1000)"
            )
        spec = DatasetSpec(spec_or_system, **given)
    if cache_dir is False:
        return _from_samples(spec, _run(spec, progress))
    directory = resolve_cache_dir(cache_dir)
    path = cache_path(spec, directory)
    cached, _ = _read(spec, path)  # no lock needed to read: entries are written atomically
    if cached is not None:
        return cached
    what = f"the dataset cache entry of {spec.system!r}"
    with _lock.entry_lock(path, timeout=lock_timeout, what=what, category=CacheWarning):
        cached, problem = _read(spec, path)  # another process may have written it while we waited
        if cached is not None:
            return cached
        if problem:
            warnings.warn(problem, CacheWarning, stacklevel=2)
        dataset = _from_samples(spec, _run(spec, progress))
        try:
            path = save(dataset, directory)
            dataset = dataclasses.replace(dataset, path=path)
        except OSError as err:
            warnings.warn(f"could not write the cache entry in {directory} ({err}); returning uncached data", CacheWarning, stacklevel=2)
    store.clean_temp_files(directory)
    return dataset
