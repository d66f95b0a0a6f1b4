"""One writer per cache entry across processes: an exclusive ``fcntl.flock`` on a lock file beside it.

    with file_lock(entry_path, what="dataset cache entry ..."):
        ...  # look again (another process may have written it while we waited), else make and write it

When ten kernels ask for the same missing entry at once, one holds the lock and makes it; the others wait,
then find the entry and read it. Readers never need the lock: entries are written atomically
(``_atomic.write_atomic``), so a reader sees the whole entry or none.

Lock file: ``.<entry name>.lock`` in the entry's directory. The holder writes ``pid host time`` into it
(for the timeout message) and unlinks it before unlocking, so no lock files pile up. A waiter that gets the
lock checks that the path still names the file it locked (same inode); if the holder unlinked it meanwhile,
it starts over on the new file. That makes unlinking safe, and lets ``clean_stale_locks`` remove lock files
whose holder was killed.

Stale locks: ``flock`` belongs to the open file, which the kernel closes when its process dies, however it
dies (SIGKILL included). A killed generator therefore frees the lock at once; the next waiter takes it,
finds no entry, and generates. A lock file left on disk by a killed process is unlocked, hence harmless.

Where it does not work: platforms without ``fcntl`` (Windows). There ``file_lock`` only warns once
(``LockUnavailableWarning``) and does not lock: concurrent processes may each generate the same entry, and
each writes it atomically, so still nothing corrupt is read. On NFS, Linux maps ``flock`` to POSIX byte-range
locks (NFSv4 or lockd), which work between machines; on filesystems without lock support ``flock`` fails with
an OSError that names the directory.
"""
from __future__ import annotations

import contextlib
import os
import socket
import time
import warnings
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_SUFFIX = ".lock"
#: Seconds a caller waits for another process's lock unless it says otherwise; ``$LATTICELAB_LOCK_TIMEOUT``
#: overrides it (an hour: generating a paper-preset data set or training a model can take many minutes).
DEFAULT_TIMEOUT_S = 3600.0
_POLL_S = (0.01, 0.25)  # first and longest pause between tries
_warned = False


class LockTimeout(TimeoutError):
    """Another process held the lock longer than the caller would wait; the message says who and what to do."""


class LockUnavailableWarning(RuntimeWarning):
    """This platform has no ``fcntl``: cache entries are not locked (each process may generate its own)."""


def lock_path(path) -> Path:
    """The lock file of the entry at ``path``: ``.<name>.lock`` beside it."""
    path = Path(path)
    return path.parent / f".{path.name}{LOCK_SUFFIX}"


def default_timeout() -> float:
    """``$LATTICELAB_LOCK_TIMEOUT`` seconds if set (``inf`` or ``none`` waits forever), else ``DEFAULT_TIMEOUT_S``."""
    env = os.environ.get("LATTICELAB_LOCK_TIMEOUT", "").strip().lower()
    if not env:
        return DEFAULT_TIMEOUT_S
    if env in ("none", "inf", "infinity", "forever"):
        return float("inf")
    try:
        value = float(env)
    except ValueError:
        raise ValueError(f"LATTICELAB_LOCK_TIMEOUT={env!r} is not a number of seconds; set e.g. 600, "
                         "or 'inf'") from None
    if value < 0:
        raise ValueError(f"LATTICELAB_LOCK_TIMEOUT={env!r} is negative; set a number of seconds >= 0, or 'inf'")
    return value


def holder(path) -> str:
    """Who holds (or last held) the lock of ``path``, as its lock file says: 'pid 123 on host h since ...'."""
    try:
        pid, host, since = lock_path(path).read_text().split()[:3]
        started = time.strftime("%H:%M:%S", time.localtime(float(since)))
        return f"pid {pid} on host {host} since {started}"
    except (OSError, ValueError):
        return "another process"


def _open_locked(lock: Path, deadline: float, what: str, entry: Path):
    """An fd holding the exclusive flock of the file now at ``lock`` (created if missing)."""
    pause = _POLL_S[0]
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(_timeout_message(entry, what)) from None
                    time.sleep(pause)
                    pause = min(_POLL_S[1], pause * 1.5)
                except OSError as err:
                    raise OSError(
                        f"cannot lock {lock} ({err}); this filesystem does not support file locks: point the cache at "
                        "a local directory ($LATTICELAB_CACHE / $LATTICELAB_MODELS or cache_dir=...)") from None
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder unlinked the file we waited on: lock the current one


def _timeout_message(entry: Path, what: str) -> str:
    return (f"gave up waiting for the lock on {what} ({entry.name} in {entry.parent}): {holder(entry)} is still making "
            "it. Wait and call again (it will be read from the cache once written), wait longer with lock_timeout=... "
            "or $LATTICELAB_LOCK_TIMEOUT (seconds, or 'inf'), or stop that process (its lock is freed when it exits).")


@contextlib.contextmanager
def file_lock(path, *, timeout=None, what: str = "this cache entry"):
    """Hold the exclusive lock of the entry at ``path`` (a file that need not exist) for the ``with`` body.

    timeout: seconds to wait for another holder (None: ``default_timeout()``; ``float('inf')``: forever);
    raises ``LockTimeout`` past it. ``what`` names the entry in messages. Not reentrant: a process that
    locks the same entry twice waits for itself until the timeout."""
    global _warned
    entry = Path(path)
    timeout = default_timeout() if timeout is None else float(timeout)
    if timeout < 0:
        raise ValueError(f"timeout={timeout} is negative; pass seconds >= 0, or float('inf') to wait forever")
    if fcntl is None:
        if not _warned:
            _warned = True
            warnings.warn("file locks need fcntl (POSIX), which this platform lacks: concurrent processes may each "
                          "generate the same cache entry (each writes it atomically, so none is read corrupt)",
                          LockUnavailableWarning, stacklevel=3)
        yield
        return
    entry.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(entry)
    fd = _open_locked(lock, time.monotonic() + timeout, what, entry)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname() or 'host'} {time.time():.3f}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)  # while still holding it: waiters on this inode see it gone and start over
        os.close(fd)  # releases the flock


@contextlib.contextmanager
def entry_lock(path, *, timeout=None, what: str = "this cache entry", category=RuntimeWarning):
    """``file_lock``, or no lock (with a ``category`` warning) where the directory cannot hold a lock file
    (read-only, or a filesystem without locks): then the caller makes the entry unlocked, as before locks."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(file_lock(path, timeout=timeout, what=what))
        except LockTimeout:
            raise
        except OSError as err:
            warnings.warn(f"{what} is made without a lock ({err}); concurrent processes may each make it",
                          category, stacklevel=3)
        yield


def clean_stale_locks(directory) -> list:
    """Remove the lock files in ``directory`` that nobody holds (their holder was killed); returns them."""
    directory, removed = Path(directory), []
    if fcntl is None or not directory.is_dir():
        return removed
    for lock in directory.glob(".*" + LOCK_SUFFIX):
        try:
            fd = os.open(lock, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                os.unlink(lock)
                removed.append(lock)
        except OSError:  # held (BlockingIOError) or already gone: leave it
            pass
        finally:
            os.close(fd)
    return removed
