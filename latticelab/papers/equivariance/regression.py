"""Regression of n and |phi|^2 (the paper's first task) and its generalisation: EQ, ST and FL trained on 8 x 8 at
the training points, ``repeats`` times from scratch for every training-set size of the learning curve; the
networks of the largest set tested on the (eta, mu) grid at every test size (FL only at its own size)."""
from __future__ import annotations

import dataclasses

import numpy as np

from .data import dataset, subsample
from .training import FAMILY_NAMES, losses, train


@dataclasses.dataclass(frozen=True)
class Regression:
    """Test mean squared errors (averaged over the two targets), one per retraining:

    curve[family][size]: float (R,) at the training size on the training points' test sets, trained on ``size``
    grid[family][(L, eta, mu)]: float (R,) of the networks trained on the largest set; None where FL cannot go
    train_seconds[family]: wall time of training the largest set's R networks (0 when loaded from the cache)
    """

    curve: dict
    grid: dict
    train_seconds: dict


def test_set(config, L, eta, mu, progress=False):
    """The closed test configurations of one grid point and size (the same for all three tasks)."""
    return dataset(config, L, eta, mu, config.n_test, seed=2, progress=progress)


def training_sets(config, n, seed, progress=False):
    """One Data per training point: ``n`` closed configurations at (eta, mu) on the training size."""
    L0 = config.train_size
    return [dataset(config, L0, eta, mu, n, seed=seed, progress=progress) for eta, mu in config.train_points]


def curve_set(config, size, progress=False):
    """The regression training set of ``size`` configurations (drawn evenly from the training points; nested)."""
    return subsample(training_sets(config, config.n_train, seed=1, progress=progress), size)


def regression(config, progress=False) -> Regression:
    L0 = config.train_size
    near = [test_set(config, L0, eta, mu, progress) for eta, mu in config.train_points]
    curve, grid, seconds, full = {}, {}, {}, {}
    for fam in FAMILY_NAMES:
        curve[fam] = {}
        for size in sorted(config.curve_sizes):
            ens, hist = train(config, fam, "regression", curve_set(config, size, progress), progress=progress)
            curve[fam][size] = np.mean([losses(ens, d, "regression") for d in near], axis=0)
            if size == config.full_size:
                full[fam] = ens
                seconds[fam] = float(hist["seconds"][-1]) if hist.get("seconds") else 0.0
    for fam in FAMILY_NAMES:
        grid[fam] = {}
    for key in config.grid():
        d = test_set(config, *key, progress)
        for fam in FAMILY_NAMES:
            grid[fam][key] = losses(full[fam], d, "regression")
    return Regression(curve, grid, seconds)


def summary(values):
    """(mean, standard deviation, median) of the numbers in ``values`` (None: not applicable -> (None,) * 3)."""
    if values is None or len(values) == 0:
        return None, None, None
    v = np.asarray(values, float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else None, float(np.median(v))


def grid_mean(grid, keep):
    """float (R,): per retraining, the mean loss over the grid entries whose key passes ``keep``; None if none
    applies (FL at other sizes)."""
    vals = [v for k, v in grid.items() if keep(k) and v is not None]
    return np.mean(vals, axis=0) if vals else None
