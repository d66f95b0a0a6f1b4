"""The paper's score of an energy model: the RMSE of E per configuration over every energy level.

"For test data, we sampled all possible energies (8000 samples from each)" (the paper's SI); the original
code (Curves/comparisons.py) draws configurations at each of the 63 energy levels of the periodic 8x8
Ising model, fixes the model's additive constant so that its mean over uniformly random configurations
(T = infinity) is the true mean (0), and takes the RMSE of E over all of them, every level weighing the same.

    rmse = energy_rmse(lambda c: ll.Ising(8).energy(c) * 64 + 3.0)   # exact up to a constant: 0.0

How the configurations of one level are drawn here: canonical Metropolis at a temperature whose exact mean
energy (Kaufman) is that level's, for every level below 0; within a level every configuration then has the
same Boltzmann weight, so the draws are uniform over the level (the original used a biased random walk to
the level, which is not). Levels above 0 are the images of those below under flipping one sublattice
(a bijection E -> -E on an even periodic lattice), level 0 comes from random configurations. A level
with fewer distinct draws than ``per_level`` is filled by repeats, as the paper says ("reselecting certain
configurations over and over again"); ``LevelTestSet.distinct`` counts them.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ... import data as lldata
from ... import exact
from ...data.memo import cached_arrays
from ...systems import Ising


def ising_levels(L: int) -> np.ndarray:
    """Every energy level (total, J = 1) of the periodic L x L Ising model, even L >= 4: float64, ascending.
    E = -(bond sum) runs from -2N to 2N in steps of 4; only +-(2N - 4) cannot occur (one flipped spin
    already breaks 4 bonds)."""
    N = L * L
    E = np.arange(-2 * N, 2 * N + 1, 4)
    return E[np.abs(E) != 2 * N - 4].astype(np.float64)


def _check_L(L) -> int:
    if isinstance(L, bool) or not isinstance(L, (int, np.integer)) or L < 4 or L % 2:
        raise ValueError(f"L must be an even integer >= 4 (the score flips one sublattice of a periodic "
                         f"lattice to reach the positive energies), got {L!r}")
    return int(L)


def _level_temperature(e: float, L: int) -> float:
    """The temperature at which the exact mean energy per spin of the L x L lattice is ``e`` (-2 < e < 0)."""
    lo, hi = 0.3, 1000.0  # mean energy rises with T: bisect in log T
    for _ in range(60):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if float(exact.ising_energy_per_spin(mid, L=L)) < e else (lo, mid)
    return float(np.sqrt(lo * hi))


@dataclasses.dataclass(frozen=True)
class LevelTestSet:
    """configs int8 (n_levels * per_level, L, L) of +-1, level by level; energy float64 (n,): their exact
    total energies (J); levels float64 (n_levels,); level int (n,): each configuration's index into levels;
    distinct int (n_levels,): distinct configurations drawn per level before repeats; random int8
    (n_random, L, L): uniformly random configurations (T = infinity) with random_energy float64 (n_random,),
    on which a model's constant is fixed."""
    configs: np.ndarray
    energy: np.ndarray
    levels: np.ndarray
    level: np.ndarray
    distinct: np.ndarray
    random: np.ndarray
    random_energy: np.ndarray

    @property
    def L(self) -> int:
        return int(self.configs.shape[-1])


def _draw(L: int, per_level: int, seed: int) -> dict:
    system, N = Ising(L), L * L
    levels = ising_levels(L)
    rng = np.random.default_rng(seed)
    lower = levels[(levels < 0) & (levels > -2 * N)]
    T = [_level_temperature(e / N, L) for e in lower] + [0.5]  # 0.5: the two ground states dominate
    pool = lldata.generate(system, T=T, n_samples=per_level, seed=seed, progress=False).configs.reshape(-1, L, L)
    hot = system.hot(rng, 16 * per_level)  # level 0 (about 1 in 10 of them at L = 8) and the constant
    pool = np.concatenate([pool, hot[: 8 * per_level]])
    stagger = np.where(np.add.outer(np.arange(L), np.arange(L)) % 2 == 0, 1, -1).astype(np.int8)
    pool = np.concatenate([pool, pool * stagger])  # E -> -E
    energy = np.rint(N * np.asarray(system.energy(pool), dtype=np.float64))
    configs, level, distinct = [], [], []
    for k, E in enumerate(levels):
        members = np.flatnonzero(energy == E)
        if len(members) == 0:
            raise RuntimeError(f"no configuration of energy {E} was drawn at L = {L}; raise per_level")
        unique = np.unique(pool[members].reshape(len(members), -1), axis=0)
        distinct.append(len(unique))
        pick = rng.choice(len(unique), per_level, replace=len(unique) < per_level)
        configs.append(unique[pick].reshape(per_level, L, L))
        level.append(np.full(per_level, k))
    configs = np.concatenate(configs).astype(np.int8)
    random = hot[8 * per_level:]
    return {"configs": configs, "energy": np.rint(N * np.asarray(system.energy(configs), dtype=np.float64)),
            "levels": levels, "level": np.concatenate(level), "distinct": np.asarray(distinct),
            "random": random.astype(np.int8), "random_energy": N * np.asarray(system.energy(random), dtype=np.float64)}


def level_test_set(L: int = 8, per_level: int = 8000, *, seed: int = 0) -> LevelTestSet:
    """``per_level`` configurations at every energy level of the periodic L x L Ising model (cached)."""
    L = _check_L(L)
    if isinstance(per_level, bool) or not isinstance(per_level, (int, np.integer)) or per_level < 1:
        raise ValueError(f"per_level must be a positive integer (the paper: 8000), got {per_level!r}")
    arrays = cached_arrays({"paper": "dcl", "stage": "level_test_set", "L": L, "per_level": int(per_level),
                            "seed": int(seed)}, lambda: _draw(L, int(per_level), int(seed)))
    return LevelTestSet(**{f.name: arrays[f.name] for f in dataclasses.fields(LevelTestSet)})


def _evaluate(energy, configs, what: str) -> np.ndarray:
    out = energy(configs)
    if hasattr(out, "detach"):
        out = out.detach().cpu().numpy()
    out = np.asarray(out, dtype=np.float64)
    if out.shape != (len(configs),):
        raise ValueError(f"energy(configs) must return one total energy per configuration, shape ({len(configs)},) "
                         f"for {what} of shape {configs.shape}; got shape {out.shape}")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"energy(configs) returned {int(np.sum(~np.isfinite(out)))} non-finite values for {what}")
    return out


@dataclasses.dataclass(frozen=True)
class LevelScore:
    """A model scored the paper's way. learned float64 (n,): its energies of the test configurations with the
    constant fixed (mean over random configurations = their true mean); error = learned - true (n,);
    levels (k,), mean and spread (k,): the error's mean and standard deviation per level (the paper's
    Fig. 4 band); rmse: over every configuration, every level weighing the same (J); offset: the constant
    added to the model."""
    levels: np.ndarray
    learned: np.ndarray
    error: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    rmse: float
    offset: float


def score_levels(energy, test: LevelTestSet) -> LevelScore:
    """Score ``energy`` (callable: int8 configs (n, L, L) of +-1 -> total energies (n,), J) on ``test``."""
    if not callable(energy):
        raise TypeError(f"energy must be callable as energy(configs) -> (n,) energies, got {type(energy).__name__}")
    random = _evaluate(energy, test.random, "the random configurations")
    offset = float(np.mean(test.random_energy) - np.mean(random))
    learned = _evaluate(energy, test.configs, "the test configurations") + offset
    error = learned - test.energy
    k = len(test.levels)
    mean = np.bincount(test.level, weights=error, minlength=k) / np.bincount(test.level, minlength=k)
    spread = np.sqrt(np.maximum(np.bincount(test.level, weights=error**2, minlength=k)
                                / np.bincount(test.level, minlength=k) - mean**2, 0.0))
    return LevelScore(test.levels, learned, error, mean, spread, float(np.sqrt(np.mean(error**2))), offset)


def energy_rmse(energy, L: int = 8, per_level: int = 8000, *, seed: int = 0) -> float:
    """The paper's RMSE of E (J) of an energy model of the periodic L x L Ising model.

    energy: a callable taking int8 configurations (n, L, L) of +-1 and returning their total energies (n,)
    in units of J (numpy array or tensor). It is scored on ``per_level`` configurations at each energy level
    (``level_test_set``; the paper: 8000 at each of the 63 levels of 8x8), after adding the constant that
    makes its mean over uniformly random configurations equal to their true mean. Exact energies plus any
    constant score 0 (up to rounding)."""
    return score_levels(energy, level_test_set(L, per_level, seed=seed)).rmse
