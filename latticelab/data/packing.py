"""How configurations are stored: bit-packed spins and states, or raw numbers; always lossless.

A ``Codec`` turns configurations into uint8 bytes and back. ``codec_for(system)`` asks the system
(``site_kind``, ``n_states``, ``state_dtype``) and never looks at its type or name:

- ``kind="spin"``: s = -1 / +1 -> code 0 / 1, 1 bit per site.
- ``kind="state"``: s = 0..n_states-1 is its own code; 1 bit for 2 states, 2 bits for
  <= 4, 4 bits for <= 16, else 8 bits (at most 256 states).
- ``kind="raw"``: any other integer or float state (e.g. unbounded integer link fields):
  the values themselves as little-endian bytes of the system's ``state_dtype``.

Packed codes go little-end first within a byte: site ``k`` of a byte occupies bits
``bits*k .. bits*k + bits - 1`` (for 1 bit this is ``np.packbits(bitorder="little")``).
Sites are taken in C order of the whole array; the last byte is zero-padded. Decoding
gives arrays of ``dtype`` (the system's ``state_dtype``).
"""
from __future__ import annotations

import dataclasses

import numpy as np

KINDS = ("spin", "state", "raw")
_PACKED = ("spin", "state")


def bits_for(n_codes: int) -> int:
    """Smallest of 1, 2, 4, 8 bits that holds ``n_codes`` distinct codes."""
    for bits in (1, 2, 4, 8):
        if n_codes <= 1 << bits:
            return bits
    raise ValueError(f"{n_codes} codes do not fit in one byte; at most 256 site values can be packed")


def _state_dtype(dtype) -> np.dtype:
    """``dtype`` as a native numpy integer or float dtype; TypeError for anything else."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"a state dtype must be a numpy integer or float dtype, got {dtype!r}") from None
    if dtype.kind not in "iuf":
        raise TypeError(f"a state dtype must be a numpy integer or float dtype such as 'int8' or 'int32', got {dtype}")
    return dtype.newbyteorder("=")


@dataclasses.dataclass(frozen=True)
class Codec:
    """How configurations become bytes.

    kind:     'spin' (+-1, 1 bit), 'state' (0..n_states-1, bit-packed) or 'raw' (the numbers as they are)
    n_states: 2 for spins, the number of states for 'state', 0 (unused) for 'raw'
    dtype:    the configurations' dtype (a numpy integer or float dtype name, e.g. 'int8', 'int32')
    """

    kind: str
    n_states: int = 0
    dtype: str = "int8"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown codec kind {self.kind!r}; choose one of {', '.join(map(repr, KINDS))}")
        dtype = _state_dtype(self.dtype)
        object.__setattr__(self, "dtype", dtype.name)
        object.__setattr__(self, "n_states", int(self.n_states))
        if self.kind == "spin" and self.n_states != 2:
            raise ValueError("a 'spin' codec has n_states=2 (values -1 and +1)")
        if self.kind in _PACKED:
            bits_for(self.n_states)  # validates the range
            lowest = -1 if self.kind == "spin" else 0
            if dtype.kind not in "iu" or np.iinfo(dtype).min > lowest or np.iinfo(dtype).max < self.n_states - 1:
                raise ValueError(f"dtype {dtype} cannot hold the values of a {self.kind!r} codec with {self.n_states} states")
        elif self.n_states != 0:
            raise ValueError("a 'raw' codec stores values as they are: leave n_states=0")

    @property
    def bits(self) -> int:
        """Bits per site."""
        if self.kind == "raw":
            return 8 * np.dtype(self.dtype).itemsize
        return bits_for(self.n_states)

    def packed_nbytes(self, n_sites: int) -> int:
        if self.kind == "raw":
            return n_sites * np.dtype(self.dtype).itemsize
        per = 8 // self.bits
        return -(-n_sites // per)

    def encode(self, configs) -> np.ndarray:
        """uint8 (packed_nbytes(configs.size),) from configs of any shape."""
        x = np.asarray(configs)
        if self.kind == "raw":
            return self._raw_bytes(x)
        return _pack(self._codes(x).ravel(), self.bits)

    def decode(self, packed, shape) -> np.ndarray:
        """``dtype`` array of ``shape`` back from ``encode``'s bytes; raises ValueError if they cannot be valid."""
        shape = tuple(int(n) for n in shape)
        count = int(np.prod(shape, dtype=np.int64))
        packed = np.asarray(packed, dtype=np.uint8).ravel()
        if packed.size != self.packed_nbytes(count):
            raise ValueError(f"{packed.size} packed bytes cannot hold {count} sites at {self.bits} bits per site")
        dtype = np.dtype(self.dtype)
        if self.kind == "raw":
            return np.frombuffer(packed.tobytes(), dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)
        codes = _unpack(packed, self.bits, count)
        if codes.size and int(codes.max()) >= self.n_states:
            raise ValueError(f"packed codes exceed the {self.n_states} states of this codec")
        out = codes.astype(dtype)
        if self.kind == "spin":
            out = out * dtype.type(2) - dtype.type(1)
        return out.reshape(shape)

    def _raw_bytes(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "biuf":
            raise TypeError(f"configurations must be integer or float arrays, got dtype {x.dtype}")
        le = np.dtype(self.dtype).newbyteorder("<")
        y = np.ascontiguousarray(x, dtype=le)
        both_float = x.dtype.kind == "f" and le.kind == "f"
        if x.dtype != np.dtype(self.dtype) and not np.array_equal(y, x, equal_nan=both_float):
            raise ValueError(f"configurations of dtype {x.dtype} do not fit {self.dtype} without loss")
        return y.reshape(-1).view(np.uint8)

    def _codes(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "iub":
            raise TypeError(f"configurations must be integer arrays, got dtype {x.dtype}")
        if self.kind == "spin":
            if x.size and not np.all((x == 1) | (x == -1)):
                raise ValueError("spin configurations must contain only -1 and +1")
            return (x > 0).astype(np.uint8)
        if x.size and (int(x.min()) < 0 or int(x.max()) >= self.n_states):
            raise ValueError(f"state configurations must contain states 0..{self.n_states - 1}")
        return x.astype(np.uint8)

    def to_json(self) -> dict:
        return {"kind": self.kind, "n_states": self.n_states, "bits": self.bits, "dtype": self.dtype}

    @classmethod
    def from_json(cls, d: dict) -> "Codec":
        codec = cls(kind=d["kind"], n_states=int(d["n_states"]), dtype=str(d["dtype"]))
        if int(d["bits"]) != codec.bits:
            raise ValueError(f"stored bits={d['bits']} disagrees with {codec.bits} for {codec}")
        return codec


def codec_for(system) -> Codec:
    """The codec for ``system``'s configurations, from what it declares about its sites.

    site_kind 'spin' or 'state' with at most 256 states in an integer ``state_dtype``: bit-packed;
    anything else (another site_kind, more states, a float state): raw little-endian values.
    """
    dtype = _state_dtype(system.state_dtype)
    kind, n = system.site_kind, int(system.n_states)
    if kind in _PACKED and dtype.kind in "iu" and n <= 256:
        return Codec(kind, n, dtype.name)
    return Codec("raw", 0, dtype.name)


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
