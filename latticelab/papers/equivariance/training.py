"""Training and testing the three CNN families on the app's data: ``repeats`` retrainings from scratch at once
(an ``nn.Ensemble``: one network per seed, same minibatches), on the Config's device, through the model cache."""
from __future__ import annotations

import numpy as np

from ...backend import train_device
from ...nn import fit
from ...nn.cache import cached_model
from ...nn.cnn_families import (EQ_COUNTING, EQ_DETECTION, EQ_REGRESSION, FAMILIES, FL_COUNTING, FL_DETECTION,
                                FL_REGRESSION, ST_COUNTING, ST_DETECTION, ST_REGRESSION, Ensemble)
from .data import Data

FAMILY_NAMES = ("EQ", "ST", "FL")
#: the paper's winning architectures per task (its backup tables; counting: the first-ranked of each family)
ARCHS = {"regression": {"EQ": EQ_REGRESSION, "ST": ST_REGRESSION, "FL": FL_REGRESSION},
         "detection": {"EQ": EQ_DETECTION, "ST": ST_DETECTION, "FL": FL_DETECTION},
         "counting": {"EQ": EQ_COUNTING, "ST": ST_COUNTING, "FL": FL_COUNTING}}
#: per task: the loss (squared error for the regressions, binary cross-entropy for the detector)
LOSSES = {"regression": "mse", "detection": "bce", "counting": "mse"}


def device(config) -> str:
    """'cpu' or 'cuda' for ``config.device`` ('auto': cuda when torch sees a GPU; the paper preset's choice), as
    every paper app picks it (``backend.train_device``)."""
    return train_device(config.device)


def member_losses(pred, y, loss):
    """Per member loss, float (R,): pred (n, R, k), y (n, k)."""
    import torch

    y = y[:, None, :].expand_as(pred)
    if loss == "bce":
        per = torch.nn.functional.binary_cross_entropy(pred, y, reduction="none")
    else:
        per = (pred - y) ** 2
    return per.mean(dim=(0, 2))


class _Batches:
    """Minibatches (x, y) of tensors already on the training device, in a fresh seeded order every epoch."""

    def __init__(self, x, y, batch, seed):
        import torch

        self.x, self.y, self.batch = x, y, int(batch)
        self.gen = torch.Generator().manual_seed(int(seed))

    def __len__(self):
        return -(-len(self.x) // self.batch)

    def __iter__(self):
        import torch

        order = torch.randperm(len(self.x), generator=self.gen).to(self.x.device)
        for i in range(0, len(self.x), self.batch):
            idx = order[i:i + self.batch]
            yield self.x[idx], self.y[idx]


def build(family, arch, size, seeds):
    """An Ensemble of ``family`` networks of ``arch``, one per seed (FL: built for ``size``)."""
    cls = FAMILIES[family]
    return Ensemble([cls(arch, size=size, seed=s) if family == "FL" else cls(arch, seed=s) for s in seeds])


def train(config, family, task, data: Data, *, epochs=None, arch=None, seeds=None, progress=False):
    """(ensemble, history): the ``repeats`` networks of ``family`` for ``task`` trained from seeds 0..repeats-1 on
    ``data`` as one ``nn.Ensemble`` (eval mode, on the device; ``.members()`` gives them one by one), loaded from the
    model cache when trained before. The history's losses are sums over the members."""
    import torch

    arch = tuple(arch or ARCHS[task][family])
    seeds = tuple(range(config.repeats)) if seeds is None else tuple(seeds)
    epochs = config.epochs if epochs is None else epochs
    dev, size = device(config), tuple(data.x.shape[-2:])
    loss = LOSSES[task]

    def run(model):
        x, y = torch.from_numpy(data.x).to(dev), torch.from_numpy(data.y).to(dev)
        callbacks = [_EpochBar(f"{task} {family}")] if progress else []
        return fit(model, _Batches(x, y, config.batch, seed=seeds[0]), epochs=epochs, lr=config.lr, device=dev,
                   loss_fn=lambda m, b: member_losses(m(b[0]), b[1], loss).sum(), seed=seeds[0], callbacks=callbacks)

    key = {"paper": "equivariance", "task": task, "family": family, "arch": list(arch), "seeds": list(seeds),
           "epochs": epochs, "batch": config.batch, "lr": config.lr, "loss": loss, "data": list(data.keys)}
    ens, history = cached_model(key, lambda: build(family, arch, size, seeds), run, device=dev)
    return ens.eval(), history


def predict(ensemble, x, chunk=None):
    """float64 (n, R, k): the ensemble's R outputs on inputs x float32 (n, 4, Lt, Lx) (numpy), in chunks on its
    device; None where it refuses the size (FL)."""
    import torch

    if ensemble.size is not None and tuple(x.shape[-2:]) != ensemble.size:
        return None
    dev = next(ensemble.parameters()).device
    # chunks: large on a GPU; on the CPU small enough that activations stay below malloc's mmap threshold
    # (big allocations are mapped and unmapped every time: millions of page faults in a laptop run)
    chunk = chunk or max(1, (1 << (21 if dev.type == "cuda" else 16)) // (ensemble.R * x.shape[-1] * x.shape[-2]))
    out = []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            xb = torch.from_numpy(np.ascontiguousarray(x[i:i + chunk])).to(dev)
            out.append(ensemble(xb).double().cpu().numpy())
    return np.concatenate(out)


def losses(ensemble, data: Data, task):
    """float (R,) per-network test loss on ``data`` (mean squared error, or cross-entropy); None where refused."""
    import torch

    p = predict(ensemble, data.x)
    if p is None:
        return None
    return member_losses(torch.from_numpy(p), torch.from_numpy(data.y.astype(np.float64)), LOSSES[task]).numpy()


class _EpochBar:
    """A ``fit`` callback: one tqdm bar of epochs per training run."""

    def __init__(self, desc):
        self.desc, self.bar = desc, None

    def on_train_begin(self, info):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=info["epochs"], desc=self.desc, leave=False)

    def on_epoch_end(self, epoch, history):
        self.bar.update()

    def on_train_end(self, history):
        if self.bar is not None:
            self.bar.close()
