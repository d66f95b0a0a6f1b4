"""Stages that measure: local entropy, the beta predictor's parity, flows in beta and their fixed points.

    ent = entropy_curves(betas, configs, ae, levels)        Entropy: 3x3 Shannon entropy per site vs beta
    par = parity(predictor, betas, configs)                 Parity: predicted against true beta (Fig. 15)
    flow = autoencoder_flow(predictor, ae, betas, configs)  Flow: beta -> predicted beta of AE^k(x) (Fig. 16)
    flow = majority_flow(predictor_half, betas, configs)    Flow: the same for majority-rule blocks
    rg_flow(beta0, steps)                                   iterates of beta' = (3/8) ln cosh(4 beta)
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ...exact.rg import decimation_beta
from ...lattice.decimation import decimate, majority_block


def quantise(lattices, levels: int = 2) -> np.ndarray:
    """uint8 grey levels 0..levels-1 of values in [-1, 1] (clipped): -1 -> 0, +1 -> levels - 1.
    With levels=2 a lattice is cut at 0 (its sign; 0 counts as +1)."""
    x = (np.clip(np.asarray(lattices, dtype=np.float64), -1.0, 1.0) + 1.0) / 2.0
    return np.rint(x * (levels - 1)).astype(np.uint8) if levels > 2 else (x >= 0.5).astype(np.uint8)


def _box3(a: np.ndarray) -> np.ndarray:
    """Sum over each site's 3x3 window inside the lattice (open boundaries) of a (..., H, W)."""
    pad = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(1, 1), (1, 1)])
    H, W = a.shape[-2:]
    return sum(pad[..., di:di + H, dj:dj + W] for di in range(3) for dj in range(3))


def local_entropy(lattices, levels: int = 2) -> np.ndarray:
    """Mean 3x3 local Shannon entropy (bits) per site of each lattice: (..., H, W) -> float64 (...).

    The entropy of the grey levels (``quantise(lattices, levels)``) in each site's 3x3 window, as
    scikit-image's ``filters.rank.entropy`` with a 3x3 footprint computes it (the paper's tool): at the
    border only the sites inside the lattice count (open, not periodic, boundaries).
    """
    q = quantise(lattices, levels)
    inside = _box3(np.ones(q.shape[-2:]))
    h = np.zeros(q.shape, dtype=np.float64)
    for level in range(levels):
        p = _box3((q == level).astype(np.float64)) / inside
        with np.errstate(divide="ignore", invalid="ignore"):
            h -= np.where(p > 0, p * np.log2(p), 0.0)
    return h.mean(axis=(-2, -1))


@dataclasses.dataclass(frozen=True)
class Entropy:
    """Mean local entropy per site (bits) against beta (n_betas,) for the input lattices, their
    autoencoded versions and the twice-decimated (L/2 x L/2) lattices; ``*_err``: standard errors."""

    beta: np.ndarray
    input: np.ndarray
    autoencoded: np.ndarray
    decimated: np.ndarray
    input_err: np.ndarray
    autoencoded_err: np.ndarray
    decimated_err: np.ndarray


def entropy_curves(betas, configs, autoencoder, levels: int = 2) -> Entropy:
    """configs: +-1 (n_betas, n, L, L); autoencoder: a net on flattened L x L lattices (AE-WR)."""
    configs = np.asarray(configs)
    L = configs.shape[-1]
    sets = {"input": configs, "autoencoded": autoencoder.apply(configs, shape=(L, L)),
            "decimated": decimate(decimate(configs))}
    stats = {}
    for name, lattices in sets.items():
        h = local_entropy(lattices, levels)  # (n_betas, n)
        stats[name], stats[f"{name}_err"] = h.mean(axis=1), h.std(axis=1, ddof=1) / np.sqrt(h.shape[1])
    return Entropy(beta=np.asarray(betas, dtype=np.float64), **stats)


@dataclasses.dataclass(frozen=True)
class Parity:
    """True beta (n_betas,), predicted mean and spread per point, and the test MSE over all lattices."""

    beta: np.ndarray
    predicted: np.ndarray
    spread: np.ndarray
    mse: float


def parity(predictor, betas, configs) -> Parity:
    """The beta predictor on fresh test lattices configs (n_betas, n, L, L) at ``betas`` (n_betas,)."""
    pred = predictor.predict(np.asarray(configs))  # (n_betas, n)
    betas = np.asarray(betas, dtype=np.float64)
    return Parity(betas, pred.mean(axis=1), pred.std(axis=1, ddof=1), float(np.mean((pred - betas[:, None]) ** 2)))


def predictor_mse(predictor, betas, configs, window=None) -> float:
    """Mean squared error of the predicted beta over lattices configs (n, L, L) of true ``betas`` (n,),
    counting only those with window[0] <= beta < window[1] (all when ``window`` is None)."""
    betas = np.asarray(betas, np.float64)
    use = np.ones(betas.shape, bool) if window is None else (betas >= window[0]) & (betas < window[1])
    if not use.any():
        raise ValueError(f"no lattice has beta in {window}")
    pred = predictor.predict(np.asarray(configs)[use])
    return float(np.mean((pred - betas[use]) ** 2))


@dataclasses.dataclass(frozen=True)
class Flow:
    """beta (n_betas,) -> steps (k + 1, n_betas): the mean predicted beta after 0..k applications of the map
    (row 0: the input lattices themselves); fit: slope, intercept of the line through row 1 against beta
    (the paper's blue line) and ``fixed_point`` where that line crosses beta' = beta; ``crossing``: where the
    interpolated row 1 crosses beta' = beta (None if it does not)."""

    name: str
    beta: np.ndarray
    steps: np.ndarray
    slope: float
    intercept: float
    fixed_point: float
    crossing: float | None

    @property
    def attractor(self) -> bool:
        """True when one step pulls beta towards the fixed point (slope < 1)."""
        return self.slope < 1.0


def crossing(beta, mapped, near: float) -> float | None:
    """The beta where the piecewise-linear curve ``mapped(beta)`` crosses beta' = beta; of several, the one
    nearest ``near``; None when mapped - beta does not change sign."""
    beta, d = np.asarray(beta, np.float64), np.asarray(mapped, np.float64) - np.asarray(beta, np.float64)
    found = [beta[i] - d[i] * (beta[i + 1] - beta[i]) / (d[i + 1] - d[i])
             for i in range(len(beta) - 1) if d[i] == 0 or d[i] * d[i + 1] < 0]
    return float(min(found, key=lambda b: abs(b - near))) if found else None


def _flow(name, beta, steps, near, window) -> Flow:
    beta = np.asarray(beta, np.float64)
    inside = (beta >= window[0]) & (beta <= window[1]) if window else np.ones_like(beta, bool)
    slope, intercept = np.polyfit(beta[inside], steps[1][inside], 1)
    fixed = intercept / (1.0 - slope) if slope != 1.0 else float("nan")
    return Flow(name, beta, steps, float(slope), float(intercept), float(fixed), crossing(beta, steps[1], near))


def autoencoder_flow(predictor, autoencoder, betas, configs, n_steps: int, *, near: float, window=None) -> Flow:
    """Predicted beta of AE^k(x), k = 0..n_steps, for test lattices configs +-1 (n_betas, n, L, L).
    The AE's real-valued outputs go to the predictor as they are (no rounding), as in the paper."""
    x = np.asarray(configs, dtype=np.float32)
    L = x.shape[-1]
    rows = [predictor.predict(x).mean(axis=1)]
    for _ in range(n_steps):
        x = autoencoder.apply(x, shape=(L, L))
        rows.append(predictor.predict(x).mean(axis=1))
    return _flow("autoencoder", betas, np.stack(rows), near, window)


def majority_flow(predictor_half, betas, configs, *, near: float, window=None) -> Flow:
    """Predicted beta of the 2x2 majority-rule blocks (L/2 x L/2) of configs (n_betas, n, L, L), read by a
    predictor trained on L/2 x L/2 lattices. Row 0 of ``steps`` is the input beta itself, row 1 the blocks' beta."""
    blocks = majority_block(np.asarray(configs), 2)
    mapped = predictor_half.predict(blocks).mean(axis=1)
    beta = np.asarray(betas, np.float64)
    return _flow("majority", beta, np.stack([beta, mapped]), near, window)


def rg_flow(beta0, steps: int) -> np.ndarray:
    """float64 (steps + 1, *shape): beta0, then iterates of the decimation recursion beta' = (3/8) ln cosh(4 beta)."""
    out = [np.asarray(beta0, dtype=np.float64)]
    for _ in range(steps):
        out.append(np.asarray(decimation_beta(out[-1]), dtype=np.float64))
    return np.stack(out)


def autoencoder_paths(predictor, autoencoder, betas, configs, n_steps: int, starts, chains: int = 8) -> tuple:
    """Flows for an animator: lattices x, AE(x), AE(AE(x)), ... from test lattices at the grid betas nearest to
    ``starts``. Returns (paths, readings), both keyed 'beta = 0.xxx': paths float32 (n_steps + 1, chains, L*L)
    with values (x + 1) / 2 clipped to [0, 1] (0: down, 1: up), readings float64 (n_steps + 1, chains), the
    predicted beta of each lattice."""
    betas, configs = np.asarray(betas, np.float64), np.asarray(configs)
    L = configs.shape[-1]
    paths, readings = {}, {}
    for b in starts:
        i = int(np.argmin(np.abs(betas - b)))
        x = configs[i, :chains].astype(np.float32)
        steps = [x]
        for _ in range(n_steps):
            steps.append(autoencoder.apply(steps[-1], shape=(L, L)))
        path = np.stack(steps)  # (n_steps + 1, chains, L, L)
        key = f"beta = {betas[i]:.3f}"
        paths[key] = np.clip((path.reshape(n_steps + 1, len(x), L * L) + 1.0) / 2.0, 0.0, 1.0)
        readings[key] = predictor.predict(path)
    return paths, readings
