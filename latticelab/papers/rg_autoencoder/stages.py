"""Stages that make data and train nets: plain data in, plain dataclasses out; every net through the model cache.

    data = make_data(config)                       Data: the four cached data sets
    shallow = train_shallow(config, data)          Shallow: CG/UP nets trained on decimated pairs, HCG hard-coded
    models = train_models(config, data, shallow)   {name: Trained}: Models 1, 2, 3 and their validation losses
    wide = train_wide_autoencoder(config, data)    Trained: AE-WR, Model 1 trained over all beta
    pred = train_beta_predictors(config, data)     Predictors: beta from an L x L lattice, and from an L/2 x L/2 one
"""
from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from ... import data as lldata
from ...backend import train_device
from ...lattice.decimation import decimate, decimation_matrix
from ...nn import Plateau, cache, fit, supervised
from ...nn.autoencoder import LinearNet, hard_coded, loss_fn, model_1, model_2, model_3
from ...nn.beta_predictor import BetaPredictor
from ...systems import Ising
from .config import PLATEAU_GAIN, Config

PAPER = "rg_autoencoder"
BETA_RANGE = (0.01, 0.6)


def beta_grid(n: int) -> np.ndarray:
    """float64 (n,): n evenly spaced points of [0.01, 0.6), the paper's range."""
    return np.linspace(*BETA_RANGE, n, endpoint=False)


@dataclasses.dataclass(frozen=True)
class Data:
    """critical: Dataset (1, n_samples, L, L) at config.beta; wide / test: (n_betas, n_wide | n_test, L, L)
    over ``beta_grid``; half: (n_betas, n_wide, L/2, L/2) for the block-spin beta predictor."""

    critical: object
    wide: object
    test: object
    half: object

    @property
    def betas(self) -> np.ndarray:
        return 1.0 / self.test.T


def make_data(config: Config, *, progress: bool = True) -> Data:
    """The four data sets (cached by ``ll.data``; distinct seeds, so the test set is fresh)."""
    T = 1.0 / beta_grid(config.n_betas)
    gen = lambda L, T, n, k: lldata.generate(Ising(L=L), T=T, n_samples=n, seed=config.seed + k, progress=progress)
    return Data(critical=gen(config.L, [1.0 / config.beta], config.n_samples, 0), wide=gen(config.L, T, config.n_wide, 1),
                test=gen(config.L, T, config.n_test, 2), half=gen(config.L // 2, T, config.n_wide, 3))


def spins(dataset) -> torch.Tensor:
    """float32 (n_points * n_samples, L, L) of a Dataset's +-1 configurations."""
    return torch.from_numpy(dataset.flat_configs().astype(np.float32))


def split(n: int, split_seed: int = 0) -> tuple:
    """(train, validation) int64 index tensors: an 80/20 split of range(n) at random from ``split_seed``."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(split_seed))
    k = int(round(0.8 * n))
    return perm[:k], perm[k:]


def _loaders(x, y, config: Config, split_seed: int = 0):
    """(train, val) DataLoaders of (x, y) pairs, 80/20 at random from ``split_seed`` (``split``)."""
    sets = [TensorDataset(x[idx], y[idx]) for idx in split(x.shape[0], split_seed)]
    return (DataLoader(sets[0], batch_size=config.batch, shuffle=True),
            DataLoader(sets[1], batch_size=max(config.batch, 1000)))


@contextlib.contextmanager
def torch_threads(n: int):
    """torch's intra-op thread count set to ``n`` inside the block (0: unchanged), restored afterwards.
    Measured on a loaded 2-core machine: one L = 32 autoencoder epoch took 0.9 s on 1 thread, 28 s on 2."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class EpochBar:
    """A ``fit`` callback: one tqdm bar of epochs per training run (reusable across runs)."""

    def __init__(self, disable: bool = False):
        self.disable, self.bar = disable, None

    def on_train_begin(self, info):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=info["epochs"], desc="epochs", leave=False, disable=self.disable)

    def on_epoch_end(self, epoch, history):
        self.bar.update()
        self.bar.set_postfix(val_loss=f"{history['val_loss'][-1]:.4f}" if history["val_loss"] else None)

    def on_train_end(self, history):
        if self.bar is not None:
            self.bar.close()


@dataclasses.dataclass(frozen=True)
class Trained:
    """A trained (or assembled) net: model, its fit history, and the final validation loss (data term only);
    ``epochs``: the most it could train (0 for an assembled net), ``len(history['epoch'])`` what it did."""

    name: str
    model: torch.nn.Module
    history: dict
    val_loss: float
    epochs: int = 0

    @property
    def plateaued(self) -> bool:
        """True when training stopped at a plateau of the validation loss before its last epoch."""
        return 0 < len(self.history.get("epoch", ())) < self.epochs


def _key(config: Config, stage: str, data_keys, **extra) -> dict:
    fields = {k: getattr(config, k) for k in ("L", "epochs", "batch", "lr", "loss", "l1", "seed")}
    if config.patience:  # keys of runs without plateau stopping stay as they were
        fields["plateau"] = [config.patience, PLATEAU_GAIN]
    return {"paper": PAPER, "stage": stage, "config": fields, "data": list(data_keys), **extra}


def _train(config, stage, data_keys, build, loaders, *, loss, callbacks=(), retrain=False, epochs=None,
           **extra) -> Trained:
    """Build, fit (Adam, ``epochs`` or config.epochs, stopping at a plateau when ``config.patience``) and cache a
    net; its validation loss is the data term of ``loss``. A killed run continues from its last epoch."""
    train, val = loaders
    epochs = config.epochs if epochs is None else epochs
    extra = {**extra, "epochs": epochs}
    key = _key(config, stage, data_keys, **extra)
    device = train_device(config.device)
    stop = [Plateau(config.patience, PLATEAU_GAIN)] if config.patience else []

    def run(model):
        with torch_threads(config.threads):
            return fit(model, train, val, epochs=epochs, loss_fn=loss, lr=config.lr, callbacks=[*callbacks, *stop],
                       seed=config.seed, device=device, checkpoint=cache.checkpoint_path(key))

    model, history = cache.cached_model(key, build, run, retrain=retrain, device=device)
    return Trained(stage, model.eval(), history, float(history["val_loss"][-1]), epochs)


@dataclasses.dataclass(frozen=True)
class Shallow:
    """The paper's four shallow nets (Sec. II.3) and the two hard-coded ones (HCG, Sec. II.4)."""

    cg1: Trained  # CG-L^2-L^2/2: lattice -> once-decimated lattice
    cg2: Trained  # CG-L^2/2-L^2/4: once- -> twice-decimated
    up1: Trained  # UP-L^2/4-L^2/2: twice- -> once-decimated
    up2: Trained  # UP-L^2/2-L^2: once-decimated -> lattice
    hcg1: LinearNet
    hcg2: LinearNet


def train_shallow(config: Config, data: Data, *, callbacks=(), retrain=False) -> Shallow:
    """Train CG and UP nets on (lattice, decimated lattice) pairs of the beta = config.beta set."""
    x = spins(data.critical)  # (n, L, L)
    n, L = x.shape[0], config.L
    d1, d2 = decimate(x), decimate(decimate(x))  # (n, L, L/2), (n, L/2, L/2)
    flat = lambda t: t.reshape(n, -1)
    loss = loss_fn(config.loss, config.l1)
    pairs = {"cg1": (x, d1), "cg2": (d1, d2), "up1": (d2, d1), "up2": (d1, x)}
    nets = {}
    for k, (name, (a, b)) in enumerate(pairs.items()):
        sizes = (a[0].numel(), b[0].numel())
        nets[name] = _train(config, name, [data.critical.key], lambda s=sizes, k=k: LinearNet(s, seed=config.seed + k),
                            _loaders(flat(a), flat(b), config), loss=loss, callbacks=callbacks, retrain=retrain)
    return Shallow(**nets, hcg1=hard_coded(decimation_matrix(L, 1)), hcg2=hard_coded(decimation_matrix(L, 2)))


def validation_loss(model, loader, name: str) -> float:
    """Mean reconstruction loss ``name`` of ``model`` over ``loader`` (no regularisation)."""
    from ...nn import evaluate

    return float(evaluate(model, loader, loss_fn(name, 0.0)))


def train_models(config: Config, data: Data, shallow: Shallow, *, callbacks=(), retrain=False) -> dict:
    """{'model_1', 'model_2', 'model_3': Trained}: the Table 1 models on the beta = config.beta set."""
    x = spins(data.critical)
    loaders = _loaders(x.reshape(x.shape[0], -1), x.reshape(x.shape[0], -1), config)
    loss, keys = loss_fn(config.loss, config.l1), [data.critical.key]
    out = {
        "model_1": _train(config, "model_1", keys, lambda: model_1(config.L, seed=config.seed), loaders, loss=loss,
                          callbacks=callbacks, retrain=retrain),
        "model_2": _train(config, "model_2", keys, lambda: model_2(config.L, seed=config.seed), loaders, loss=loss,
                          callbacks=callbacks, retrain=retrain),
    }
    m3 = model_3(*(t.model for t in (shallow.cg1, shallow.cg2, shallow.up1, shallow.up2))).eval()
    out["model_3"] = Trained("model_3", m3, {}, validation_loss(m3, loaders[1], config.loss))
    return out


def train_wide_autoencoder(config: Config, data: Data, *, callbacks=(), retrain=False) -> Trained:
    """AE-WR (Sec. III.3): Model 1's architecture trained on lattices from every beta of the grid."""
    x = spins(data.wide).reshape(-1, config.L * config.L)
    return _train(config, "ae_wr", [data.wide.key], lambda: model_1(config.L, seed=config.seed + 10),
                  _loaders(x, x, config), loss=loss_fn(config.loss, config.l1), callbacks=callbacks, retrain=retrain)


@dataclasses.dataclass(frozen=True)
class Predictors:
    """full: beta of an L x L lattice; half: beta of an L/2 x L/2 lattice (for majority-rule blocks)."""

    full: Trained
    half: Trained


def train_beta_predictors(config: Config, data: Data, *, callbacks=(), retrain=False) -> Predictors:
    """The paper's beta predictor (MSE), one per lattice size, on the wide-range sets."""
    out = {}
    for k, (name, ds) in enumerate((("full", data.wide), ("half", data.half))):
        x, beta = spins(ds), torch.from_numpy(ds.labels("beta").astype(np.float32))
        n_sites = x.shape[-1] * x.shape[-2]
        build = lambda n=n_sites, k=k: BetaPredictor(n, config.hidden, seed=config.seed + 20 + k)
        out[name] = _train(config, f"beta_{name}", [ds.key], build, _loaders(x, beta, config),
                           loss=supervised(torch.nn.functional.mse_loss), callbacks=callbacks, retrain=retrain,
                           epochs=config.epochs_beta, hidden=config.hidden)
    return Predictors(**out)
