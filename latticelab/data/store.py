"""One cache entry on disk: written atomically, verified before it is trusted.

File layout (all integers little-endian)::

    MAGIC (8 bytes) | header length (uint64) | header (UTF-8 JSON) | payload | sha256 (32 bytes)

The header holds the metadata (key, spec params, shapes, codec, format version,
creation time, ``payload_sha256``) and a table of payload sections
``{name, dtype, shape, offset, nbytes}``. The trailing sha256 covers every byte before
it, header included, so a truncated file or any flipped byte is caught.

Writes go to a temp file ``.<final name>.<host>.<pid>.<random>.tmp`` in the same
directory, are flushed and fsynced, then ``os.replace``-d onto the final name: a reader
sees either the old entry, the new one, or none — never a partial one. Temp files are
never read; ``clean_temp_files`` removes those whose writer is gone.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

MAGIC = b"LLDSET\r\n"
_DIGEST = 32
_ALLOWED_DTYPES = ("|u1", "<f8", "<i8")
TEMP_SUFFIX = ".tmp"
_UMASK = os.umask(0o022)  # read the process umask (set straight back) so entries get normal permissions
os.umask(_UMASK)
#: Temp files older than this are removed even when their writer cannot be checked.
STALE_AFTER_S = 24 * 3600.0


class CorruptEntry(Exception):
    """A cache file that must not be trusted; the message says why."""


def default_cache_dir() -> Path:
    """``$LATTICELAB_CACHE`` if set, else ``~/.cache/latticelab/datasets``."""
    env = os.environ.get("LATTICELAB_CACHE")
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/latticelab/datasets").expanduser()


def encode(meta: dict, arrays: dict) -> list:
    """The file's bytes as a list of chunks; ``arrays`` maps names to numpy arrays."""
    sections, blobs, offset = [], [], 0
    payload_hash = hashlib.sha256()
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        arr = arr.astype(dtype, copy=False)
        if dtype.str not in _ALLOWED_DTYPES:
            raise TypeError(f"section {name!r} has dtype {dtype.str}; store one of {_ALLOWED_DTYPES}")
        blob = arr.tobytes()
        sections.append({"name": name, "dtype": dtype.str, "shape": list(arr.shape), "offset": offset, "nbytes": len(blob)})
        payload_hash.update(blob)
        blobs.append(blob)
        offset += len(blob)
    header = dict(meta, sections=sections, payload_nbytes=offset, payload_sha256=payload_hash.hexdigest())
    head = json.dumps(header, sort_keys=True, allow_nan=False).encode("utf-8")
    chunks = [MAGIC, len(head).to_bytes(8, "little"), head, *blobs]
    total = hashlib.sha256()
    for c in chunks:
        total.update(c)
    chunks.append(total.digest())
    return chunks


def decode(data: bytes, expected_key: str) -> tuple:
    """(meta, arrays) from a file's bytes; raises CorruptEntry unless every check passes."""
    if len(data) < len(MAGIC) + 8 + _DIGEST:
        raise CorruptEntry(f"file is too short ({len(data)} bytes)")
    if data[: len(MAGIC)] != MAGIC:
        raise CorruptEntry("not a latticelab data file (bad magic bytes)")
    view = memoryview(data)  # slices below do not copy the payload
    if hashlib.sha256(view[:-_DIGEST]).digest() != data[-_DIGEST:]:
        raise CorruptEntry("checksum mismatch (the file is truncated or altered)")
    n_head = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    if start + n_head > len(data) - _DIGEST:
        raise CorruptEntry("header length runs past the end of the file")
    try:
        meta = json.loads(bytes(view[start : start + n_head]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise CorruptEntry(f"header is not valid JSON ({err})") from None
    if not isinstance(meta, dict):
        raise CorruptEntry("header is not a JSON object")
    if meta.get("key") != expected_key:
        raise CorruptEntry(f"key {meta.get('key')!r} does not match the expected {expected_key!r}")
    payload = view[start + n_head : len(data) - _DIGEST]
    if len(payload) != meta.get("payload_nbytes"):
        raise CorruptEntry(f"payload has {len(payload)} bytes, header says {meta.get('payload_nbytes')}")
    if hashlib.sha256(payload).hexdigest() != meta.get("payload_sha256"):
        raise CorruptEntry("payload sha256 does not match the header")
    arrays = {}
    for sec in meta.get("sections", []):
        try:
            dtype = np.dtype(sec["dtype"])
            shape = tuple(int(n) for n in sec["shape"])
            off, nbytes = int(sec["offset"]), int(sec["nbytes"])
        except (KeyError, TypeError, ValueError) as err:
            raise CorruptEntry(f"bad section entry {sec!r} ({err})") from None
        if sec["dtype"] not in _ALLOWED_DTYPES:
            raise CorruptEntry(f"section {sec.get('name')!r} has unexpected dtype {sec['dtype']}")
        if off < 0 or off + nbytes > len(payload) or nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise CorruptEntry(f"section {sec.get('name')!r} does not fit its shape {shape} or the payload")
        arrays[sec["name"]] = np.frombuffer(payload, dtype=dtype, count=nbytes // dtype.itemsize, offset=off).reshape(shape)
    return meta, arrays


def read(path, expected_key: str) -> tuple:
    """(meta, arrays) of the entry at ``path``; CorruptEntry if it cannot be trusted."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise CorruptEntry(f"cannot read it ({err})") from None
    return decode(data, expected_key)


def _write_chunks(f, chunks) -> None:
    """Write the chunks to an open binary file (separate so tests can interrupt it)."""
    for c in chunks:
        f.write(c)


def write_atomic(path, chunks) -> Path:
    """Write ``chunks`` to ``path`` via a fsynced temp file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{_host()}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o666 & ~_UMASK)  # mkstemp makes 0600; a shared cache needs readers
            _write_chunks(f, chunks)
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


def _host() -> str:
    return "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in socket.gethostname()) or "host"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only probes (POSIX); never called elsewhere
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but is not ours
    return True


def _is_stale(tmp: Path, now: float) -> bool:
    try:
        age = now - tmp.stat().st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_S:
        return True
    parts = tmp.name[:-len(TEMP_SUFFIX)].split(".")
    # ".<name>.lld.<host>.<pid>.<random>" -> [..., host, pid, random]
    if os.name != "posix" or len(parts) < 4 or parts[-3] != _host() or not parts[-2].isdigit():
        return False
    return int(parts[-2]) != os.getpid() and not _pid_alive(int(parts[-2]))


def clean_temp_files(cache_dir) -> list:
    """Remove temp files left by writers that died (or are older than a day); returns them."""
    cache_dir, now, removed = Path(cache_dir), time.time(), []
    if not cache_dir.is_dir():
        return removed
    for tmp in cache_dir.glob(".*" + TEMP_SUFFIX):
        if _is_stale(tmp, now):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed
