"""``reproduce``: every stage of a Config, collected as the rows of results.json."""
from __future__ import annotations

import time

from ..results import Results, Row
from . import paper
from .counting import counting
from .detection import detection
from .regression import grid_mean, regression, summary
from .sampler import worm_check
from .training import FAMILY_NAMES, device


def regression_rows(config, reg) -> list:
    """Learning curve at the training size and the grid per size: mean +- spread (standard deviation) over the
    retrainings; the largest size's grid point by point for EQ and ST."""
    L0, rows = config.train_size, []
    for fam in FAMILY_NAMES:
        for size in sorted(config.curve_sizes):
            m, s, _ = summary(reg.curve[fam][size])
            rows.append(Row(f"{fam} regression test MSE {L0}x{L0} at the training points, N_train={size}", m, s))
    for L in config.test_sizes:
        for fam in FAMILY_NAMES:
            m, s, _ = summary(grid_mean(reg.grid[fam], lambda k, L=L: k[0] == L))
            rows.append(Row(f"{fam} regression test MSE {L}x{L} (eta, mu grid)", m, s))
    top = max(config.test_sizes)
    for fam in ("EQ", "ST"):
        for (L, eta, mu) in config.grid(top):
            m, s, _ = summary(reg.grid[fam][(L, eta, mu)])
            rows.append(Row(f"{fam} regression test MSE {L}x{L} at eta={eta}, mu={mu}", m, s))
    return rows


def detection_rows(config, det) -> list:
    rows = []
    for L in config.test_sizes:
        for fam in FAMILY_NAMES:
            m, s, _ = summary(grid_mean(det.accuracy[fam], lambda k, L=L: k[0] == L))
            rows.append(Row(f"{fam} detection accuracy {L}x{L} (eta, mu grid)", m, s))
    return rows


def counting_rows(config, cnt) -> list:
    """Squared count error on the training size and on every size (the talk's table: mean and median over the
    retrainings), and the fraction of exact counts."""
    L0, top, rows = config.train_size, max(config.test_sizes), []
    for fam in FAMILY_NAMES:
        _, (p8, p8_med), (p64, p64_med) = paper.COUNTING_FIRST[fam]
        for label, keep, p_mean, p_med in ((f"{L0}x{L0}", lambda k: k[0] == L0, p8, p8_med),
                                            (f"up to {top}x{top}", lambda k: True, p64, p64_med)):
            mse = cnt.mse(fam, keep)
            if fam == "FL" and label.startswith("up to"):
                mse = None  # FL applies to its own size only (the talk's '-')
            m, s, med = summary(mse)
            rows.append(Row(f"{fam} counting test MSE {label}, mean over retrainings", m, s, p_mean))
            rows.append(Row(f"{fam} counting test MSE {label}, median over retrainings", med, None, p_med))
        for label, keep in ((f"{L0}x{L0}", lambda k: k[0] == L0), (f"up to {top}x{top}", lambda k: True)):
            acc = None if fam == "FL" and label.startswith("up to") else cnt.accuracy(fam, keep)
            m, s, _ = summary(acc)
            rows.append(Row(f"{fam} counting accuracy {label} (0..{config.count_test_max} worms)", m, s))
    return rows


def reproduce(config, *, progress=True, search=False, **options) -> Results:
    """Run every stage of ``config`` and collect the rows of results.json (``search=True``: also the Optuna
    architecture search, which needs the 'search' extra)."""
    start = time.perf_counter()
    (w, we), (dm, de), (n0, n0e) = worm_check(config)
    rows = [Row("worm <|phi|^2> at mu=0 (4x4, eta=4.25)", w, we, None, dm),
            Row("worm n at mu=0 (4x4, eta=4.25)", n0, n0e, None, 0.0)]
    rows += regression_rows(config, regression(config, progress=progress))
    rows += detection_rows(config, detection(config, progress=progress))
    rows += counting_rows(config, counting(config, progress=progress))
    notes = [f"{config.repeats} retraining(s) per family and point: ours = mean, ours_err = standard deviation over "
             "them (trained side by side on the same minibatches, different initial weights)",
             "paper column: the talk's only numbers, its counting table for its first-ranked architectures (squared "
             "count error; its training set 20000 configurations, its 'up to 64x64' pools 4 sizes); regression, "
             "generalisation and detection are plots in the talk",
             "FL rows at other sizes are None because FL refuses them"]
    if search:
        from .arch_search import search as run_search

        found = run_search(config, progress=progress)
        for fam, (arch, loss, n_params) in found.best.items():
            rows.append(Row(f"{fam} search: best validation MSE of {config.search_trials} trials "
                            f"({config.search_epochs} epochs)", loss))
            notes.append(f"{fam} search winner ({n_params} parameters): {' '.join(arch)}")
    return Results("equivariance", config.name, time.perf_counter() - start, device(config), rows, "; ".join(notes))
