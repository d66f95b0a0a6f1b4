"""``reproduce``: every stage of a Config, collected as the rows of results.json."""
from __future__ import annotations

import time

from ..results import Results, Row
from .counting import counting
from .regression import mean_loss, regression
from .sampler import worm_check


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
        rows.append(Row(f"{fam} test MSE {L0}x{L0} (eta, mu grid)", mean_loss(reg.losses[fam], lambda k: k[0] == L0)))
    for L in config.test_sizes:
        if L != L0:
            for fam in ("EQ", "ST", "FL"):
                rows.append(Row(f"{fam} test MSE {L}x{L}", mean_loss(reg.losses[fam], lambda k, L=L: k[0] == L)))
    cnt = counting(config, progress=progress)
    for fam in ("EQ", "ST", "FL"):
        rows.append(Row(f"{fam} counting accuracy (0..{config.count_test_max} worms)", cnt.counting_accuracy[fam]))
        rows.append(Row(f"{fam} detection accuracy", cnt.detection_accuracy[fam]))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    notes = ("paper column empty: the talk reports these as plots and per-architecture tables of the third task only "
             "(e.g. 1st EQ test loss up to 64x64: mean 1.008e-3); FL rows at other sizes are None because FL refuses them")
    return Results("equivariance", config.name, time.perf_counter() - start, device, rows, notes)
