"""``EDNN``: an extensive deep neural network, E(sigma) = sum over tiles of one shared network.

The lattice is cut into focus blocks of f x f sites; each block with c sites of context around it
(a (f + 2c)^2 tile, cut with periodic wrap) goes through the same small network
(f+2c)^2 -> hidden[0] -> hidden[1] -> 1 (ReLU, last layer linear); the outputs are summed. As a
torch module: Conv2d(kernel f + 2c, stride f) on the circularly padded lattice, 1x1 convolutions
for the rest, a sum. The energy is extensive and invariant under shifts by multiples of f, and a
model trained on 8x8 evaluates any L divisible by f.

A single-site change touches only the tiles that contain the site, so ``delta_energy`` (what the
learned-energy Metropolis calls) re-evaluates a small patch around it; ``delta_energy(...,
local=False)`` re-evaluates both lattices in full (the same numbers, slower).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validate import positive_int
from ..lattice import is_torch, writable


class EDNN(nn.Module):
    """Energies (B,) of float configurations (B, L, L), L divisible by ``focus``.

    site_kind/n_states say how ``encode`` maps a system's stored values to inputs: spins +-1 as they
    are, Potts states s in 0..q-1 to 2 s / (q - 1) - 1 (both in [-1, 1]).
    """

    def __init__(self, focus: int = 2, context: int = 1, hidden=(32, 64), *, site_kind: str = "spin",
                 n_states: int = 2, seed=0):
        super().__init__()
        self.focus = positive_int(focus, "focus")
        self.context = positive_int(context, "context", minimum=0)
        hidden = tuple(positive_int(h, "hidden") for h in hidden)
        if not hidden:
            raise ValueError("hidden needs at least one layer width, e.g. hidden=(32, 64)")
        if site_kind not in ("spin", "state"):
            raise ValueError(f"site_kind must be 'spin' or 'state' (the system's site_kind), got {site_kind!r}")
        self.hidden, self.site_kind, self.n_states = hidden, site_kind, positive_int(n_states, "n_states", minimum=2)
        self.window = self.focus + 2 * self.context
        with torch.random.fork_rng(devices=[]):  # the weights come from ``seed`` alone
            torch.manual_seed(0 if seed is None else int(seed))
            layers, width = [nn.Conv2d(1, hidden[0], self.window, stride=self.focus)], hidden[0]
            for h in hidden[1:]:
                layers += [nn.ReLU(), nn.Conv2d(width, h, 1)]
                width = h
            layers += [nn.ReLU(), nn.Conv2d(width, 1, 1)]
            self.net = nn.Sequential(*layers)
        # every site lies in at most `reach` consecutive tiles per direction
        self.reach = max(sum(1 for a in range(-self.window, self.window)
                             if 0 <= i - (a * self.focus - self.context) < self.window) for i in range(self.focus))

    def extra_repr(self) -> str:
        return f"focus={self.focus}, context={self.context}, hidden={self.hidden}"

    def _check(self, x):
        if x.ndim != 3 or x.shape[-1] != x.shape[-2] or x.shape[-1] % self.focus:
            raise ValueError(f"EDNN needs float configurations (B, L, L) with L divisible by focus={self.focus}, "
                             f"got shape {tuple(x.shape)}")

    def tile_energies(self, x: torch.Tensor) -> torch.Tensor:
        """float (B, L, L) -> the energy of every tile, (B, L/f, L/f)."""
        self._check(x)
        c = self.context
        x = x.unsqueeze(1)
        if c:
            x = nn.functional.pad(x, (c, c, c, c), mode="circular")
        return self.net(x)[:, 0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Energies (B,) of float configurations x (B, L, L) (use ``encode`` for a system's stored values)."""
        return self.tile_energies(x).sum(dim=(-2, -1))

    def encode(self, configs) -> torch.Tensor:
        """A system's stored configurations (..., L, L) -> float inputs in [-1, 1] on the model's device."""
        p = next(self.parameters())
        x = torch.as_tensor(configs if is_torch(configs) else writable(configs), device=p.device).to(p.dtype)
        return x if self.site_kind == "spin" else 2.0 * x / (self.n_states - 1) - 1.0

    @torch.no_grad()
    def energy(self, configs, batch_size: int = 4096) -> np.ndarray:
        """Total energies float64 (B,) of a system's stored configurations (B, L, L)."""
        x = self.encode(configs)
        parts = [self(x[k : k + batch_size]).double().cpu() for k in range(0, len(x), batch_size)]
        return torch.cat(parts).numpy() if parts else np.zeros(0)

    @torch.no_grad()
    def delta_energy(self, configs, sites, new, local: bool = True):
        """Energy change float64 (B,) when site ``sites[b]`` (int (B, 2): row, column) of a system's stored
        configs (B, L, L) takes the value ``new[b]``. numpy in, numpy out (torch in, torch out).

        ``local``: evaluate only the tiles around the site (the result equals full re-evaluation)."""
        x = self.encode(configs)
        self._check(x)
        B, L = x.shape[0], x.shape[-1]
        sites = torch.as_tensor(sites if is_torch(sites) else np.asarray(sites), device=x.device).long()
        new_x = self.encode(new if is_torch(new) else np.asarray(new))
        b = torch.arange(B, device=x.device)
        patched = local and self.patch_size <= L
        if patched:
            x, sites = self._patches(x, sites)
        after = x.clone()
        after[b, sites[:, 0], sites[:, 1]] = new_x
        both = torch.cat([x, after])
        # the patches' tiles sit at stride f without wrap; whole lattices are padded periodically
        e = self.net(both.unsqueeze(1)).sum(dim=(1, 2, 3)) if patched else self(both)
        dE = e[B:] - e[:B]
        dE = dE.double()
        return dE.to(configs.device) if is_torch(configs) else dE.cpu().numpy()

    @property
    def patch_size(self) -> int:
        """Side of the patch the local update evaluates: ``reach`` tiles per direction with their context."""
        return self.reach * self.focus + 2 * self.context

    def _patches(self, x, sites):
        """x (B, L, L), sites (B, 2) -> the (B, P, P) patches holding every tile that contains each site
        (P = patch_size) and the sites' positions inside them."""
        f, c, L, P = self.focus, self.context, x.shape[-1], self.patch_size
        # the first tile a whose window [a f - c, a f + f + c) contains the site; the patch holds tiles
        # first .. first + reach - 1 (any of them without the site changes by exactly 0)
        first = torch.div(sites - f - c, f, rounding_mode="floor") + 1
        start = first * f - c
        offs = torch.arange(P, device=x.device)
        rows = (start[:, 0, None] + offs) % L
        cols = (start[:, 1, None] + offs) % L
        b = torch.arange(x.shape[0], device=x.device)
        patch = x[b[:, None, None], rows[:, :, None], cols[:, None, :]]
        return patch, sites - start


class FullReevaluation:
    """An EDNN whose ``delta_energy`` re-evaluates both whole lattices (the benchmark's baseline)."""

    def __init__(self, model: EDNN):
        self.model = model

    def delta_energy(self, configs, sites, new):
        return self.model.delta_energy(configs, sites, new, local=False)
