"""The cache under real failures: a writer killed with SIGKILL, an older library's entries, the umask."""
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import latticelab as ll
from _data_fakes import fake_sample
from latticelab import _atomic, _version
from latticelab.data import DatasetSpec, cache_path, generate, load, spec as spec_module, store

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = dict(T=[1.5, 2.5], n_samples=6, seed=2, backend="numba")




def _run_python(code: str, *args, **popen):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.dirname(__file__)]))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)], cwd=ROOT, env=env, **popen)


# --- the key names the library and format version ----------------------------------------------

def test_entries_of_another_library_or_format_version_are_not_reused(tmp_path, calls, monkeypatch):
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    assert spec.params()["library_version"] == ll.__version__
    assert spec.params()["format_version"] == spec_module.FORMAT_VERSION
    current, real_version = spec.key(), ll.__version__
    monkeypatch.setattr(_version, "__version__", "0.0.1-before-a-sampler-fix")
    older = spec.key()
    generate(spec, cache_dir=tmp_path, progress=False)  # an entry made by the older library
    assert calls["n"] == 1 and load(spec, tmp_path) is not None
    monkeypatch.setattr(_version, "__version__", real_version)
    assert spec.key() == current != older
    assert load(spec, tmp_path) is None  # the older entry is not this library's
    ds = generate(spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 2 and ds.key == current
    monkeypatch.setattr(spec_module, "FORMAT_VERSION", spec_module.FORMAT_VERSION + 1)
    assert spec.key() not in (older, current) and load(spec, tmp_path) is None
    generate(spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 3


# --- a writer killed outright --------------------------------------------------------------------

_SLOW_WRITER = """
    import sys, time
    import latticelab as ll
    from latticelab import _atomic, _version
    from latticelab.data import DatasetSpec, generate, generation, save
    from _data_fakes import fake_sample

    def slow_chunks(f, chunks):  # every chunk reaches the disk, then a pause: a kill lands mid-file
        for c in chunks:
            f.write(c)
            f.flush()
            print("wrote", len(c), flush=True)
            time.sleep(0.5)

    generation._sample = fake_sample
    _atomic._write_chunks = slow_chunks
    spec = DatasetSpec(ll.Ising(4), T=[1.5, 2.5], n_samples=6, seed=int(sys.argv[2]), backend="numba")
    if sys.argv[3] == "overwrite":  # write over the valid entry (generate would just load it)
        save(generate(spec, cache_dir=False, progress=False), sys.argv[1])
    else:
        generate(spec, cache_dir=sys.argv[1], progress=False)
    print("finished", flush=True)
"""


def _kill_mid_write(cache_dir, seed, mode):
    """Start a writer, SIGKILL it once it has written part of the entry; returns the temp files it left."""
    child = _run_python(_SLOW_WRITER, cache_dir, seed, mode, stdout=subprocess.PIPE, text=True)
    try:
        lines = [child.stdout.readline() for _ in range(3)]  # magic, header length and header written
        assert all(line.startswith("wrote") for line in lines), lines
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return list(cache_dir.glob(".*" + _atomic.TEMP_SUFFIX))


@pytest.mark.parametrize("before", ["no entry", "a valid entry"])
def test_writer_killed_mid_write_never_leaves_a_corrupt_entry(tmp_path, calls, before):
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    final = cache_path(spec, tmp_path)
    if before == "a valid entry":
        old = generate(spec, cache_dir=tmp_path, progress=False)
        old_bytes = final.read_bytes()
    temps = _kill_mid_write(tmp_path, SPEC["seed"], "generate" if before == "no entry" else "overwrite")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing corrupt is there to load: no CacheWarning
        loaded = load(spec, tmp_path)
    if before == "no entry":
        assert not final.exists() and loaded is None
    else:
        assert final.read_bytes() == old_bytes
        np.testing.assert_array_equal(loaded.configs, old.configs)
    assert len(temps) == 1 and temps[0].stat().st_size > 0  # the partial file is the dead writer's temp file
    temp = temps[0]
    n = calls["n"]
    ds = generate(spec, cache_dir=tmp_path, progress=False)  # regenerates (or reuses the valid entry)
    assert calls["n"] == n + (before == "no entry")
    np.testing.assert_array_equal(ds.configs, fake_sample(spec.system, spec.T, spec.n_samples, seed=spec.seed).configs)
    if before == "a valid entry":  # a cache hit writes nothing, so it leaves cleaning to the next write
        assert store.clean_temp_files(tmp_path) == [temp]
    assert not temp.exists()  # the dead writer's temp file is cleaned
    assert sorted(p.name for p in tmp_path.iterdir()) == [final.name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(load(spec, tmp_path).configs, ds.configs)


# --- permissions without touching the process umask -------------------------------------------------

_UMASK_CHECK = """
    import json, os, sys
    real_umask, umask_calls = os.umask, []

    def spy(mask):
        umask_calls.append(mask)
        return real_umask(mask)

    real_umask(0o027)
    os.umask = spy
    import latticelab.data, latticelab.data.store, latticelab._atomic
    from latticelab._atomic import write_atomic
    os.umask = real_umask
    modes = {}
    for mask in (0o027, 0o022):
        real_umask(mask)
        path = write_atomic(os.path.join(sys.argv[1], "entry-%o" % mask), [b"data"])
        modes[oct(mask)] = oct(os.stat(path).st_mode & 0o777)
    print(json.dumps({"umask_calls": umask_calls, "modes": modes}))
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_import_leaves_the_umask_alone_and_entries_follow_it(tmp_path):
    child = _run_python(_UMASK_CHECK, tmp_path, stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    result = json.loads(out)
    assert result["umask_calls"] == []  # importing the store never sets (or reads) the umask
    assert result["modes"] == {"0o27": "0o640", "0o22": "0o644"}  # what open(path, "w") would give


# --- the one atomic writer ------------------------------------------------------------------------------

def test_write_atomic_replaces_whole_or_not_at_all(tmp_path):
    path = tmp_path / "sub" / "file.bin"
    assert _atomic.write_atomic(path, b"first") == path and path.read_bytes() == b"first"
    assert _atomic.write_atomic(str(path), iter([b"sec", b"ond"])) == path and path.read_bytes() == b"second"

    def failing():
        yield b"half of it"
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _atomic.write_atomic(path, failing())
    assert path.read_bytes() == b"second" and os.listdir(path.parent) == ["file.bin"]  # temp file removed


def test_write_atomic_fsyncs_the_file_and_its_directory(tmp_path, monkeypatch):
    synced, real = [], os.fsync

    def fsync(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(_atomic.os, "fsync", fsync)
    _atomic.write_atomic(tmp_path / "f", b"x")
    assert synced == ["file", "dir"]


def test_store_and_training_history_share_the_writer(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    from latticelab.widgets.training_monitor import write_history

    def interrupted(f, chunks):
        raise KeyboardInterrupt

    monkeypatch.setattr(_atomic, "_write_chunks", interrupted)
    for write in (lambda: _atomic.write_atomic(tmp_path / "entry.lld", [b"x"]),
                  lambda: write_history(tmp_path / "history.json", {"epoch": [1]})):
        with pytest.raises(KeyboardInterrupt):
            write()
    assert os.listdir(tmp_path) == []


# --- Samples.at and Dataset.at: one slicing of every per-point field -------------------------------------

def test_at_slices_every_per_point_field(calls):
    import dataclasses

    ds = generate(ll.Ising(4), T=[1.0, 2.0, 3.0], n_samples=4, cache_dir=False, progress=False)
    for whole in (ds, ds.to_samples()):
        n = whole.T.shape[0]
        for name, value in vars(whole).items():  # every array with one row per point must be marked
            field = next(f for f in dataclasses.fields(whole) if f.name == name)
            if isinstance(value, np.ndarray) and value.ndim and value.shape[0] == n:
                assert field.metadata.get("per_point"), f"{type(whole).__name__}.{name} is not sliced by at()"
        for i in (1, -1):
            one = whole.at(i)
            for f in dataclasses.fields(whole):
                if f.metadata.get("per_point"):
                    np.testing.assert_array_equal(getattr(one, f.name), getattr(whole, f.name)[[i]], err_msg=f.name)
            assert one.T[0] == whole.T[i] and one.system is whole.system
        with pytest.raises(IndexError):
            whole.at(3)
