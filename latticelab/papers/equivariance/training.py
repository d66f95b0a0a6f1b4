"""Training and testing the three CNN families on the app's data, through the model cache."""
from __future__ import annotations

from ...nn import fit, supervised
from ...nn.cache import cached_model
from ...nn.cnn_families import (EQ_COUNTING, EQ_REGRESSION, FAMILIES, FL_COUNTING, FL_REGRESSION, ST_COUNTING,
                                ST_REGRESSION)
from .data import Data

ARCHS = {"regression": {"EQ": EQ_REGRESSION, "ST": ST_REGRESSION, "FL": FL_REGRESSION},
         "counting": {"EQ": EQ_COUNTING, "ST": ST_COUNTING, "FL": FL_COUNTING}}


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
