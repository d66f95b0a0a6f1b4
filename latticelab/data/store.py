"""One cache entry on disk: written atomically, verified before it is trusted.

File layout (all integers little-endian)::

    MAGIC (8 bytes) | header length (uint64) | header (UTF-8 JSON) | payload | sha256 (32 bytes)

The header holds the metadata (key, spec params, shapes, codec, format version,
creation time, ``payload_sha256``) and a table of payload sections
``{name, dtype, shape, offset, nbytes}``. The trailing sha256 covers every byte before
it, header included, so a truncated file or any flipped byte is caught.

Writes go through ``latticelab._atomic.write_atomic`` (a fsynced temp file
``.<final name>.<host>.<pid>.<random>.tmp`` in the same directory, then ``os.replace``): a
reader sees either the old entry, the new one, or none — never a partial one. Temp files
are never read; ``clean_temp_files`` removes those whose writer is gone.

Concurrent makers: ``generate`` makes a missing entry under an exclusive file lock on
``.<final name>.lock`` (``latticelab.data._lock``), so processes that ask for it at once make it once; the
others wait and read it. Reading needs no lock.

Sections hold plain numbers only (bool, integer or float of any width, little-endian): a
header can never make the reader build Python objects.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .. import _atomic
from . import _lock

MAGIC = b"LLDSET\r\n"
_DIGEST = 32
#: Temp files older than this are removed even when their writer cannot be checked.
STALE_AFTER_S = 24 * 3600.0


def storable(dtype) -> bool:
    """True for the dtypes a section may have: bool, integer or float, little-endian or single-byte."""
    dtype = np.dtype(dtype)
    return dtype.kind in "biuf" and dtype.str[0] in "<|"


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
        dtype = arr.dtype.newbyteorder("<")
        if not storable(dtype):
            raise TypeError(f"section {name!r} has dtype {arr.dtype}; store bool, integer or float arrays")
        arr = arr.astype(dtype, copy=False)
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
            dtype = np.dtype(str(sec["dtype"]))
            shape = tuple(int(n) for n in sec["shape"])
            off, nbytes = int(sec["offset"]), int(sec["nbytes"])
        except (KeyError, TypeError, ValueError) as err:
            raise CorruptEntry(f"bad section entry {sec!r} ({err})") from None
        if not storable(dtype):
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


def clean_temp_files(cache_dir) -> list:
    """Remove temp files left by writers that died (or are older than a day) and lock files nobody holds
    (their holder was killed); returns them."""
    return _atomic.clean_temp_files(cache_dir, STALE_AFTER_S) + _lock.clean_stale_locks(cache_dir)
