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
        ds = lldata.generate(system, T=1.0, n_samples=n, burn_in=burn_in, thin=thin, algorithm="worm",
                             symmetrize=False, seed=seed, progress=progress)
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


def insert_open_worms(system, configs, counts, rng, max_len=None):
    """Copies of closed ``configs`` int (n, 4, L, L) with counts[i] open worms each: a random walk of the head that
    changes k by +-1 on every link it crosses, ending away from its tail. Returns configs with exactly 2 counts[i]
    sites of nonzero divergence (walks that would cancel another's ends are redrawn)."""
    out = np.array(configs, copy=True)
    Lt, Lx = system.Lt, system.Lx
    max_len = max_len or (Lt + Lx)
    for i, m in enumerate(counts):
        while True:
            c = out[i].copy()
            for _ in range(m):
                t, x, s = rng.integers(Lt), rng.integers(Lx), rng.choice([-1, 1])
                for _ in range(rng.integers(1, max_len + 1)):
                    d = rng.integers(4)
                    if d == 0:
                        c[0, t, x] += s; t = (t + 1) % Lt
                    elif d == 1:
                        t = (t - 1) % Lt; c[0, t, x] -= s
                    elif d == 2:
                        c[1, t, x] += s; x = (x + 1) % Lx
                    else:
                        x = (x - 1) % Lx; c[1, t, x] -= s
            if np.count_nonzero(system.divergence(c)) == 2 * m:
                out[i] = c
                break
    return out
