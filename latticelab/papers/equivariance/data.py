"""The app's data: cached closed worm configurations as network inputs with their targets (n, |phi|^2), and
copies with inserted open worms (flux violations)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ... import data as lldata
from ...samplers import worm  # noqa: F401  (registers algorithm='worm')
from ...samplers.dual import sample_dual
from ...systems.phi4 import ComplexPhi4


@dataclasses.dataclass(frozen=True)
class Data:
    """x: float32 (n, 4, L, L) inputs (k_t, k_x, l_t, l_x); y: float32 (n, outputs); keys: the data sets' cache keys."""

    x: np.ndarray
    y: np.ndarray
    keys: tuple


def _sample_cached(system, n, burn_in, thin, seed, progress):
    """(configs int32 (n, 4, Lt, Lx), key): through ll.data when the chain knows algorithm='worm'; until then a
    keyed npz entry in the same cache directory (written atomically, loaded without pickles)."""
    import hashlib
    import io
    import json

    from ... import _atomic
    from ...data.spec import canonical, library_version
    from ...samplers import chain

    if "worm" in chain.ALGORITHMS:
        # backend pinned: 'auto' resolves to torch on a CUDA machine, and the worm runs on numba only (the key
        # is the same as 'auto' on a CPU machine, which resolves to numba before keying)
        ds = lldata.generate(system, T=1.0, n_samples=n, burn_in=burn_in, thin=thin, algorithm="worm",
                             backend="numba", symmetrize=False, seed=seed, progress=progress)
        return ds.configs[0], ds.key
    params = canonical({"system": system.params(), "n": n, "burn_in": burn_in, "thin": thin, "seed": seed,
                        "sampler": "sample_dual", "library_version": library_version()})
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    path = lldata.resolve_cache_dir() / f"phi4-dual-{key}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as f:
                if str(f["key"]) == key and f["configs"].shape == (n, *system.state_shape):
                    return f["configs"], key
        except (OSError, ValueError, KeyError):
            pass  # unreadable: sample again and replace it
    configs = sample_dual(system, n, burn_in=burn_in, thin=thin, seed=seed, progress=progress).configs
    buf = io.BytesIO()
    np.savez(buf, configs=configs, key=np.array(key))
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic.write_atomic(path, buf.getvalue())
    return configs, key


def dataset(config, L, eta, mu, n, seed, progress=False) -> Data:
    """Closed worm configurations at (eta, mu) on L x L, cached; targets (n, |phi|^2) per configuration."""
    system = ComplexPhi4(L, L, eta=eta, lam=config.lam, mu=mu)
    c, key = _sample_cached(system, n, config.burn_in, config.thin, seed, progress)
    y = np.stack([system.density(c), system.phi2(c)], axis=1)
    return Data(c.astype(np.float32), y.astype(np.float32), (key,))


def join(parts) -> Data:
    """One Data of several (inputs and targets concatenated, keys in order)."""
    return Data(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                tuple(k for p in parts for k in p.keys))


def subsample(parts, size, seed=0) -> Data:
    """``size`` configurations drawn evenly from the Data ``parts`` (at random, nested: a smaller size's draw is a
    prefix of a larger one's), joined. Chain-major data sets are shuffled so that a subset spans every chain."""
    per = size // len(parts)
    if per < 1 or per > min(len(p.x) for p in parts):
        raise ValueError(f"a training set of {size} needs 1 to {min(len(p.x) for p in parts)} per training point")
    rng = np.random.default_rng(seed)
    picked = []
    for p in parts:
        idx = rng.permutation(len(p.x))[:per]
        picked.append(Data(p.x[idx], p.y[idx], p.keys + (f"subset{per}of{len(p.x)}seed{seed}",)))
    return join(picked)


def insert_open_worms(system, configs, counts, rng, max_len=None):
    """Copies of closed ``configs`` int (n, 4, Lt, Lx) with counts[i] open worms each: a random walk of the head
    (1 to ``max_len`` steps, default Lt + Lx) that changes k by +-1 on every link it crosses. Returns configs with
    exactly 2 counts[i] sites of nonzero divergence (a configuration whose walks closed or cancelled another's ends
    is redrawn). Vectorised over configurations."""
    out = np.array(configs, copy=True)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != (len(out),) or (counts < 0).any():
        raise ValueError(f"counts must be {len(out)} non-negative integers, one per configuration")
    Lt, Lx = system.Lt, system.Lx
    max_len = int(max_len or (Lt + Lx))
    todo = np.flatnonzero(counts > 0)
    while todo.size:
        c, m = out[todo].copy(), counts[todo]
        for j in range(int(m.max())):
            b = np.flatnonzero(m > j)
            t, x = rng.integers(Lt, size=b.size), rng.integers(Lx, size=b.size)
            s = rng.choice(np.array([-1, 1]), size=b.size)
            length = rng.integers(1, max_len + 1, size=b.size)
            for step in range(max_len):
                go = step < length
                bb, tt, xx, ss = b[go], t[go], x[go], s[go]
                d = rng.integers(4, size=bb.size)
                back_t, back_x = (tt - (d == 1)) % Lt, (xx - (d == 3)) % Lx  # the link crossed backwards
                np.add.at(c, (bb, (d >= 2).astype(np.int64), back_t, back_x), np.where(d % 2 == 0, ss, -ss))
                t[go] = (tt + (d == 0) - (d == 1)) % Lt
                x[go] = (xx + (d == 2) - (d == 3)) % Lx
        ok = np.count_nonzero(system.divergence(c), axis=(-2, -1)) == 2 * m
        out[todo[ok]] = c[ok]
        todo = todo[~ok]
    return out


def flux_counts(n, count_max, kind, offset=0):
    """int (n,) numbers of open worms: 'count' cycles 0..count_max; 'detect' alternates 0 and 1..count_max
    (half the configurations violate the flux conservation)."""
    i = np.arange(n) + offset
    if kind == "count":
        return i % (count_max + 1)
    if kind == "detect":
        return np.where(i % 2 == 0, 0, 1 + (i // 2) % count_max)
    raise ValueError(f"kind must be 'count' or 'detect', got {kind!r}")


def with_violations(system, base: Data, counts, seed, label) -> Data:
    """``base`` with counts[i] open worms inserted in configuration i; targets ``label(counts)`` float32 (n, 1)."""
    x = insert_open_worms(system, base.x.astype(np.int32), counts, np.random.default_rng(seed)).astype(np.float32)
    y = np.asarray(label(np.asarray(counts)), np.float32).reshape(-1, 1)
    return Data(x, y, base.keys + (f"worms{hash_counts(counts)}seed{seed}",))


def hash_counts(counts) -> str:
    import hashlib

    return hashlib.sha256(np.asarray(counts, np.int64).tobytes()).hexdigest()[:16]
