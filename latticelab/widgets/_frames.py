"""Frames of the live lattice view: a configuration -> the compact bytes the browser canvas draws.

The encoding follows the system's ``site_kind`` (see ``ll.systems.LatticeSystem``):

- ``"bits"`` (site kind ``'spin'``: int8 +-1): one bit per site, row-major, most significant bit
  first (``np.packbits``); +1 is bit 1. ``ceil(L*L / 8)`` bytes: 8 KiB at L=256, 32 KiB at 512.
- ``"u8"`` (site kind ``'state'``: int8 0..n_states-1): one byte per site, ``L*L`` bytes.

The browser maps a decoded value v to ``palette[v]``, the system's ``palette()`` (spins: [down, up];
states: one colour per state). Pure numpy, no widget imports: unit-tested without a browser.
"""
from __future__ import annotations

import numpy as np

KINDS = ("bits", "u8")
_KIND_OF_SITES = {"spin": "bits", "state": "u8"}


def frame_kind(system) -> str:
    """The encoding of ``system``'s sites: 'bits' for +-1 spins, 'u8' for states."""
    kind = _KIND_OF_SITES.get(getattr(system, "site_kind", None))
    if kind is None:
        raise TypeError(f"no frame encoding for sites of kind {getattr(system, 'site_kind', None)!r} "
                        f"({type(system).__name__}); the lattice canvas draws {', '.join(map(repr, _KIND_OF_SITES))}")
    if kind == "u8" and system.n_states > 256:
        raise ValueError(f"a 'u8' frame holds at most 256 states, {type(system).__name__} has {system.n_states}")
    return kind


def encode(spins: np.ndarray, kind: str) -> bytes:
    """Bytes of one frame from ``spins``: int8 (L, L) (+-1 for 'bits', 0..n_states-1 for 'u8')."""
    spins = np.asarray(spins)
    if spins.ndim != 2 or spins.shape[0] != spins.shape[1]:
        raise ValueError(f"a frame is one square lattice, int8 (L, L); got shape {spins.shape}")
    if kind == "bits":
        return np.packbits(spins > 0).tobytes()
    if kind == "u8":
        return np.ascontiguousarray(spins, dtype=np.uint8).tobytes()
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def decode(data: bytes, kind: str, L: int) -> np.ndarray:
    """The inverse of ``encode``: int8 (L, L). What the browser does, in numpy (for tests)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if kind == "bits":
        bits = np.unpackbits(buf, count=L * L)
        return (2 * bits.astype(np.int8) - 1).reshape(L, L)
    if kind == "u8":
        if buf.size != L * L:
            raise ValueError(f"a 'u8' frame of L={L} has {L * L} bytes, got {buf.size}")
        return buf.astype(np.int8).reshape(L, L)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def frame_bytes(kind: str, L: int) -> int:
    """Size in bytes of one encoded frame."""
    return (L * L + 7) // 8 if kind == "bits" else L * L
