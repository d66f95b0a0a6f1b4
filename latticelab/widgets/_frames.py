"""Frames of the live lattice view: int8 spins -> the compact bytes the browser canvas draws.

Two encodings, chosen by the system:

- ``"bits"`` (Ising, Edwards-Anderson; +-1 spins): one bit per site, row-major, most significant
  bit first (``np.packbits``); +1 is bit 1. ``ceil(L*L / 8)`` bytes: 8 KiB at L=256, 32 KiB at 512.
- ``"u8"`` (Potts; states 0..q-1): one byte per site, ``L*L`` bytes.

The browser maps a decoded value v to ``palette[v]`` (bits: [down, up]; Potts: one colour per state).
Pure numpy, no widget imports: everything here is unit-tested without a browser.
"""
from __future__ import annotations

import colorsys

import numpy as np

from ..systems import EdwardsAnderson, Ising, Potts

KINDS = ("bits", "u8")

ISING_PALETTE = ("#f2efe6", "#23344d")  # down (light), up (dark ink)
GLASS_PALETTE = ("#1b9e77", "#d95f02")  # the spin glass has its own colours: its order is not ferromagnetic
# Okabe & Ito's colour-blind safe set, then golden-angle hues for q > 8
_QUALITATIVE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#4d4d4d")


def frame_kind(system) -> str:
    """'u8' for Potts, 'bits' for the +-1 systems."""
    if isinstance(system, Potts):
        return "u8"
    if isinstance(system, (Ising, EdwardsAnderson)):
        return "bits"
    raise TypeError(f"no frame encoding for {type(system).__name__}; use ll.Ising, ll.Potts or ll.EdwardsAnderson")


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgb)


def potts_palette(q: int) -> tuple:
    """q distinct CSS colours, one per Potts state."""
    if q < 1:
        raise ValueError(f"q must be >= 1, got {q}")
    extra = [_hex(colorsys.hsv_to_rgb((0.61803398875 * k) % 1.0, 0.55 + 0.35 * (k % 2), 0.85 - 0.25 * (k % 3 == 2)))
             for k in range(max(0, q - len(_QUALITATIVE)))]
    return tuple((list(_QUALITATIVE) + extra)[:q])


def palette(system) -> tuple:
    """CSS colours indexed by decoded frame value (see the module docstring)."""
    if isinstance(system, Potts):
        return potts_palette(system.q)
    return GLASS_PALETTE if isinstance(system, EdwardsAnderson) else ISING_PALETTE


def encode(spins: np.ndarray, kind: str) -> bytes:
    """Bytes of one frame from ``spins``: int8 (L, L) (+-1 for 'bits', 0..q-1 for 'u8')."""
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
