"""Architecture search with Optuna (an optional extra: ``pip install 'latticelab[search]'``), over the space that
``nn.cnn_families`` describes: per family, convolutions (kernel 1-3, 4-80 channels), for ST and FL 2 x 2 pools
between them, a global pooling (EQ, ST) or a flatten (FL), 0-2 hidden dense layers. One network per trial, trained
for ``search_epochs`` on 80% of the regression training data and scored by its mean squared error on the rest."""
from __future__ import annotations

import dataclasses

import numpy as np

from .data import Data, subsample
from .regression import training_sets
from .training import FAMILY_NAMES, losses, train

CHANNELS = (4, 8, 16, 32, 48, 64, 80)
WIDTHS = (8, 16, 32, 64)


def optuna():
    """The optuna module, or an ImportError that names the extra to install."""
    try:
        import optuna as module
    except ImportError as err:
        raise ImportError("the architecture search needs Optuna, an optional extra of latticelab: "
                          "pip install 'latticelab[search]' (or pip install 'optuna>=3')") from err
    return module


def propose(trial, family, size, outputs=2) -> tuple:
    """An architecture (tuple of cnn_families tokens) of ``family`` drawn by an Optuna ``trial`` (pools only as many
    as the lattice side ``size`` allows)."""
    arch, side = [], size
    n_conv = trial.suggest_int("n_conv", 1, 4)
    for i in range(n_conv):
        arch.append(f"c{trial.suggest_int(f'k{i}', 1, 3)}:{trial.suggest_categorical(f'c{i}', CHANNELS)}")
        may_pool = family != "EQ" and side >= 4
        pool = trial.suggest_categorical(f"pool{i}", ("none", "avg2", "max2")) if may_pool else "none"
        if pool != "none":
            arch.append(pool)
            side //= 2
    if family == "FL":
        arch.append("flat")
    else:
        arch.append(trial.suggest_categorical("global", ("gavg", "gmax", "gsum")))
    for j in range(trial.suggest_int("n_fc", 0, 2)):
        arch.append(f"fc:{trial.suggest_categorical(f'w{j}', WIDTHS)}")
    arch.append(f"fc:{outputs}-")
    return tuple(arch)


@dataclasses.dataclass(frozen=True)
class Search:
    """best[family]: (architecture, validation MSE, parameters); trials[family]: [(architecture, validation MSE)]."""

    best: dict
    trials: dict


def search(config, families=FAMILY_NAMES, progress=False) -> Search:
    """``config.search_trials`` Optuna (TPE, seeded) trials per family on the regression task."""
    opt = optuna()
    opt.logging.set_verbosity(opt.logging.WARNING)
    full = subsample(training_sets(config, config.n_train, seed=1, progress=progress), config.full_size, seed=7)
    cut = int(0.8 * len(full.x))
    fit_part = Data(full.x[:cut], full.y[:cut], full.keys + ("search-fit",))
    val_part = Data(full.x[cut:], full.y[cut:], full.keys + ("search-val",))
    best, trials = {}, {}
    for fam in families:
        seen = []

        def objective(trial, fam=fam, seen=seen):
            arch = propose(trial, fam, config.train_size)
            ens, _ = train(config, fam, "regression", fit_part, epochs=config.search_epochs, arch=arch, seeds=(0,))
            loss = float(losses(ens, val_part, "regression")[0])
            seen.append((arch, loss, sum(p.numel() for p in ens.parameters())))
            return loss if np.isfinite(loss) else float("inf")

        study = opt.create_study(direction="minimize", sampler=opt.samplers.TPESampler(seed=0))
        study.optimize(objective, n_trials=config.search_trials, show_progress_bar=False)
        trials[fam] = [(a, v) for a, v, _ in seen]
        best[fam] = min(seen, key=lambda t: t[1])
    return Search(best, trials)
