"""Translation-equivariant CNNs on a complex scalar field at finite density (Bulusu, Favoni, Ipp, Müller, Schuh,
arXiv 2103.14686): EQ, ST and FL networks regress n and |phi|^2 from dual worm configurations, generalise to
other couplings and lattice sizes, and count flux violations.

Stages (plain data in, plain dataclasses out):
    worm_check(config)        the worm's <|phi|^2> at mu = 0 beside a direct Metropolis simulation of phi
    dataset(config, L, eta, mu, n, seed)  cached closed configurations (ll.data) -> Data(x, y)
    regression(config)        EQ / ST / FL trained on 8 x 8 at the training points, test MSE on the
                              (eta, mu) grid at every test size (FL: only its own size)
    counting(config)          EQ / ST / FL trained on 0 and 5 inserted open worms, tested on 0..max counts
    reproduce(config) -> Results
Models are trained once through ``latticelab.nn.cache.cached_model`` (keyed by the config and the data keys).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from .. import data as lldata
from ..nn import fit, supervised
from ..nn.cache import cached_model
from ..nn.cnn_families import (EQ_COUNTING, EQ_REGRESSION, FL_COUNTING, FL_REGRESSION, ST_COUNTING, ST_REGRESSION,
                               FAMILIES)
from ..presets import PresetConfig, knob
from ..samplers import worm  # noqa: F401  (registers algorithm='worm')
from ..samplers.dual import sample_dual
from ..systems.phi4 import ComplexPhi4
from .results import Results, Row

TITLE = "Equivariant CNNs at finite density"
CARD = ("A complex scalar field at chemical potential mu, sampled without a sign problem by a worm algorithm in its "
        "dual link variables. Three CNN families regress the density and |phi|^2; only the translation-equivariant "
        "one generalises to larger lattices, and it counts flux violations it was never shown.")
NOTEBOOK = "equivariant_cnn.ipynb"

ARCHS = {"regression": {"EQ": EQ_REGRESSION, "ST": ST_REGRESSION, "FL": FL_REGRESSION},
         "counting": {"EQ": EQ_COUNTING, "ST": ST_COUNTING, "FL": FL_COUNTING}}


@dataclasses.dataclass(frozen=True)
class Config(PresetConfig):
    lam: float = knob("quartic coupling lambda (the paper: 1)")
    train_points: tuple = knob("(eta, mu) pairs trained on at 8 x 8 (the paper: (4.25, 1) and (4.01, 1.5))")
    test_etas: tuple = knob("eta values of the generalisation grid")
    test_mus: tuple = knob("mu values of the generalisation grid")
    train_size: int = knob("lattice side the networks are trained on (the paper: 8)")
    test_sizes: tuple = knob("lattice sides tested (the paper: up to 64)")
    n_train: int = knob("training configurations per training point (the paper: 4000 in total)")
    n_test: int = knob("test configurations per grid point and size")
    thin: int = knob("worm sweeps between stored configurations (a few autocorrelation times)")
    burn_in: int = knob("worm sweeps before the first stored configuration")
    epochs: int = knob("training epochs per network")
    batch: int = knob("minibatch size")
    lr: float = knob("Adam learning rate")
    count_train: tuple = knob("numbers of open worms in the counting training set (the paper: 0 and 5)")
    count_test_max: int = knob("counting is tested on 0..count_test_max open worms")
    n_count: int = knob("configurations per count in the counting sets")
    check_sweeps: int = knob("sweeps of the mu = 0 worm-versus-direct-simulation check")
    blaze_samples: int = knob("configurations per mu of the silver-blaze scan n(mu) on a 32 x 4 lattice")

    ROWS = {
        "smoke": dict(lam=1.0, train_points=((4.25, 1.0), (4.01, 1.5)), test_etas=(4.01, 4.25), test_mus=(1.0, 1.5),
                      train_size=8, test_sizes=(8, 16), n_train=192, n_test=32, thin=2, burn_in=60, epochs=4,
                      batch=64, lr=2e-3, count_train=(0, 5), count_test_max=5, n_count=32, check_sweeps=200,
                      blaze_samples=32),
        "laptop": dict(lam=1.0, train_points=((4.25, 1.0), (4.01, 1.5)), test_etas=(4.01, 4.04, 4.25),
                       test_mus=(1.0, 1.25, 1.5), train_size=8, test_sizes=(8, 16, 32), n_train=1024, n_test=128,
                       thin=4, burn_in=300, epochs=20, batch=64, lr=1e-3, count_train=(0, 5), count_test_max=8,
                       n_count=256, check_sweeps=1500, blaze_samples=128),
        "paper": dict(lam=1.0, train_points=((4.25, 1.0), (4.01, 1.5)), test_etas=(4.01, 4.04, 4.25),
                      test_mus=(1.0, 1.25, 1.5), train_size=8, test_sizes=(8, 16, 32, 64), n_train=2000, n_test=500,
                      thin=10, burn_in=1000, epochs=100, batch=100, lr=1e-3, count_train=(0, 5), count_test_max=10,
                      n_count=2500, check_sweeps=5000, blaze_samples=512),
    }


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

    from .. import _atomic
    from ..data.spec import canonical, library_version
    from ..samplers import chain

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


def _join(parts) -> Data:
    return Data(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                tuple(k for p in parts for k in p.keys))


def train(config, family, task, data: Data, seed=0):
    """(model, history) of ``family`` ('EQ', 'ST', 'FL') for ``task`` trained on ``data``, through the model cache."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    arch = ARCHS[task][family]
    size = tuple(data.x.shape[-2:])

    def build():
        cls = FAMILIES[family]
        return cls(arch, size=size, seed=seed) if family == "FL" else cls(arch, seed=seed)

    def run(model):
        ds = TensorDataset(torch.from_numpy(data.x), torch.from_numpy(data.y))
        loader = DataLoader(ds, batch_size=config.batch, shuffle=True)
        return fit(model, loader, epochs=config.epochs, loss_fn=supervised(torch.nn.functional.mse_loss), lr=config.lr,
                   seed=seed)

    key = {"paper": "equivariance", "task": task, "family": family, "arch": list(arch), "seed": seed,
           "epochs": config.epochs, "batch": config.batch, "lr": config.lr, "data": list(data.keys)}
    return cached_model(key, build, run)


def test_loss(model, data: Data):
    """Mean squared error of ``model`` on ``data``, or None where the model refuses the size (FL)."""
    import torch

    with torch.no_grad():
        try:
            pred = model(torch.from_numpy(data.x))
        except ValueError:
            return None
        return float(torch.mean((pred - torch.from_numpy(data.y)) ** 2))


@dataclasses.dataclass(frozen=True)
class Regression:
    """losses[family][(L, eta, mu)] = test MSE (None: not applicable); seconds of training per family."""

    losses: dict
    train_seconds: dict


def regression(config, progress=False) -> Regression:
    L0 = config.train_size
    train_data = _join([dataset(config, L0, eta, mu, config.n_train, seed=1, progress=progress)
                   for eta, mu in config.train_points])
    models, seconds = {}, {}
    for fam in ("EQ", "ST", "FL"):
        models[fam], hist = train(config, fam, "regression", train_data)
        seconds[fam] = float(hist.get("seconds", [0.0])[-1]) if hist.get("seconds") else 0.0
    losses = {fam: {} for fam in models}
    for L in config.test_sizes:
        for eta in config.test_etas:
            for mu in config.test_mus:
                d = dataset(config, L, eta, mu, config.n_test, seed=2, progress=progress)
                for fam, m in models.items():
                    losses[fam][(L, eta, mu)] = test_loss(m, d)
    return Regression(losses, seconds)


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


@dataclasses.dataclass(frozen=True)
class Counting:
    """pred[family]: float (n,) predicted counts; true: int (n,); per family counting and detection accuracy."""

    true: np.ndarray
    pred: dict
    counting_accuracy: dict
    detection_accuracy: dict


def counting(config, progress=False) -> Counting:
    L0 = config.train_size
    eta, mu = config.train_points[0]
    system = ComplexPhi4(L0, L0, eta=eta, lam=config.lam, mu=mu)
    base = dataset(config, L0, eta, mu, config.n_count * len(config.count_train), seed=3, progress=progress)
    rng = np.random.default_rng(7)
    counts = np.repeat(np.asarray(config.count_train), config.n_count)
    xtr = insert_open_worms(system, base.x.astype(np.int32), counts, rng).astype(np.float32)
    train_data = Data(xtr, counts[:, None].astype(np.float32), base.keys + (f"worms{tuple(config.count_train)}",))
    test_counts = np.repeat(np.arange(config.count_test_max + 1), config.n_count)
    test_base = dataset(config, L0, eta, mu, len(test_counts), seed=4, progress=progress)
    xte = insert_open_worms(system, test_base.x.astype(np.int32), test_counts, np.random.default_rng(8))
    import torch

    pred, acc, det = {}, {}, {}
    for fam in ("EQ", "ST", "FL"):
        model, _ = train(config, fam, "counting", train_data)
        with torch.no_grad():
            p = model(torch.from_numpy(xte.astype(np.float32)))[:, 0].double().numpy()
        pred[fam] = p
        acc[fam] = float(np.mean(np.rint(p) == test_counts))
        det[fam] = float(np.mean((np.rint(p) > 0) == (test_counts > 0)))
    return Counting(test_counts, pred, acc, det)


def worm_check(config, eta=4.25, L=4, seed=0):
    """(worm (mean, err), direct (mean, err)) of <|phi|^2> at mu = 0 on L x L."""
    from ..exact.phi4_weights import direct_phi_metropolis

    d = sample_dual(ComplexPhi4(L, L, eta=eta, lam=config.lam, mu=0.0), 16 * config.check_sweeps // 4,
                    burn_in=200, thin=2, seed=seed, n_chains=16)
    per_chain = d.phi2.reshape(16, -1).mean(axis=1)
    direct = direct_phi_metropolis(L, L, eta, config.lam, 32, config.check_sweeps, seed + 1)[:, 0]
    return ((per_chain.mean(), per_chain.std(ddof=1) / 4), (direct.mean(), direct.std(ddof=1) / np.sqrt(32)),
            (float(d.density.mean()), float(d.density.std() / np.sqrt(len(d.density)))))


@dataclasses.dataclass(frozen=True)
class Blaze:
    """n(mu) on a long-time lattice: mu (k,), density mean and error (k,), one sample's configuration per mu."""

    mu: np.ndarray
    density: np.ndarray
    error: np.ndarray
    configs: np.ndarray


def silver_blaze(config, mus=tuple(np.round(np.linspace(0.0, 1.6, 9), 3)), Lt=32, Lx=4, eta=4.01, seed=0) -> Blaze:
    """The density versus mu at eta = 4.01: zero below the onset (silver blaze), rising above it."""
    dens, err, confs = [], [], []
    for mu in mus:
        d = sample_dual(ComplexPhi4(Lt, Lx, eta=eta, lam=config.lam, mu=mu), config.blaze_samples, burn_in=200, thin=4,
                        seed=seed)
        per_chain = d.density.reshape(d.n_chains, -1).mean(axis=1)
        dens.append(per_chain.mean())
        err.append(per_chain.std(ddof=1) / np.sqrt(d.n_chains))
        confs.append(d.configs[-1])
    return Blaze(np.asarray(mus, float), np.array(dens), np.array(err), np.array(confs))


def _mean_loss(losses, keep):
    vals = [v for k, v in losses.items() if keep(k) and v is not None]
    return float(np.mean(vals)) if vals else None


def reproduce(config, *, progress=True, **options) -> Results:
    """Run every stage of ``config`` and collect the rows of results.json."""
    import torch

    start = time.perf_counter()
    (w, we), (dm, de), (n0, n0e) = worm_check(config)
    rows = [Row("worm <|phi|^2> at mu=0 (4x4, eta=4.25)", w, we, None, dm),
            Row("worm n at mu=0 (4x4, eta=4.25)", n0, n0e, None, 0.0)]
    reg = regression(config, progress=progress)
    L0 = config.train_size
    for fam in ("EQ", "ST", "FL"):
        rows.append(Row(f"{fam} test MSE {L0}x{L0} (eta, mu grid)", _mean_loss(reg.losses[fam], lambda k: k[0] == L0)))
    for L in config.test_sizes:
        if L != L0:
            for fam in ("EQ", "ST", "FL"):
                rows.append(Row(f"{fam} test MSE {L}x{L}", _mean_loss(reg.losses[fam], lambda k, L=L: k[0] == L)))
    cnt = counting(config, progress=progress)
    for fam in ("EQ", "ST", "FL"):
        rows.append(Row(f"{fam} counting accuracy (0..{config.count_test_max} worms)", cnt.counting_accuracy[fam]))
        rows.append(Row(f"{fam} detection accuracy", cnt.detection_accuracy[fam]))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    notes = ("paper column empty: the talk reports these as plots and per-architecture tables of the third task only "
             "(e.g. 1st EQ test loss up to 64x64: mean 1.008e-3); FL rows at other sizes are None because FL refuses them")
    return Results("equivariance", config.name, time.perf_counter() - start, device, rows, notes)
