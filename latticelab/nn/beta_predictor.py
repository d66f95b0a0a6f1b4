"""``BetaPredictor``: a network that reads the inverse temperature off a lattice (Shukla & Thakur, Sec. II.7).

    x float (n, L, L) or (n, L*L)  ->  Linear(L*L, hidden) -> tanh -> Linear(hidden, 1) -> ReLU  ->  beta float (n,)

Trained by mean-squared error on Ising configurations labelled with their beta. With ``flip_symmetric``
(the default) the hidden layer is averaged over the global spin flip, (tanh(W x + b) + tanh(-W x + b)) / 2,
so a lattice and its flip get the same beta: latticelab's data are flip-symmetrised, and the paper's
plain layer (odd in x apart from its biases) then has to learn an even function the hard way
(``flip_symmetric=False`` is the paper's layer as written). The ReLU keeps
the output >= 0; the output bias starts at ``beta_init`` (inside the training range) so that
the ReLU is not dead at the start.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .. import _validate


class BetaPredictor(torch.nn.Module):
    """Predicted beta of lattices of ``n_sites`` spins: forward (n, n_sites) or (n, L, L) -> (n,)."""

    def __init__(self, n_sites: int, hidden: int = 512, *, beta_init: float = 0.3, flip_symmetric: bool = True,
                 seed: int = 0):
        super().__init__()
        self.flip_symmetric = bool(flip_symmetric)
        self.n_sites = _validate.positive_int(n_sites, "n_sites")
        self.hidden = _validate.positive_int(hidden, "hidden")
        gen = torch.Generator().manual_seed(_validate.seed(seed))

        def uniform(shape, fan_in):
            bound = 1.0 / math.sqrt(fan_in)
            return torch.nn.Parameter((2.0 * torch.rand(shape, generator=gen) - 1.0) * bound)

        self.w1 = uniform((self.hidden, self.n_sites), self.n_sites)  # (hidden, n_sites)
        self.b1 = uniform((self.hidden,), self.n_sites)
        self.w2 = uniform((1, self.hidden), self.hidden)  # (1, hidden)
        self.b2 = torch.nn.Parameter(torch.full((1,), _validate.finite_float(beta_init, "beta_init")))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 3 and x.shape[-1] * x.shape[-2] == self.n_sites:
            x = x.reshape(x.shape[0], -1)
        if x.ndim != 2 or x.shape[1] != self.n_sites:
            raise ValueError(f"BetaPredictor({self.n_sites}) takes (n, {self.n_sites}) or (n, L, L) with L*L = "
                             f"{self.n_sites}; got shape {tuple(x.shape)}. Train one per lattice size")
        u = F.linear(x, self.w1)
        h = torch.tanh(u + self.b1)
        if self.flip_symmetric:
            h = 0.5 * (h + torch.tanh(self.b1 - u))
        return F.relu(F.linear(h, self.w2, self.b2))[:, 0]

    @torch.no_grad()
    def predict(self, configs) -> np.ndarray:
        """beta of lattices float or int (..., L, L) (numpy or torch) -> float64 numpy (...)."""
        x = torch.as_tensor(configs).to(device=self.b2.device, dtype=self.b2.dtype)
        lead = x.shape[:-2]
        return self(x.reshape(-1, self.n_sites)).reshape(lead).double().cpu().numpy()
