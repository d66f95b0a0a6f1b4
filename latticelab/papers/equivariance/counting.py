"""Counting flux violations (the paper's third task): regression of the number of open worms, trained at the
training points on 8 x 8 with 0 and 5 worms only, tested on every count 0..count_test_max at every grid point
and size."""
from __future__ import annotations

import dataclasses

import numpy as np

from ...systems.phi4 import ComplexPhi4
from .data import flux_counts, join, with_violations
from .regression import test_set, training_sets
from .training import FAMILY_NAMES, predict, train


@dataclasses.dataclass(frozen=True)
class Counting:
    """true: int (n,) numbers of open worms in every test set; pred[family][(L, eta, mu)]: float (n, R) predicted
    counts, one column per retraining (None where FL cannot go)."""

    true: np.ndarray
    pred: dict

    def mse(self, family, keep=lambda key: True):
        """float (R,): per retraining, the squared count error over the test sets whose key passes ``keep``."""
        p = [v for k, v in self.pred[family].items() if keep(k) and v is not None]
        return None if not p else np.mean([((v - self.true[:, None]) ** 2).mean(axis=0) for v in p], axis=0)

    def accuracy(self, family, keep=lambda key: True):
        """float (R,): per retraining, the fraction of exact counts (prediction rounded) where ``keep`` holds."""
        p = [v for k, v in self.pred[family].items() if keep(k) and v is not None]
        return None if not p else np.mean([(np.rint(v) == self.true[:, None]).mean(axis=0) for v in p], axis=0)

    def by_count(self, family, keep=lambda key: True):
        """(mean, std) float (count_test_max + 1,) of the predicted count per true count (over test sets passing
        ``keep`` and retrainings): the predicted-versus-true curve."""
        p = np.concatenate([v for k, v in self.pred[family].items() if keep(k) and v is not None])
        t = np.tile(self.true, len(p) // len(self.true))
        return (np.array([p[t == c].mean() for c in range(self.true.max() + 1)]),
                np.array([p[t == c].std() for c in range(self.true.max() + 1)]))


def counting(config, progress=False) -> Counting:
    L0 = config.train_size
    counts = np.repeat(np.asarray(config.count_train), config.n_count)
    bases = training_sets(config, config.n_count * len(config.count_train), 3, progress)
    parts = [with_violations(ComplexPhi4(L0, L0, eta=eta, lam=config.lam, mu=mu), base, counts, 20 + i, lambda c: c)
             for i, ((eta, mu), base) in enumerate(zip(config.train_points, bases))]
    nets = {fam: train(config, fam, "counting", join(parts), epochs=config.count_epochs, progress=progress)[0]
            for fam in FAMILY_NAMES}
    true = flux_counts(config.n_test, config.count_test_max, "count")
    pred = {fam: {} for fam in FAMILY_NAMES}
    for j, (L, eta, mu) in enumerate(config.grid()):
        d = with_violations(ComplexPhi4(L, L, eta=eta, lam=config.lam, mu=mu), test_set(config, L, eta, mu, progress),
                            true, 2000 + j, lambda c: c)
        for fam, ens in nets.items():
            p = predict(ens, d.x)
            pred[fam][(L, eta, mu)] = None if p is None else p[:, :, 0]
    return Counting(true, pred)
