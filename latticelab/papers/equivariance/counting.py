"""Counting flux violations: networks trained on configurations with 0 and 5 inserted open worms, tested on every
count from 0 to the maximum."""
from __future__ import annotations

import dataclasses

import numpy as np

from ...systems.phi4 import ComplexPhi4
from .data import Data, dataset, insert_open_worms
from .training import train


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
