"""Renormalisation group versus autoencoders (Shukla & Thakur, arXiv 2108.06157).

Decimation RG on an L x L Ising lattice written as a linear network with hard-coded 0/1 weights
(L^2 -> L^2/2 -> L^2/4), shallow coarse-graining (CG) and up-scaling (UP) nets trained to imitate it,
and three deep nets of one bias-free linear architecture (L^2, L^2/2, L^2/4, L^2/2, L^2; Table 1):
Model 1 an autoencoder trained end to end, Model 2 the hard-coded decimation as a frozen encoder with a
trained decoder, Model 3 entirely transferred from the trained CG/UP nets. Then the local entropy of
input, autoencoded and decimated lattices against beta, and a beta predictor that follows the flow
beta -> beta(AE(x)) against the decimation recursion beta' = (3/8) ln cosh(4 beta) and majority-rule blocks.

    config = Config.from_env()
    data = make_data(config)
    shallow = train_shallow(config, data); models = train_models(config, data, shallow)
    wide = train_wide_autoencoder(config, data); predictors = train_beta_predictors(config, data)
    results = reproduce(config)               # all of it, as the results table

The paper's data set sits at beta = 0.4352, which it calls near critical: the exact beta_c is
ln(1 + sqrt 2) / 2 = 0.440687, so 0.4352 is just on the disordered side (T = 2.298 > Tc = 2.269).
"""
from __future__ import annotations

import time

from ...exact.critical import ising_tc
from ...exact.rg import decimation_fixed_point
from ..results import Results, Row
from .analysis import (Entropy, Flow, Parity, autoencoder_flow, autoencoder_paths, crossing, entropy_curves, local_entropy,
                       majority_flow, parity, predictor_mse, quantise, rg_flow)
from . import claims
from .config import PAPER_BETA, PLATEAU_GAIN, Config
from .stages import (Data, EpochBar, Predictors, Shallow, Trained, beta_grid, make_data, spins, split, train_beta_predictors,
                     train_models, train_shallow, train_wide_autoencoder)

TITLE = "RG versus autoencoders"
CARD = ("Decimation RG as a linear network with hard-coded weights, next to an autoencoder of the same shape: "
        "reconstruction losses (the all-beta autoencoder reaches the paper's 0.357 at its data sizes), weights and "
        "WW^T, local entropy against beta, and a network thermometer: the autoencoder's flow in beta attracts and "
        "decimation's repels, as in the paper, but where the autoencoder's fixed point lies depends on its training "
        "(0.41 laptop, 0.58 paper-cpu; the paper 0.45) (Shukla & Thakur, arXiv 2108.06157).")
NOTEBOOK = "rg_vs_autoencoder.ipynb"

#: The paper's numbers (Fig. A.1, Fig. A.2, Sec. III.4, Sec. II.1)
PAPER_VALUES = {"model_1": 0.281, "model_2": 0.341, "model_3": 0.601, "ae_wr": 0.357, "beta_mse": 0.0035,
                "ae_fixed_point": 0.45265, "rg_fixed_point": 0.505}
BETA_C = 1.0 / ising_tc()  # 0.440687, exact (Onsager)
FLOW_WINDOW = (0.1, 0.6)  # where the lines are fitted: the predictor's training range in the paper (Sec. III.4)

__all__ = ["BETA_C", "CARD", "claims", "Config", "Data", "Entropy", "EpochBar", "Flow", "NOTEBOOK", "PAPER_BETA", "PAPER_VALUES", "Parity",
           "Predictors", "Shallow", "TITLE", "Trained", "autoencoder_flow", "autoencoder_paths", "beta_grid", "crossing", "entropy_curves",
           "local_entropy", "majority_flow", "make_data", "parity", "predictor_mse", "quantise", "reproduce", "rg_flow", "spins", "split",
           "train_beta_predictors", "train_models", "train_shallow", "train_wide_autoencoder"]


def add_arguments(parser):
    parser.add_argument("--retrain", action="store_true", help="train every net again instead of loading the model cache")


def reproduce(config: Config, *, progress: bool = True, retrain: bool = False) -> Results:
    """Every stage, in order, with progress bars; the results table (see ``PAPER_VALUES``)."""
    from tqdm.auto import tqdm

    start = time.perf_counter()
    bar = tqdm(total=7, desc="rg_autoencoder", disable=not progress)

    def step(label, fn, *args, **kwargs):
        bar.set_postfix_str(label)
        out = fn(*args, **kwargs)
        bar.update()
        return out

    data = step("data", make_data, config, progress=progress)
    fits = dict(retrain=retrain, callbacks=[EpochBar(disable=not progress)])
    shallow = step("shallow CG/UP nets", train_shallow, config, data, **fits)
    models = step("Models 1-3", train_models, config, data, shallow, **fits)
    wide = step("AE-WR", train_wide_autoencoder, config, data, **fits)
    pred = step("beta predictors", train_beta_predictors, config, data, **fits)
    test = data.test.configs
    par = parity(pred.full.model, data.betas, test)
    ae = step("autoencoder flow", autoencoder_flow, pred.full.model, wide.model, data.betas, test, config.flow_steps,
              near=BETA_C, window=FLOW_WINDOW)
    maj = majority_flow(pred.half.model, data.betas, test, near=BETA_C, window=FLOW_WINDOW)
    ent = step("entropy", entropy_curves, data.betas, test, wide.model, config.entropy_levels)
    bar.close()
    train_idx = split(data.wide.n_points * data.wide.n_samples)[0].numpy()
    train_mse = predictor_mse(pred.full.model, data.wide.labels("beta")[train_idx],
                              data.wide.flat_configs()[train_idx], FLOW_WINDOW)
    test_mse = predictor_mse(pred.full.model, data.test.labels("beta"), data.test.flat_configs(), FLOW_WINDOW)

    rows = [Row(f"validation {config.loss} loss, {label}", models[k].val_loss, paper=PAPER_VALUES[k])
            for k, label in (("model_1", "Model 1 (autoencoder)"), ("model_2", "Model 2 (RG encoder, trained decoder)"),
                             ("model_3", "Model 3 (RG encoder and decoder)"))]
    rows += [Row(f"validation {config.loss} loss, AE-WR (all beta)", wide.val_loss, paper=PAPER_VALUES["ae_wr"]),
             Row(f"beta predictor training MSE, beta in [{FLOW_WINDOW[0]:g}, {FLOW_WINDOW[1]:g})", train_mse,
                 paper=PAPER_VALUES["beta_mse"]),
             Row(f"beta predictor test MSE, beta in [{FLOW_WINDOW[0]:g}, {FLOW_WINDOW[1]:g})", test_mse),
             Row("beta predictor test MSE, every beta", par.mse),
             Row("autoencoder flow: fixed point beta (line fit)", ae.fixed_point, paper=PAPER_VALUES["ae_fixed_point"],
                 reference=BETA_C),
             Row("autoencoder flow: slope of the line (< 1: attractor)", ae.slope),
             Row("majority-rule flow: fixed point beta (crossing)", maj.crossing, reference=BETA_C),
             Row("majority-rule flow: slope of the line (> 1: repeller)", maj.slope),
             Row("decimation recursion: fixed point beta", decimation_fixed_point(), paper=PAPER_VALUES["rg_fixed_point"],
                 reference=BETA_C)]
    trained = {"Model 1": models["model_1"], "Model 2": models["model_2"], "AE-WR": wide, "beta predictor": pred.full,
               "beta predictor, L/2": pred.half}
    for label, t in trained.items():
        how = "stopped at a plateau" if t.plateaued else "every epoch"
        rows.append(Row(f"epochs trained, {label} ({how}, at most {t.epochs})", len(t.history["epoch"])))
    for name in ("input", "autoencoded", "decimated"):
        rows.append(Row(f"local entropy (bits/site) at beta = {ent.beta[0]:.3f}, {name}", getattr(ent, name)[0],
                        ours_err=getattr(ent, f"{name}_err")[0]))
    plateau = (f"each net to a plateau (no {PLATEAU_GAIN:g} relative gain in validation loss over {config.patience} "
               f"epochs), at most {config.epochs} epochs" if config.patience else f"{config.epochs} epochs")
    notes = (f"L = {config.L}; batch {config.batch}, {plateau}; losses are the data term on a 20% validation split (no L1 term); the paper's data "
             f"beta {config.beta} is just above Tc (exact beta_c = {BETA_C:.5f}); fixed points: line fitted to one "
             f"AE step over beta in {FLOW_WINDOW}, majority crossing by interpolation")
    device = str(next(models["model_1"].model.parameters()).device)
    return Results(paper=TITLE, preset=config.name, seconds=time.perf_counter() - start, device=device, rows=rows,
                   notes=notes)
