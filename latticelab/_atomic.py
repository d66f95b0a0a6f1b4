"""Atomic file writes: readers see the old file, the new one, or none — never a partial one.

``write_atomic(path, data)`` writes to a temp file ``.<name>.<host>.<pid>.<random>.tmp`` in the
same directory, flushes and fsyncs it, ``os.replace``-s it onto ``path`` and fsyncs the directory.
On any error (KeyboardInterrupt included) the temp file is removed. A writer killed outright
(SIGKILL, power loss) leaves its temp file behind; ``clean_temp_files`` removes those whose
writer is gone, which the name records.

Permissions: the temp file is created with ``os.open(..., O_CREAT | O_EXCL, 0o666)``, so the kernel
applies the process umask exactly as for an ordinary ``open(path, "w")`` (0o644 under the usual
umask 022). ``tempfile.mkstemp`` would make it 0o600 and fixing that up needs the umask, which can
only be read by setting it (``os.umask``): a process-wide change that races with other threads.
"""
from __future__ import annotations

import os
import secrets
import socket
import time
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def host_tag() -> str:
    """This machine's name as it appears in temp file names (letters, digits, '-', '_')."""
    return "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in socket.gethostname()) or "host"


def _chunks(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return (data,)
    return data


def _write_chunks(f, chunks) -> None:
    """Write the chunks to an open binary file (separate so tests can interrupt or slow it)."""
    for c in chunks:
        f.write(c)


def _create_temp(path: Path) -> tuple:
    """(fd, temp path) of a new, exclusively created file beside ``path``."""
    prefix = f".{path.name}.{host_tag()}.{os.getpid()}."
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.parent / f"{prefix}{secrets.token_hex(6)}{TEMP_SUFFIX}"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a unique temp file beside {path}")


def write_atomic(path, data) -> Path:
    """Write ``data`` (bytes, or an iterable of bytes chunks) to ``path`` atomically; returns ``path``.

    Creates the parent directory if needed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_chunks(f, _chunks(data))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # includes KeyboardInterrupt: never leave our temp file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only probes (POSIX)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but is not ours
    return True


def _is_orphan(tmp: Path, now: float, stale_after_s: float) -> bool:
    try:
        age = now - tmp.stat().st_mtime
    except OSError:
        return False
    if age > stale_after_s:
        return True
    parts = tmp.name[: -len(TEMP_SUFFIX)].split(".")
    # ".<name>.<host>.<pid>.<random>" -> [..., host, pid, random]
    if os.name != "posix" or len(parts) < 4 or parts[-3] != host_tag() or not parts[-2].isdigit():
        return False
    return int(parts[-2]) != os.getpid() and not _pid_alive(int(parts[-2]))


def clean_temp_files(directory, stale_after_s: float) -> list:
    """Remove the temp files in ``directory`` whose writer on this host is gone, or older than
    ``stale_after_s`` seconds (writers elsewhere cannot be checked); returns the removed paths."""
    directory, now, removed = Path(directory), time.time(), []
    if not directory.is_dir():
        return removed
    for tmp in directory.glob(".*" + TEMP_SUFFIX):
        if _is_orphan(tmp, now, stale_after_s):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed
