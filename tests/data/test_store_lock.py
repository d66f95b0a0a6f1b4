"""Kernels of a class sharing the dataset cache, with real processes: ten ask for one missing entry at once
and it is generated once; a generator killed with SIGKILL frees its lock and the entry is then generated once
more; a waiter that gives up says who holds the lock; without fcntl nothing locks, with a warning.

Every generation appends ``start <pid> <time>`` and ``done <pid> <time>`` to a marker file, so the tests count
generations across processes; workers turn warnings into errors, so a corrupt read would fail them."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

import latticelab as ll
from _data_fakes import fake_sample
from latticelab.data import _lock
from latticelab.data import DatasetSpec, cache_path, generate, load, store

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = dict(T=[1.5, 2.5], n_samples=6, seed=3, backend="numba")
N_KERNELS = 10

needs_fcntl = pytest.mark.skipif(_lock.fcntl is None, reason="file locks need fcntl (POSIX); "
                                 "test_without_fcntl_nothing_locks_and_it_says_so covers this platform")

_KERNELS = """
    import hashlib, json, os, sys, time, traceback, warnings
    warnings.simplefilter("error")  # a CacheWarning (an invalid entry read) fails the kernel
    import latticelab as ll
    from latticelab.data import DatasetSpec, generate, generation
    from _data_fakes import fake_sample

    cache, marker, go, mode, n, out = sys.argv[1:7]

    def note(word):
        with open(marker, "a") as f:
            f.write(f"{word} {os.getpid()} {time.time():.3f}\\n")

    def slow_sample(*args, **kwargs):  # runs only while this process holds the entry's lock
        first = not os.path.exists(marker)
        note("start")
        time.sleep(120 if mode == "hang-first" and first else 1.0)  # others arrive and wait meanwhile
        result = fake_sample(*args, **kwargs)
        note("done")
        return result

    def kernel():
        generation._sample = slow_sample
        spec = DatasetSpec(ll.Ising(4), T=[1.5, 2.5], n_samples=6, seed=3, backend="numba")
        while not os.path.exists(go):
            time.sleep(0.005)
        t0 = time.monotonic()
        ds = generate(spec, cache_dir=cache, progress=False)
        with open(os.path.join(out, f"{os.getpid()}.json"), "w") as f:
            json.dump({"sha": hashlib.sha256(ds.configs.tobytes()).hexdigest(), "path": str(ds.path),
                       "waited": time.monotonic() - t0}, f)

    pids = []
    for _ in range(int(n)):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                kernel()
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        pids.append(pid)
    print(json.dumps(pids), flush=True)
    codes = {pid: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids}
    print(json.dumps(codes), flush=True)
"""

_HOLDER = """
    import sys, time
    from latticelab.data._lock import file_lock
    with file_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(120)
"""


def _run_python(code: str, *args, **popen):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.dirname(__file__)]))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True, **popen)


def _start_kernels(tmp_path, mode: str, n: int = N_KERNELS):
    """``n`` kernel processes, forked from one that imported latticelab once (ten imports at once take ~20 s
    on a busy 2-core machine) and released together: (the parent process, the kernels' pids, cache, marker)."""
    cache, marker, go, out = tmp_path / "cache", tmp_path / "marker", tmp_path / "go", tmp_path / "out"
    out.mkdir()
    parent = _run_python(_KERNELS, cache, marker, go, mode, n, out)
    try:
        pids = json.loads(parent.stdout.readline())
        assert len(pids) == n
    except BaseException:
        _stop(parent)
        raise
    go.touch()
    return parent, pids, cache, marker


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    proc.stdout.close()


def _results(parent, out, timeout=60) -> dict:
    """{pid: (exit code, the kernel's JSON result or None)}."""
    try:
        text, _ = parent.communicate(timeout=timeout)
    finally:
        _stop(parent)
    assert parent.returncode == 0, text
    codes = {int(pid): code for pid, code in json.loads(text.splitlines()[-1]).items()}
    return {pid: (code, json.loads((out / f"{pid}.json").read_text()) if code == 0 else None)
            for pid, code in codes.items()}


def _marker(marker) -> list:
    """[(word, pid, time)] in the order the generations wrote them."""
    return [(w, int(pid), float(t)) for w, pid, t in (line.split() for line in marker.read_text().splitlines())]


def _expected(spec):
    configs = fake_sample(spec.system, spec.T, spec.n_samples, seed=spec.seed).configs
    return hashlib.sha256(configs.tobytes()).hexdigest()


@needs_fcntl
def test_ten_kernels_asking_at_once_generate_once_and_all_read_it(tmp_path):
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    t0 = time.monotonic()
    parent, pids, cache, marker = _start_kernels(tmp_path, "plain")
    results = _results(parent, tmp_path / "out")
    events = _marker(marker)
    assert [w for w, _, _ in events] == ["start", "done"], events  # generated once, by one process
    maker = events[0][1]
    assert set(results) == set(pids) and maker in results
    assert all(rc == 0 for rc, _ in results.values()), results  # no worker saw a CacheWarning or an error
    assert {r["sha"] for _, r in results.values()} == {_expected(spec)}  # every kernel got the same, right data
    assert {r["path"] for _, r in results.values()} == {str(cache_path(spec, cache))}
    waiters = [r["waited"] for pid, (_, r) in results.items() if pid != maker]
    assert len(waiters) == N_KERNELS - 1 and min(waiters) > 0.3  # they waited for the 1 s generation
    assert sorted(p.name for p in cache.iterdir()) == [cache_path(spec, cache).name]  # no lock or temp file left
    assert load(spec, cache) is not None
    assert time.monotonic() - t0 < 30


@needs_fcntl
def test_a_generator_killed_mid_generation_frees_the_lock_and_the_others_generate_once(tmp_path):
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    parent, pids, cache, marker = _start_kernels(tmp_path, "hang-first")
    try:
        deadline = time.monotonic() + 30
        while not (marker.exists() and marker.read_text().endswith("\n")):
            assert time.monotonic() < deadline, "no worker started generating"
            time.sleep(0.02)
        (word, victim, _), = _marker(marker)
        assert word == "start" and victim in pids  # one of ours, hanging mid-generation
        time.sleep(0.5)  # the others are waiting on its lock now
        assert len(_marker(marker)) == 1  # nobody else generates while it holds the lock
        killed_at = time.time()
        os.kill(victim, signal.SIGKILL)
    except BaseException:
        _stop(parent)
        raise
    results = _results(parent, tmp_path / "out")
    events = _marker(marker)
    assert results[victim][0] == -signal.SIGKILL
    assert [w for w, _, _ in events] == ["start", "start", "done"], events  # after the kill: one generation
    (_, second, started), (_, finisher, _) = events[1], events[2]
    assert second == finisher != victim and started - killed_at < 5.0  # the kill freed the lock at once
    alive = {pid: r for pid, (rc, r) in results.items() if pid != victim}
    assert len(alive) == N_KERNELS - 1 and all(results[pid][0] == 0 for pid in alive), results
    assert {r["sha"] for r in alive.values()} == {_expected(spec)}
    # the victim's lock file was taken over and removed by the next generator; it wrote nothing else
    assert sorted(p.name for p in cache.iterdir()) == [cache_path(spec, cache).name]


@needs_fcntl
def test_a_waiter_that_gives_up_says_who_holds_the_lock_and_what_to_do(tmp_path, calls):
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    entry = cache_path(spec, tmp_path)
    holder = _run_python(_HOLDER, entry)
    try:
        assert holder.stdout.readline().strip() == "locked"
        lock = _lock.lock_path(entry)
        assert lock.read_text().split()[0] == str(holder.pid)
        t0 = time.monotonic()
        with pytest.raises(_lock.LockTimeout) as err:
            generate(spec, cache_dir=tmp_path, progress=False, lock_timeout=0.5)
        assert 0.5 <= time.monotonic() - t0 < 5
        message = str(err.value)
        assert f"pid {holder.pid}" in message and entry.name in message
        assert "lock_timeout=" in message and "LATTICELAB_LOCK_TIMEOUT" in message and "stop that process" in message
        assert calls["n"] == 0  # it generated nothing
        assert store.clean_temp_files(tmp_path) == [] and lock.exists()  # a held lock is never cleaned
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        assert store.clean_temp_files(tmp_path) == [lock] and not lock.exists()  # the dead holder's file goes
        # a dead holder's lock file does not block: after another kill, generate takes it over at once
        holder2 = _run_python(_HOLDER, entry)
        assert holder2.stdout.readline().strip() == "locked"
        os.kill(holder2.pid, signal.SIGKILL)
        holder2.wait(10)
        holder2.stdout.close()
        assert lock.exists()
        ds = generate(spec, cache_dir=tmp_path, progress=False, lock_timeout=0)
        assert calls["n"] == 1 and ds.path == entry and sorted(p.name for p in tmp_path.iterdir()) == [entry.name]
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(10)
        holder.stdout.close()


def test_lock_timeout_setting_is_checked(monkeypatch):
    monkeypatch.setenv("LATTICELAB_LOCK_TIMEOUT", "ten minutes")
    with pytest.raises(ValueError, match="LATTICELAB_LOCK_TIMEOUT.*set e.g. 600"):
        _lock.default_timeout()
    monkeypatch.setenv("LATTICELAB_LOCK_TIMEOUT", "inf")
    assert _lock.default_timeout() == float("inf")
    monkeypatch.setenv("LATTICELAB_LOCK_TIMEOUT", "90")
    assert _lock.default_timeout() == 90.0
    monkeypatch.delenv("LATTICELAB_LOCK_TIMEOUT")
    assert _lock.default_timeout() == _lock.DEFAULT_TIMEOUT_S
    with pytest.raises(ValueError, match="timeout=-1.0 is negative"):
        with _lock.file_lock("x", timeout=-1):
            pass


def test_without_fcntl_nothing_locks_and_it_says_so(tmp_path, calls, monkeypatch):
    monkeypatch.setattr(_lock, "fcntl", None)
    monkeypatch.setattr(_lock, "_warned", False)
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    with pytest.warns(_lock.LockUnavailableWarning, match="fcntl.*may each generate.*atomically"):
        ds = generate(spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 1 and ds.path == cache_path(spec, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the note comes once per process
        generate(DatasetSpec(ll.Ising(4), **dict(SPEC, seed=4)), cache_dir=tmp_path, progress=False)
    assert calls["n"] == 2 and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        cache_path(DatasetSpec(ll.Ising(4), **dict(SPEC, seed=s)), tmp_path).name for s in (3, 4))


def test_an_unlockable_directory_still_generates_with_a_warning(tmp_path, calls, monkeypatch):
    def refuse(path, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_lock, "file_lock", refuse)
    spec = DatasetSpec(ll.Ising(4), **SPEC)
    with pytest.warns(ll.data.CacheWarning, match="made without a lock.*Permission denied"):
        ds = generate(spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 1 and ds.path == cache_path(spec, tmp_path)
