"""``Thermometer``: a network that reads the temperature of a configuration.

    th = Thermometer(n_inputs=100, temperatures=ds.T_values, seed=0)
    train_thermometer(th, x, t_index, epochs=20)          # x: float (n, 100) in [0, 1]; t_index: int64 (n,)
    th.temperature(x)                                      # float64 numpy (n,): expected T
    calibration(th, x_val, T_val)                          # per true T: mean and spread of the reading

A classifier over the training temperature grid (an MLP, tanh hidden layers, softmax output) whose
reading is the expected temperature sum_k p_k T_k. It takes the same visible vectors as the RBM
(spins as v = (s + 1) / 2, Potts states one-hot), so it reads any RBM flow step, mean-field
probabilities included. With ``flip_symmetric=True`` (Ising at h = 0) its probabilities are the
average over v and 1 - v, so a configuration and its global spin flip read the same, exactly.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
import torch.nn.functional as F

from .. import _validate


class Thermometer(torch.nn.Module):
    """MLP n_inputs -> hidden... -> len(temperatures) over visible vectors float (B, n_inputs) in [0, 1].

    ``forward`` returns log-probabilities float (B, n_T) (so ``F.cross_entropy`` trains it); weights
    come from a private generator seeded by ``seed``.
    """

    def __init__(self, n_inputs: int, temperatures, hidden=(512, 256, 64), *, flip_symmetric: bool = False,
                 seed: int = 0):
        super().__init__()
        self.n_inputs = _validate.positive_int(n_inputs, "n_inputs")
        T = _validate.temperatures(temperatures, "temperatures")
        if len(T) < 2 or np.any(np.diff(T) <= 0):
            raise ValueError(f"a thermometer needs at least two increasing temperatures, got {T.tolist()}; "
                             "pass the data set's T_values sorted")
        self.register_buffer("temperatures", torch.tensor(T, dtype=torch.float32))
        self.flip_symmetric = bool(flip_symmetric)
        sizes = [self.n_inputs, *[_validate.positive_int(h, "hidden size") for h in hidden], len(T)]
        gen = torch.Generator().manual_seed(_validate.seed(seed))
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            lin = torch.nn.Linear(n_in, n_out)
            bound = 1.0 / math.sqrt(n_in)
            with torch.no_grad():
                lin.weight.copy_((2 * torch.rand(n_out, n_in, generator=gen) - 1) * bound)
                lin.bias.copy_((2 * torch.rand(n_out, generator=gen) - 1) * bound)
            layers += [lin, torch.nn.Tanh()]
        self.net = torch.nn.Sequential(*layers[:-1])

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """log p(T_k | v): float (B, n_T) of v float (B, n_inputs)."""
        if v.ndim != 2 or v.shape[1] != self.n_inputs:
            raise ValueError(f"Thermometer takes (B, {self.n_inputs}) visible vectors, got {tuple(v.shape)}; "
                             "flatten lattices with spins_to_visible / states_to_visible (latticelab.nn.rbm)")
        logp = F.log_softmax(self.net(2 * v - 1), dim=-1)
        if self.flip_symmetric:
            flipped = F.log_softmax(self.net(1 - 2 * v), dim=-1)
            logp = torch.logsumexp(torch.stack([logp, flipped]), dim=0) - math.log(2.0)
        return logp

    @torch.no_grad()
    def probabilities(self, v, batch: int = 4096) -> np.ndarray:
        """p(T_k | v): float64 numpy (..., n_T) of v (..., n_inputs) (numpy or torch, any leading axes)."""
        x = torch.as_tensor(v).to(dtype=self.temperatures.dtype, device=self.temperatures.device)
        lead = x.shape[:-1]
        flat = x.reshape(-1, x.shape[-1])
        out = [self(flat[i:i + batch]).exp() for i in range(0, len(flat), batch)] or [flat.new_zeros(0, len(self.temperatures))]
        return torch.cat(out).reshape(*lead, -1).double().cpu().numpy()

    def temperature(self, v, batch: int = 4096) -> np.ndarray:
        """The reading sum_k p(T_k | v) T_k: float64 numpy (...) of v (..., n_inputs)."""
        return self.probabilities(v, batch) @ self.temperatures.double().cpu().numpy()


def train_thermometer(model: Thermometer, x, t_index, *, epochs: int, batch_size: int = 100, lr: float = 1e-3,
                      val_fraction: float = 0.2, seed: int = 0, callbacks=(), device=None) -> dict:
    """Train ``model`` by cross-entropy on x float (n, n_inputs) labelled t_index int64 (n,) (Adam);
    returns ``fit``'s history, with a held-out ``val_fraction`` (split by ``seed``) as validation."""
    from torch.utils.data import DataLoader, TensorDataset

    from .fit import fit, supervised

    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(t_index, dtype=torch.int64)
    if x.ndim != 2 or y.shape != x.shape[:1]:
        raise ValueError(f"x must be (n, n_inputs) and t_index (n,); got {tuple(x.shape)} and {tuple(y.shape)}")
    if y.min() < 0 or y.max() >= len(model.temperatures):
        raise ValueError(f"t_index must index the model's {len(model.temperatures)} temperatures")
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(_validate.seed(seed)))
    n_val = int(round(val_fraction * len(x)))
    val, train = perm[:n_val], perm[n_val:]
    loader = DataLoader(TensorDataset(x[train], y[train]), batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[val], y[val]), batch_size=4096) if n_val else None
    return fit(model, loader, val_loader, epochs=epochs, loss_fn=supervised(F.nll_loss), lr=lr, device=device,
               callbacks=callbacks, seed=seed)


@dataclasses.dataclass(frozen=True)
class Calibration:
    """The thermometer's reading against the true temperature.

    T: float64 (n_T,) true temperatures; mean, spread: float64 (n_T,) mean and standard deviation of the
    reading over the configurations at each T; count: int64 (n_T,).
    """

    T: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    count: np.ndarray

    def spread_at(self, T: float) -> float:
        """The spread at the true temperature nearest ``T``."""
        return float(self.spread[np.argmin(np.abs(self.T - T))])


def calibration(model: Thermometer, x, T) -> Calibration:
    """Read every configuration x (n, n_inputs) whose true temperature is T float (n,)."""
    T = np.asarray(T, dtype=np.float64)
    reading = model.temperature(x)
    values = np.unique(T)
    groups = [reading[T == t] for t in values]
    return Calibration(values, np.array([g.mean() for g in groups]), np.array([g.std() for g in groups]),
                       np.array([g.size for g in groups], dtype=np.int64))
