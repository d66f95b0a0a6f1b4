"""Detecting flux violations (the paper's second task): networks that end in a sigmoid, trained at the training
points on 8 x 8 on closed configurations and ones with 1..count_test_max inserted open worms (half and half), and
tested on the same mixture at every grid point and size."""
from __future__ import annotations

import dataclasses

import numpy as np

from ...systems.phi4 import ComplexPhi4
from .data import flux_counts, join, with_violations
from .regression import test_set, training_sets
from .training import FAMILY_NAMES, predict, train


@dataclasses.dataclass(frozen=True)
class Detection:
    """accuracy[family][(L, eta, mu)]: float (R,) fraction of the test set classified right (violated when the
    output exceeds 1/2), one per retraining; None where FL cannot go. by_count[family]: float (R, count_test_max + 1)
    accuracy per number of open worms, at the training size over its grid points."""

    accuracy: dict
    by_count: dict


def _violated(config, L, eta, mu, base, counts, seed):
    return with_violations(ComplexPhi4(L, L, eta=eta, lam=config.lam, mu=mu), base, counts, seed,
                           label=lambda c: c > 0)


def detection(config, progress=False) -> Detection:
    L0, top = config.train_size, config.count_test_max
    counts = flux_counts(config.n_detect, top, "detect")
    parts = [_violated(config, L0, eta, mu, base, counts, seed=10 + i)
             for i, ((eta, mu), base) in enumerate(zip(config.train_points, training_sets(config, config.n_detect, 5,
                                                                                         progress)))]
    nets = {fam: train(config, fam, "detection", join(parts), epochs=config.detect_epochs, progress=progress)[0]
            for fam in FAMILY_NAMES}
    acc = {fam: {} for fam in FAMILY_NAMES}
    hits = {fam: [] for fam in FAMILY_NAMES}
    test_counts = flux_counts(config.n_test, top, "detect")
    for j, key in enumerate(config.grid()):
        d = _violated(config, *key, test_set(config, *key, progress), test_counts, seed=1000 + j)
        for fam, ens in nets.items():
            p = predict(ens, d.x)
            if p is None:
                acc[fam][key] = None
                continue
            right = (p[:, :, 0] > 0.5) == (test_counts > 0)[:, None]  # (n, R)
            acc[fam][key] = right.mean(axis=0)
            if key[0] == L0:
                hits[fam].append(right)
    by_count = {fam: np.stack([np.concatenate(hits[fam])[np.tile(test_counts, len(hits[fam])) == c].mean(axis=0)
                               for c in range(top + 1)], axis=1) for fam in FAMILY_NAMES}
    return Detection(acc, by_count)
