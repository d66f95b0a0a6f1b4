"""Bit-packing of configurations: 1, 2, 4 or 8 bits per site, lossless.

A ``Codec`` maps site values to small unsigned codes and packs them densely:

- ``kind="spin"`` (Ising, Edwards-Anderson): s = -1 / +1 -> code 0 / 1, 1 bit per site.
- ``kind="state"`` (Potts): s = 0..q-1 is its own code; 1 bit for q = 2, 2 bits for
  q <= 4, 4 bits for q <= 16, else 8 bits.

Codes are packed little-end first within a byte: site ``k`` of a byte occupies bits
``bits*k .. bits*k + bits - 1`` (for 1 bit this is ``np.packbits(bitorder="little")``).
Sites are taken in C order of the whole array; the last byte is zero-padded.
"""
from __future__ import annotations

import dataclasses

import numpy as np

KINDS = ("spin", "state")


def bits_for(n_codes: int) -> int:
    """Smallest of 1, 2, 4, 8 bits that holds ``n_codes`` distinct codes."""
    for bits in (1, 2, 4, 8):
        if n_codes <= 1 << bits:
            return bits
    raise ValueError(f"{n_codes} codes do not fit in one byte; at most 256 site values can be packed")


@dataclasses.dataclass(frozen=True)
class Codec:
    """How site values become packed bytes; ``n_states`` is 2 for spins and q for Potts."""

    kind: str
    n_states: int

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown codec kind {self.kind!r}; choose 'spin' or 'state'")
        if self.kind == "spin" and self.n_states != 2:
            raise ValueError("a 'spin' codec has n_states=2 (values -1 and +1)")
        bits_for(self.n_states)  # validates the range

    @property
    def bits(self) -> int:
        return bits_for(self.n_states)

    def packed_nbytes(self, n_sites: int) -> int:
        per = 8 // self.bits
        return -(-n_sites // per)

    def encode(self, configs) -> np.ndarray:
        """uint8 (packed_nbytes(configs.size),) from int configs of any shape."""
        codes = self._codes(np.asarray(configs))
        return _pack(codes.ravel(), self.bits)

    def decode(self, packed, shape) -> np.ndarray:
        """int8 ``shape`` back from ``encode``'s bytes; raises ValueError if they cannot be valid."""
        shape = tuple(int(n) for n in shape)
        count = int(np.prod(shape, dtype=np.int64))
        packed = np.asarray(packed, dtype=np.uint8).ravel()
        if packed.size != self.packed_nbytes(count):
            raise ValueError(f"{packed.size} packed bytes cannot hold {count} sites at {self.bits} bits per site")
        codes = _unpack(packed, self.bits, count)
        if codes.size and int(codes.max()) >= self.n_states:
            raise ValueError(f"packed codes exceed the {self.n_states} states of this codec")
        if self.kind == "spin":
            out = codes.astype(np.int8) * np.int8(2) - np.int8(1)
        else:
            out = codes.astype(np.int8)
        return out.reshape(shape)

    def _codes(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "iub":
            raise TypeError(f"configurations must be integer arrays, got dtype {x.dtype}")
        if self.kind == "spin":
            if x.size and not np.all((x == 1) | (x == -1)):
                raise ValueError("spin configurations must contain only -1 and +1")
            return (x > 0).astype(np.uint8)
        if x.size and (int(x.min()) < 0 or int(x.max()) >= self.n_states):
            raise ValueError(f"Potts configurations must contain states 0..{self.n_states - 1}")
        return x.astype(np.uint8)

    def to_json(self) -> dict:
        return {"kind": self.kind, "n_states": self.n_states, "bits": self.bits}

    @classmethod
    def from_json(cls, d: dict) -> "Codec":
        codec = cls(kind=d["kind"], n_states=int(d["n_states"]))
        if int(d["bits"]) != codec.bits:
            raise ValueError(f"stored bits={d['bits']} disagrees with {codec.bits} for {codec}")
        return codec


def codec_for(system) -> Codec:
    """The codec for a system's configurations (Potts: states; Ising/EA: spins)."""
    params = system.params()
    if params.get("system") == "Potts":
        return Codec("state", int(system.q))
    return Codec("spin", 2)


def _pack(codes: np.ndarray, bits: int) -> np.ndarray:
    """uint8 codes (n,) each < 2**bits -> packed uint8 (ceil(n * bits / 8),)."""
    if bits == 8:
        return codes.copy()
    if bits == 1:
        return np.packbits(codes, bitorder="little")
    per = 8 // bits
    pad = (-codes.size) % per
    if pad:
        codes = np.concatenate([codes, np.zeros(pad, np.uint8)])
    groups = codes.reshape(-1, per)
    out = np.zeros(groups.shape[0], np.uint8)
    for k in range(per):
        out |= groups[:, k] << np.uint8(bits * k)
    return out


def _unpack(packed: np.ndarray, bits: int, count: int) -> np.ndarray:
    """Inverse of ``_pack``: uint8 codes (count,)."""
    if bits == 8:
        return packed[:count].copy()
    if bits == 1:
        return np.unpackbits(packed, count=count, bitorder="little")
    per = 8 // bits
    shifts = (bits * np.arange(per)).astype(np.uint8)
    mask = np.uint8((1 << bits) - 1)
    return ((packed[:, None] >> shifts) & mask).ravel()[:count]
