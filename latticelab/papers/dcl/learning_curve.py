"""How the GRU's score moves with data and width: the measured learning curve behind the paper-cpu preset.

    python -m latticelab.papers.dcl.learning_curve --out latticelab/papers/dcl/learning_curve.json

At small scale (the laptop row's training: its epochs, learning rate and batch), one GRU per point of a grid of
observed-data sizes (at the laptop's hidden size), hidden sizes (at the laptop's data size) and unwrapping
orders (the laptop row otherwise), each scored the paper's way (``energy_rmse`` at ``per_level`` configurations
per level) and by its KL from the exact distribution at T_O, with the EDNN it teaches (the laptop's labels and
epochs) scored on the same configurations. Trained models land in the model cache, so a second run only
scores. The committed JSON is what the notebook and docs/results/dcl.md plot; ``load()`` reads it back.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from . import score, stages
from .config import Config
from .pipeline import ednn_teacher_key

HERE = Path(__file__).resolve().parent
SHIPPED = HERE / "learning_curve.json"
N_OBSERVED = (3_000, 10_000, 30_000, 100_000)
HIDDEN = (32, 64, 128, 256)
ORDERS = ("spiral", "snake", "raster")


def point(config: Config, *, per_level: int) -> dict:
    """Train (or load) the GRU of ``config`` on Ising and the EDNN it teaches, and score both:
    {n_observed, hidden, order, rmse (the GRU's), ednn_rmse, kl, kl_error, train_seconds, seconds}."""
    system = stages.make_system("ising", config.L)
    start = time.perf_counter()
    data = stages.observe(system, config.T_obs, config.n_observed, chains=config.observe_chains)
    gru = stages.train_gru(data, system, hidden=config.gru_hidden, order=config.order, epochs=config.gru_epochs,
                           lr=config.gru_lr, batch_size=config.batch_size)
    energy = stages.gru_energy(gru, system, config.T_obs, data.configs[0])
    fid = stages.fidelity(energy, data.configs[0])
    test = score.level_test_set(config.L, per_level)
    labelled = stages.ednn_labels(energy, system, config.n_ednn, gru_key=gru.key)
    ednn = stages.train_ednn(labelled, system, epochs=config.ednn_epochs, lr=config.ednn_lr,
                             batch_size=config.batch_size, key=ednn_teacher_key(config, data.key))
    return {"n_observed": config.n_observed, "hidden": config.gru_hidden, "order": config.order,
            "rmse": score.score_levels(energy.energy, test).rmse,
            "ednn_rmse": score.score_levels(ednn.model.energy, test).rmse, "kl": fid.kl, "kl_error": fid.kl_error,
            "train_seconds": float(sum(gru.history.get("seconds", [0])[-1:])), "seconds": time.perf_counter() - start}


def learning_curve(base: Config = None, *, n_observed=N_OBSERVED, hidden=HIDDEN, orders=ORDERS, per_level: int = 500,
                   progress: bool = True) -> dict:
    """{"base": the laptop knobs used, "per_level", "data": [points at base hidden], "width": [points at base
    n_observed], "order": [the laptop row in each order]} (see ``point``)."""
    base = base or Config.laptop()
    grid = [("data", dataclasses.replace(base, n_observed=n)) for n in n_observed]
    grid += [("width", dataclasses.replace(base, gru_hidden=h)) for h in hidden]
    grid += [("order", dataclasses.replace(base, order=o)) for o in orders]
    out = {"base": {k: getattr(base, k) for k in ("L", "T_obs", "order", "gru_epochs", "gru_lr", "batch_size",
                                                  "n_observed", "gru_hidden")},
           "per_level": per_level, "data": [], "width": [], "order": []}
    for k, (axis, config) in enumerate(grid):
        if progress:
            print(f"[{k + 1}/{len(grid)}] {axis}: n_observed {config.n_observed}, hidden {config.gru_hidden}", flush=True)
        out[axis].append(point(config, per_level=per_level))
    return out


def load(path=SHIPPED) -> dict | None:
    """The committed learning curve, or None where there is none."""
    path = Path(path)
    return json.loads(path.read_text()) if path.is_file() else None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(SHIPPED), help="where to write the JSON")
    p.add_argument("--per-level", type=int, default=500, help="test configurations per energy level")
    args = p.parse_args(argv)
    from .. import provenance

    start = provenance.snapshot()
    curve = learning_curve(per_level=args.per_level)
    curve["notes"] = provenance.describe(start, provenance.snapshot())
    Path(args.out).write_text(json.dumps(curve, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
