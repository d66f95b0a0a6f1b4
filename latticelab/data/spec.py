"""``DatasetSpec``: everything that determines a generated data set, and its cache key."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import numbers

import numpy as np

from .. import _validate, _version
from ..backend import BACKENDS, resolve
from ..samplers.chain import ALGORITHMS, STARTS
from ..systems import check_system

#: Bumped whenever the on-disk layout or the meaning of a key changes; part of every key.
FORMAT_VERSION = 2


def library_version() -> str:
    """``latticelab.__version__`` (from ``latticelab._version``), read at call time; part of every key.

    Samples depend on the systems, the lattice, the random streams and the kernels, not only on
    samplers/, so the key names the whole library's version: a release that fixes any of them
    (and so bumps the version) stops older entries from being reused. A separate sampler-only
    counter would miss fixes outside samplers/; the model cache keys on the same version.
    """
    return str(_version.__version__)


def _float_tuple(values, name: str, *, positive: bool) -> tuple:
    if positive:
        arr = _validate.temperatures(values, name)
    else:
        arr = np.atleast_1d(_validate.reals(values, name, example="0.5"))
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty scalar or 1-d sequence, got shape {arr.shape}")
    return tuple(float(x) + 0.0 for x in arr)  # + 0.0 turns -0.0 into 0.0


def canonical(x):
    """JSON-ready value with floats as exact reprs (so keys never depend on float formatting)."""
    if isinstance(x, dict):
        return {str(k): canonical(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [canonical(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return repr(float(x) + 0.0)
    if x is None or isinstance(x, str):
        return x
    raise TypeError(f"cannot put {type(x).__name__} {x!r} into a cache key")


def digest(value) -> str:
    """sha256 (64 hex digits) of ``value`` as canonical JSON: the key of a cache entry (models, memoised
    results); callers put ``library_version()`` into ``value``."""
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A labelled sample set: ``n_samples`` decorrelated configurations at each grid point.

    system:    any ``LatticeSystem`` (ll.Ising, ll.Potts, ll.EdwardsAnderson, ...)
    T:         temperatures, float (n_T,)
    n_samples: configurations per grid point
    h:         systems with a field (``has_field``) only: fields (n_h,). With ``points=False`` the data cover the product
               grid T x h (T-major: point ``i * n_h + j`` is (T[i], h[j])); with
               ``points=True`` T and h have equal length and point i is (T[i], h[i]).
               None: every point uses ``system.h``.
    burn_in, thin: sweeps; None lets the sampler choose from a measured autocorrelation time.
    algorithm, n_chains, start, symmetrize: passed to ``ll.sample``.
    backend, device: resolved on construction ('auto' becomes 'numba', or 'torch' with
               its device), so the key names the backend that really makes the samples.
    seed:      integer; the same spec gives the same data.
    """

    system: object
    T: tuple
    n_samples: int
    h: tuple = None
    points: bool = False
    burn_in: int = None
    thin: int = None
    algorithm: str = "auto"
    backend: str = "auto"
    device: str = None
    n_chains: int = None
    start: str = "auto"
    symmetrize: bool = True
    seed: int = 0

    def __post_init__(self):
        check_system(self.system)
        T = _float_tuple(self.T, "T", positive=True)
        object.__setattr__(self, "T", T)
        object.__setattr__(self, "n_samples", _validate.positive_int(self.n_samples, "n_samples"))
        if not isinstance(self.points, (bool, np.bool_)):
            raise TypeError(f"points must be True or False, got {self.points!r}")
        object.__setattr__(self, "points", bool(self.points))
        if self.h is not None:
            if not self.system.has_field:
                raise ValueError(
                    f"a field grid h needs a system with a field (such as ll.Ising); {type(self.system).__name__} "
                    "has none. Drop h=..., or use ll.Ising(L=...)"
                )
            object.__setattr__(self, "h", _float_tuple(self.h, "h", positive=False))
        if self.points:
            if self.h is None or len(self.h) != len(T):
                raise ValueError(
                    "points=True pairs T[i] with h[i]: pass h with the same length as T "
                    f"(got {len(T)} temperatures and {0 if self.h is None else len(self.h)} fields), "
                    "or points=False for the product grid T x h"
                )
            pairs = list(zip(T, self.h))
            if len(set(pairs)) != len(pairs):
                raise ValueError("points=True has repeated (T, h) pairs; list each point once and raise n_samples instead")
        else:
            if len(set(T)) != len(T):
                raise ValueError(f"T has repeated values {T}; list each temperature once and raise n_samples instead")
            if self.h is not None and len(set(self.h)) != len(self.h):
                raise ValueError(f"h has repeated values {self.h}; list each field once and raise n_samples instead")
        object.__setattr__(self, "burn_in", _validate.optional_int(self.burn_in, "burn_in", 0))
        object.__setattr__(self, "thin", _validate.optional_int(self.thin, "thin", 1))
        object.__setattr__(self, "n_chains", _validate.optional_int(self.n_chains, "n_chains", 1))
        _validate.choice(self.algorithm, "algorithm", ALGORITHMS)
        _validate.choice(self.backend, "backend", BACKENDS)
        _validate.choice(self.start, "start", STARTS)
        if not isinstance(self.symmetrize, (bool, np.bool_)):
            raise TypeError(f"symmetrize must be True or False, got {self.symmetrize!r}")
        object.__setattr__(self, "symmetrize", bool(self.symmetrize))
        resolved = resolve(self.backend, None if self.device is None else str(self.device))
        object.__setattr__(self, "backend", resolved.name)
        object.__setattr__(self, "device", resolved.device)
        if self.seed is None:
            raise TypeError("a data set needs a fixed seed so that it can be cached and reproduced; pass e.g. seed=0")
        object.__setattr__(self, "seed", _validate.seed(self.seed))

    # --- the grid -------------------------------------------------------------------------

    @property
    def n_points(self) -> int:
        if self.h is None or self.points:
            return len(self.T)
        return len(self.T) * len(self.h)

    @property
    def configs_shape(self) -> tuple:
        """Shape of the generated configurations: (n_points, n_samples, *system.state_shape)."""
        return (self.n_points, self.n_samples, *self.system.state_shape)

    def point_T(self) -> np.ndarray:
        """float64 (n_points,): the temperature of every grid point."""
        T = np.asarray(self.T, dtype=np.float64)
        if self.h is None or self.points:
            return T
        return np.repeat(T, len(self.h))

    def point_h(self) -> np.ndarray:
        """float64 (n_points,): the field of every grid point (``system.h`` when h is None)."""
        if self.h is None:
            return np.full(len(self.T), float(self.system.h) + 0.0)
        h = np.asarray(self.h, dtype=np.float64)
        return h if self.points else np.tile(h, len(self.T))

    # --- identity -------------------------------------------------------------------------

    def params(self) -> dict:
        """Canonical JSON-ready dict of every parameter that affects the samples."""
        return canonical(
            {
                "format_version": FORMAT_VERSION,
                "library_version": library_version(),
                "system": self.system.params(),
                "T": self.T,
                "h": self.h,
                "points": self.points,
                "n_samples": self.n_samples,
                "burn_in": self.burn_in,
                "thin": self.thin,
                "algorithm": self.algorithm,
                "backend": self.backend,
                "device": self.device,
                "n_chains": self.n_chains,
                "start": self.start,
                "symmetrize": self.symmetrize,
                "seed": self.seed,
            }
        )

    def key(self) -> str:
        """Stable sha256 (64 hex digits) of the canonical JSON of ``params()``."""
        text = json.dumps(self.params(), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    def filename(self) -> str:
        """The cache file name: a readable prefix plus the full key."""
        return f"{self.system.name or 'system'}-L{self.system.L}-{self.key()}.lld"
