"""``reproduce(config) -> Results``: the whole rbm_flow app headless (``latticelab reproduce rbm_flow``)."""
from __future__ import annotations

import time

import torch

from ..results import Results, Row
from . import stages
from .stages import TC

PARTS = ("ising", "field", "potts")
TALK_TC = 2.27  # the talk's flow fixed point ("flows to Tc = 2.27")
TALK_BETA = 0.127
RERUN_ABSM = 0.6507  # |m| at the fixed point in the public re-run (Veiga & Vicente), L = 10


def add_arguments(parser):
    parser.add_argument("--part", action="append", choices=PARTS, default=None,
                        help="run only this part (repeatable; default: all): ising (h = 0, hidden sizes, beta), "
                             "field (H != 0 against the specific-heat maximum), potts (q = 3, 4)")
    parser.add_argument("--retrain", action="store_true", help="train every model again instead of loading the cache")


def _bar(total: int, progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="rbm_flow", unit="stage")


def _tick(bar, what: str):
    if bar is not None:
        bar.set_postfix_str(what)
        bar.update(1)


def _flows(C, rbm, th):
    return stages.run_flows(rbm, th, chains=C.flow_chains, steps=C.flow_steps, seed=C.seed, threads=C.torch_threads,
                            paths=False)


def ising_rows(C, bar=None, retrain=False) -> list:
    """Fixed points per hidden size (both starts), |m| there, the sampled flow, and beta."""
    data = stages.ising_data(C)
    _tick(bar, "ising data")
    th = stages.thermometer(C, data, retrain=retrain)
    cal = stages.thermometer_calibration(th, data)
    _tick(bar, "thermometer")
    rows = [Row(f"thermometer spread at T = {cal.T[abs(cal.T - 2.25).argmin()]:g}", cal.spread_at(2.25), paper=0.36)]
    for n_h in C.hidden_sizes:
        rbm = stages.train_rbm(C, data, n_h, retrain=retrain)
        fl = _flows(C, rbm, th)
        for start in ("cold", "hot"):
            t, err = fl.fixed_point(start)
            rows.append(Row(f"fixed point T, {n_h} hidden, {start} start", t, err, TALK_TC, TC))
        rows.append(Row(f"|m| at the fixed point, {n_h} hidden, mean-field flow (last quarter of the steps)",
                        fl.fixed_absm("hot")))
        sampled = stages.run_flows(rbm, th, chains=C.flow_chains, steps=C.flow_steps, sample=True, seed=C.seed,
                                   threads=C.torch_threads, paths=False)
        m, m_err = sampled.last_absm("hot")
        rows.append(Row(f"|m| at the fixed point, {n_h} hidden, the re-run's estimator (sampled flow, hot start, "
                        f"step {C.flow_steps})", m, m_err, RERUN_ABSM))
        _tick(bar, f"rbm {n_h}")
    t, err = sampled.fixed_point("hot")
    rows.append(Row(f"fixed point T, {n_h} hidden, sampled flow, hot start", t, err, TALK_TC, TC))
    near = stages.exponent_data(C)
    fits = stages.critical_exponent(C, rbm, near)
    lo, hi = C.beta_window
    where = f"{n_h} hidden, {lo:g} <= Tc - T <= {hi:g} ({len(fits['onsager'].T)} temperatures)"
    rows += [Row(f"beta from reconstructions, {where}", fits["reconstructions"].beta, fits["reconstructions"].beta_err,
                 TALK_BETA, 0.125),
             Row(f"beta from Monte Carlo, {where}", fits["monte carlo"].beta, fits["monte carlo"].beta_err, None, 0.125),
             Row(f"beta from Onsager's m in the same window", fits["onsager"].beta, None, None, 0.125)]
    _tick(bar, "beta")
    return rows


def field_rows(C, bar=None, retrain=False) -> list:
    """For each H != 0: the flow fixed point (both starts) beside the Monte Carlo specific-heat maximum."""
    rows = []
    for H in C.fields:
        fp = stages.field_point(C, H, retrain=retrain)
        for start in ("cold", "hot"):
            t, err = fp.flows.fixed_point(start)
            rows.append(Row(f"H = {H:g}: fixed point T, {start} start", t, err, None, fp.c_peak))
        rows.append(Row(f"H = {H:g}: specific-heat maximum T (Monte Carlo)", fp.c_peak))
        _tick(bar, f"field {H:g}")
    return rows


def potts_rows(C, bar=None, retrain=False) -> list:
    """For each q: the flow fixed point (both starts) beside the exact Potts Tc."""
    rows = []
    for q in C.potts_qs:
        pp = stages.potts_point(C, q, retrain=retrain)
        for start in ("cold", "hot"):
            t, err = pp.flows.fixed_point(start)
            rows.append(Row(f"Potts q = {q}: fixed point T, {start} start", t, err, None, pp.tc))
        _tick(bar, f"potts {q}")
    return rows


def reproduce(config, *, progress: bool = True, part=None, retrain: bool = False) -> Results:
    """Run the parts (default all of ``PARTS``) of the app at ``config``'s sizes; the table of every row."""
    parts = tuple(part or PARTS)
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ValueError(f"unknown part(s) {unknown}; choose from {PARTS}")
    total = (3 + len(config.hidden_sizes)) * ("ising" in parts) + len(config.fields) * ("field" in parts) \
        + len(config.potts_qs) * ("potts" in parts)
    bar, start = _bar(total, progress), time.perf_counter()
    rows = []
    try:
        with stages.torch_threads(config.torch_threads):
            if "ising" in parts:
                rows += ising_rows(config, bar, retrain)
            if "field" in parts:
                rows += field_rows(config, bar, retrain)
            if "potts" in parts:
                rows += potts_rows(config, bar, retrain)
    finally:
        if bar is not None:
            bar.close()
    notes = (f"parts: {', '.join(parts)}; L = {config.L}; mean-field flows of {config.flow_chains} chains x "
             f"{config.flow_steps} steps, fixed point = mean reading over the last quarter of the steps; "
             f"'paper' column: the talk (Tc 2.27, beta 0.127) and the public re-run (|m| 0.6507, spread 0.36)")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return Results("rbm_flow", config.name, time.perf_counter() - start, device, rows, notes)
