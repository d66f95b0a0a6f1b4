"""``LearnedEnergy``: the energy an autoregressive model implies, E(sigma) = -T_O ln P(sigma) + C.

Observed at temperature T_O, equilibrium configurations follow P = exp(-E / T_O) / Z, so any two
configurations differ in energy by dE = T_O ln(P_i / P_j) (the paper's Eq. 2). The constant C
(``offset``) is arbitrary; ``calibrate`` sets it so that a reference set has mean energy 0.

    energy = LearnedEnergy(gru, T_obs=4.0, system=ll.Ising(L=8))
    ll.sample(system, T, n, algorithm="learned_metropolis", energy=energy)

``delta_energy`` re-evaluates both configurations in full (an autoregressive model has no local
update), but remembers the last call: in a Metropolis sweep the current state is always the last
call's "before" or "after", so only the proposal is new and each call costs one model evaluation.
"""
from __future__ import annotations

import numpy as np
import torch

from ..lattice import is_torch, writable


def state_indices(system, configs) -> torch.Tensor:
    """A system's stored configurations (..., L, L) (e.g. +-1 spins) -> int64 state indices 0..n_states-1
    (the position of each value in ``system.site_values()``; spins: (s + 1) // 2)."""
    values = np.asarray(system.site_values(), dtype=np.int64)
    lut = np.full(int(values.max()) - int(values.min()) + 1, -1, dtype=np.int64)
    lut[values - values.min()] = np.arange(len(values))
    x = torch.as_tensor(configs if is_torch(configs) else writable(configs)).long()
    return torch.as_tensor(lut, device=x.device)[x - int(values.min())]


class LearnedEnergy:
    """E = -T_obs ln P(sigma) + offset of ``model`` (with ``log_prob(states (B, L, L)) -> (B,)``) for
    configurations of ``system`` (their stored values, e.g. +-1 spins, are mapped to state indices)."""

    def __init__(self, model, T_obs: float, system, *, offset: float = 0.0, batch_size: int = 4096):
        if not callable(getattr(model, "log_prob", None)):
            raise TypeError(f"LearnedEnergy needs a model with log_prob(states) -> (B,), e.g. AutoregressiveGRU; got {model!r}")
        if not np.isfinite(T_obs) or T_obs <= 0:
            raise ValueError(f"T_obs must be the positive temperature the training data were observed at, got {T_obs!r}")
        self.model, self.T_obs, self.system = model, float(T_obs), system
        self.offset, self.batch_size = float(offset), int(batch_size)
        self._last = None

    def states(self, configs) -> torch.Tensor:
        """configs (B, L, L) of the system's values -> int64 state indices (B, L, L) (spins: (s + 1) // 2)."""
        return state_indices(self.system, configs)

    @torch.no_grad()
    def log_prob(self, configs) -> torch.Tensor:
        """ln P float64 (B,) of configs (B, L, L), evaluated ``batch_size`` at a time."""
        x = self.states(configs)
        if len(x) == 0:
            return torch.zeros(0, dtype=torch.float64)
        parts = [self.model.log_prob(x[k : k + self.batch_size]) for k in range(0, len(x), self.batch_size)]
        return torch.cat(parts).double().cpu()

    def energy(self, configs) -> np.ndarray:
        """Total learned energy float64 (B,) of configs (B, L, L): -T_obs ln P + offset."""
        return (-self.T_obs * self.log_prob(configs)).numpy() + self.offset

    def calibrate(self, configs) -> "LearnedEnergy":
        """Set ``offset`` so that the mean learned energy of ``configs`` (B, L, L) is 0; returns self."""
        self.offset = 0.0
        self.offset = -float(np.mean(self.energy(configs)))
        return self

    def delta_energy(self, configs, sites, new):
        """Energy change float64 (B,) when site ``sites[b]`` (int (B, 2)) of configs (B, L, L) takes ``new[b]``;
        numpy in, numpy out (torch in, torch out)."""
        before = torch.as_tensor(configs).clone() if is_torch(configs) else torch.as_tensor(np.array(configs))
        sites = torch.as_tensor(np.asarray(sites) if not is_torch(sites) else sites, device=before.device).long()
        new = torch.as_tensor(np.asarray(new) if not is_torch(new) else new, device=before.device)
        after = before.clone()
        b = torch.arange(len(after), device=after.device)
        after[b, sites[:, 0], sites[:, 1]] = new.to(after.dtype)
        lp_before = self._remembered(before)
        if lp_before is None:
            lp = self.log_prob(torch.cat([before, after]))
            lp_before, lp_after = lp[: len(b)], lp[len(b):]
        else:
            lp_after = self.log_prob(after)
        self._last = (before, after, lp_before, lp_after)
        dE = -self.T_obs * (lp_after - lp_before)
        return dE.to(configs.device) if is_torch(configs) else dE.numpy()

    def _remembered(self, x):
        """ln P of x (B,) where every chain holds the last call's before or after state, else None."""
        if self._last is None or self._last[0].shape != x.shape:
            return None
        before, after, lp_before, lp_after = self._last
        dims = tuple(range(1, x.ndim))
        is_after, is_before = (x == after).all(dim=dims), (x == before).all(dim=dims)
        if not bool((is_after | is_before).all()):
            return None
        return torch.where(is_after.to(lp_after.device), lp_after, lp_before)  # states may sit on a GPU
