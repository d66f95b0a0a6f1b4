"""``PhaseClassifier``: a small convolutional network that tells ordered from disordered spin configurations."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .. import _validate


class PhaseClassifier(torch.nn.Module):
    """Local k x k pattern detectors on the periodic lattice, averaged over all sites, then a linear verdict.

    x: float (n, 1, L, L), spins +-1, any L >= kernel  ->  logits float (n, 2): [disordered, ordered].

    Exact symmetries, by construction:
    - periodic translations: the lattice is padded circularly on one side only, so each of the
      L^2 k x k windows of the torus is seen exactly once before the average;
    - the global spin flip: detector f responds as relu(w_f * x + b_f) + relu(-w_f * x + b_f),
      an even function of x, so a configuration and its flip get the same verdict.
    The weights are drawn from ``seed`` with a private generator (PyTorch's default
    initialisation, bounds 1/sqrt(fan_in)); the global torch RNG is neither used nor seeded.
    """

    def __init__(self, n_features: int = 8, kernel: int = 2, *, seed: int = 0):
        super().__init__()
        self.n_features = _validate.positive_int(n_features, "n_features")
        self.kernel = _validate.positive_int(kernel, "kernel")
        gen = torch.Generator().manual_seed(_validate.seed(seed))

        def uniform(shape, fan_in):
            bound = 1.0 / math.sqrt(fan_in)
            return torch.nn.Parameter((2.0 * torch.rand(shape, generator=gen) - 1.0) * bound)

        k, f = self.kernel, self.n_features
        self.conv_weight = uniform((f, 1, k, k), k * k)  # (n_features, 1, k, k)
        self.conv_bias = uniform((f,), k * k)  # (n_features,)
        self.out_weight = uniform((2, f), f)  # (2, n_features)
        self.out_bias = uniform((2,), f)  # (2,)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Lattice averages of the detectors: x float (n, 1, L, L) -> float (n, n_features)."""
        if x.ndim != 4 or x.shape[1] != 1 or min(x.shape[-2:]) < self.kernel:
            raise ValueError(
                f"PhaseClassifier takes configurations of shape (n, 1, L, L) with L >= {self.kernel}, got "
                f"{tuple(x.shape)}; add the channel axis with x.unsqueeze(1)"
            )
        k = self.kernel
        a = F.conv2d(F.pad(x, (0, k - 1, 0, k - 1), mode="circular"), self.conv_weight)  # (n, f, L, L)
        b = self.conv_bias[:, None, None]
        return (F.relu(a + b) + F.relu(b - a)).mean(dim=(-2, -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits float (n, 2) of x float (n, 1, L, L); softmax(...)[:, 1] is P(ordered)."""
        return F.linear(self.features(x), self.out_weight, self.out_bias)

    @torch.no_grad()
    def p_ordered(self, configs) -> np.ndarray:
        """P(ordered) of configurations int or float (..., L, L) (numpy or torch) -> float64 numpy (...)."""
        x = torch.as_tensor(configs).to(device=self.out_bias.device, dtype=self.out_bias.dtype)
        lead, L = x.shape[:-2], x.shape[-2:]
        p = torch.softmax(self(x.reshape(-1, 1, *L)), dim=-1)[:, 1]
        return p.reshape(lead).double().cpu().numpy()
