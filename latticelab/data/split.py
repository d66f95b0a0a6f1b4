"""Train/validation splits made separately at every grid point (the papers' 80/20 per T)."""
from __future__ import annotations

import numbers

import numpy as np

from .dataset import Dataset


def split_indices(n_points: int, n_samples: int, fraction: float = 0.8, seed: int = 0) -> tuple:
    """(train, val): int64 (n_points, n_train) and (n_points, n_samples - n_train), sorted per row.

    Every point gets its own random choice of ``n_train = round(fraction * n_samples)``
    samples, from one ``np.random.default_rng(seed)`` stream.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction is the share of samples used for training, strictly between 0 and 1; got {fraction!r}")
    n_train = int(round(fraction * n_samples))
    if not 0 < n_train < n_samples:
        raise ValueError(
            f"fraction={fraction} of n_samples={n_samples} leaves an empty train or validation part; "
            "use more samples per point or a fraction nearer 0.5"
        )
    rng = np.random.default_rng(seed)
    perms = np.stack([rng.permutation(n_samples) for _ in range(n_points)]) if n_points else np.zeros((0, n_samples), np.int64)
    return np.sort(perms[:, :n_train], axis=1), np.sort(perms[:, n_train:], axis=1)


def train_val_split(dataset: Dataset, fraction: float = 0.8, seed: int = 0) -> tuple:
    """(train, val) Datasets: at every grid point, ``fraction`` of its samples go to train.

    Both keep all grid points, so their labels are comparable; ``.indices`` records which
    of the original samples each holds (the two never overlap).
    """
    train, val = split_indices(dataset.n_points, dataset.n_samples, fraction, seed)
    return dataset.take(train), dataset.take(val)
