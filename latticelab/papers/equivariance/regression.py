"""Regression of n and |phi|^2: EQ, ST and FL trained on 8 x 8 at the training points, tested on the (eta, mu)
grid at every test size (FL only at its own size)."""
from __future__ import annotations

import dataclasses

import numpy as np

from .data import dataset, join
from .training import test_loss, train


@dataclasses.dataclass(frozen=True)
class Regression:
    """losses[family][(L, eta, mu)] = test MSE (None: not applicable); seconds of training per family."""

    losses: dict
    train_seconds: dict


def regression(config, progress=False) -> Regression:
    L0 = config.train_size
    train_data = join([dataset(config, L0, eta, mu, config.n_train, seed=1, progress=progress)
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


def mean_loss(losses, keep):
    """Mean of the losses whose key passes ``keep`` (None entries left out); None when there is none."""
    vals = [v for k, v in losses.items() if keep(k) and v is not None]
    return float(np.mean(vals)) if vals else None
