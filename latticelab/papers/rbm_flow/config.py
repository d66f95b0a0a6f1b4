"""The rbm_flow app's knobs: one Config with its smoke / laptop / paper rows."""
from __future__ import annotations

import dataclasses

import numpy as np

from ...presets import PresetConfig, knob


def _grid(start: float, stop: float, step: float) -> tuple:
    return tuple(float(x) for x in np.round(np.arange(start, stop + step / 2, step), 6))


@dataclasses.dataclass(frozen=True)
class Config(PresetConfig):
    """RBM flows on 10 x 10 Ising (and Potts) configurations; see ``ROWS`` for the three presets."""

    L: int = knob("lattice side; the talk and the public re-run use 10 x 10 (100 visible units)")
    temperatures: tuple = knob("training grid spanning both phases (Ising units; Potts grids are scaled by Tc_q / Tc)")
    n_samples: int = knob("decorrelated configurations per grid point (the talk: 1000, the re-run: 2000)")
    thermometer_hidden: tuple = knob("thermometer MLP hidden widths (the re-run: 512, 256, 64)")
    thermometer_epochs: int = knob("thermometer training passes (Adam)")
    thermometer_lr: float = knob("thermometer Adam learning rate (higher for the short smoke run)")
    hidden_sizes: tuple = knob("RBM hidden-layer sizes whose flow fixed points are compared (fewer than 100)")
    rbm_epochs: int = knob("CD training passes over the data per RBM")
    rbm_lr: float = knob("SGD learning rate of CD training (the re-run: 0.01 over 8000 epochs; higher for short runs)")
    rbm_momentum: float = knob("SGD momentum of CD training: shortens the run at equal stability")
    batch_size: int = knob("CD mini-batch (the re-run: 100)")
    cd_k: int = knob("Gibbs steps per CD update (CD-1 as in the re-run)")
    flow_chains: int = knob("flows started from each end (the re-run: 1000)")
    flow_steps: int = knob("v -> h -> v iterations per flow (the re-run: 40)")
    fields: tuple = knob("nonzero fields H, one RBM and one thermometer each, for the specific-heat comparison")
    field_hidden: int = knob("RBM hidden size of the field runs and the Potts runs")
    potts_qs: tuple = knob("Potts q values whose flows are compared with Tc = 1 / ln(1 + sqrt q)")
    beta_temperatures: tuple = knob("temperatures below Tc where Monte Carlo data and their reconstructions give beta (the talk: 'around T_c')")
    beta_window: tuple = knob("fit |m| ~ (Tc - T)^beta for Tc - T in this range: where Onsager's own m has an effective exponent within 0.02 of 1/8")
    fixed_point_tolerance: float = knob("how close to Tc the largest RBM's flow must stop for the notebook's check (what this preset's runs show)")
    seed: int = knob("seeds data, weights, training order and flows")
    torch_threads: int = knob("torch threads while training and flowing (tiny matmuls run fastest on 1; 0 = torch's default)")

    ROWS = {
        "smoke": dict(L=10, temperatures=_grid(0.5, 5.5, 0.5), n_samples=200, thermometer_hidden=(64, 32),
                      thermometer_epochs=20, thermometer_lr=3e-3, hidden_sizes=(32,), rbm_epochs=40, rbm_lr=0.05, rbm_momentum=0.5,
                      batch_size=50, cd_k=1, flow_chains=200, flow_steps=20, fields=(1.0,), field_hidden=32,
                      potts_qs=(3,), beta_temperatures=_grid(1.8, 2.25, 0.05), beta_window=(0.01, 0.5), fixed_point_tolerance=0.5, seed=0, torch_threads=1),
        "laptop": dict(L=10, temperatures=_grid(0.25, 6.0, 0.25), n_samples=500, thermometer_hidden=(256, 64),
                       thermometer_epochs=10, thermometer_lr=1e-3, hidden_sizes=(16, 36, 64), rbm_epochs=60, rbm_lr=0.01,
                       rbm_momentum=0.5, batch_size=100, cd_k=1, flow_chains=1000, flow_steps=40, fields=(0.5, 1.0),
                       field_hidden=64, potts_qs=(3, 4), beta_temperatures=_grid(1.8, 2.25, 0.05), beta_window=(0.01, 0.5), fixed_point_tolerance=0.15, seed=0, torch_threads=1),
        # The talk's 1000 configurations per temperature and its hidden sizes, at the re-run's L = 10 and grid;
        # 1000 CD-1 epochs with momentum (the talk: 10000 at lr 0.001, the re-run: 8000 at lr 0.01) fit 3 h on 2 cores
        "paper-cpu": dict(L=10, temperatures=_grid(0.25, 6.0, 0.25), n_samples=1000, thermometer_hidden=(512, 256, 64),
                          thermometer_epochs=30, thermometer_lr=1e-3, hidden_sizes=(16, 36, 64, 81, 100), rbm_epochs=1000,
                          rbm_lr=0.01, rbm_momentum=0.5, batch_size=100, cd_k=1, flow_chains=1000, flow_steps=40,
                          fields=(0.5, 1.0, 2.0), field_hidden=64, potts_qs=(3, 4), beta_temperatures=_grid(1.8, 2.25, 0.05), beta_window=(0.01, 0.5), fixed_point_tolerance=0.1, seed=0,
                          torch_threads=1),
        "paper": dict(L=10, temperatures=_grid(0.125, 6.0, 0.125), n_samples=2000, thermometer_hidden=(512, 256, 64),
                      thermometer_epochs=30, thermometer_lr=1e-3, hidden_sizes=(16, 36, 64, 81, 100), rbm_epochs=200, rbm_lr=0.01,
                      rbm_momentum=0.5, batch_size=100, cd_k=1, flow_chains=1000, flow_steps=40,
                      fields=(0.5, 1.0, 2.0), field_hidden=64, potts_qs=(3, 4), beta_temperatures=_grid(1.8, 2.25, 0.05), beta_window=(0.01, 0.5), fixed_point_tolerance=0.1, seed=0, torch_threads=1),
    }

    def __post_init__(self):
        super().__post_init__()
        T = np.asarray(self.temperatures, dtype=float)
        if T.size < 3 or np.any(np.diff(T) <= 0) or T[0] <= 0:
            raise ValueError(f"temperatures must be at least 3 increasing positive values, got {self.temperatures}")
        if not any(0 < h < self.L * self.L for h in self.hidden_sizes) or any(h < 1 for h in self.hidden_sizes):
            raise ValueError(f"hidden_sizes must be positive (and fewer than the {self.L * self.L} visible units), "
                             f"got {self.hidden_sizes}")
        Tb = np.asarray(self.beta_temperatures, dtype=float)
        if Tb.size < 3 or np.any(np.diff(Tb) <= 0) or Tb[0] <= 0 or Tb[-1] >= 2.269185:
            raise ValueError(f"beta_temperatures must be at least 3 increasing temperatures between 0 and Tc = 2.2692, "
                             f"got {self.beta_temperatures}")
        lo, hi = self.beta_window
        if not 0 < lo < hi:
            raise ValueError(f"beta_window is (smallest, largest) Tc - T, both positive, e.g. (0.2, 1.1); got {self.beta_window}")
