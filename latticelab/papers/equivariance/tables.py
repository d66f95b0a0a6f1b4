"""What the notebook shows and the results page tabulates: the learning curve as plot series, the generalisation
grid and the counting errors beside the talk's table, as plain text."""
from __future__ import annotations

import numpy as np

from . import paper
from .regression import grid_mean, summary
from .training import FAMILY_NAMES


def _fmt(values) -> str:
    m, s, _ = summary(values)
    return "-" if m is None else f"{m:.2e}" + ("" if s is None else f" ± {s:.1e}")


def curve_series(reg):
    """(sizes int (k,), {family: (mean (k,), standard deviation (k,))}) of the learning curve, for a plot."""
    sizes = np.array(sorted(next(iter(reg.curve.values()))))
    series = {}
    for fam in FAMILY_NAMES:
        stats = [summary(reg.curve[fam][s]) for s in sizes]
        series[fam] = (np.array([m for m, _, _ in stats]), np.array([0.0 if e is None else e for _, e, _ in stats]))
    return sizes, series


def size_series(config, grid):
    """(sizes (k,), {family: (mean, std) (k,)}) of a grid's per-size means (NaN where a family cannot go)."""
    sizes = np.array(config.test_sizes)
    series = {}
    for fam in FAMILY_NAMES:
        stats = [summary(grid_mean(grid[fam], lambda k, L=L: k[0] == L)) for L in sizes]
        series[fam] = (np.array([np.nan if m is None else m for m, _, _ in stats]),
                       np.array([0.0 if e is None else e for _, e, _ in stats]))
    return sizes, series


def grid_text(config, grid, what="test MSE") -> str:
    """One line per (eta, mu) and one column per (family, size): mean ± spread over the retrainings."""
    cols = [(fam, L) for L in config.test_sizes for fam in FAMILY_NAMES]
    head = f"{'eta':>5} {'mu':>5} " + " ".join(f"{fam + ' ' + str(L) + 'x' + str(L):>19}" for fam, L in cols)
    lines = [f"{what}, mean ± spread over retrainings", head]
    for eta in config.test_etas:
        for mu in config.test_mus:
            cells = [_fmt(grid[fam][(L, eta, mu)]) for fam, L in cols]
            lines.append(f"{eta:>5} {mu:>5} " + " ".join(f"{c:>19}" for c in cells))
    return "\n".join(lines)


def counting_text(config, cnt) -> str:
    """Our squared count errors (mean and median over the retrainings) beside the talk's table."""
    L0, top = config.train_size, max(config.test_sizes)
    lines = [f"{'':4} {'test ' + str(L0) + 'x' + str(L0) + ' mean':>16} {'median':>9} {'paper mean':>11} {'median':>9}"
             f" {'up to ' + str(top) + ' mean':>16} {'median':>9} {'paper mean':>11} {'median':>9}"]
    for fam in FAMILY_NAMES:
        _, (p8, p8m), (pt, ptm) = paper.COUNTING_FIRST[fam]
        m8, _, d8 = summary(cnt.mse(fam, lambda k: k[0] == L0))
        mt, _, dt = summary(None if fam == "FL" else cnt.mse(fam))
        cells = [m8, d8, p8, p8m, mt, dt, pt, ptm]
        lines.append(f"{fam:4} " + " ".join(f"{'-' if v is None else f'{v:.2e}':>{w}}"
                                            for v, w in zip(cells, (16, 9, 11, 9, 16, 9, 11, 9))))
    return "\n".join(lines)
