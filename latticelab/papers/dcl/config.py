"""The DCL app's preset rows: how much is observed, how big the networks are, how long Monte Carlo runs."""
from __future__ import annotations

import dataclasses

from ...presets import PresetConfig, knob

SYSTEM_NAMES = ("ising", "potts", "glass")


@dataclasses.dataclass(frozen=True)
class Config(PresetConfig):
    systems: tuple = knob("which models to learn: Ising, 3-state Potts (J = 3/2, as the paper's cosine form), one Gaussian spin glass")
    L: int = knob("observed lattice (the paper's 8x8)")
    L_big: int = knob("lattice the EDNN transfers to (the paper's 16x16)")
    T_obs: float = knob("the single observation temperature T_O (the paper's 4 J/k_B)")
    glass_seed: int = knob("the fixed spin-glass instance (Gaussian couplings drawn from this seed)")
    n_observed: int = knob("decorrelated configurations observed at T_O (the paper: 8e5)")
    observe_chains: int = knob("Markov chains run side by side for the observation (the largest divisor of n_observed "
                               "up to this); on a GPU many short chains cost what few do per sweep")
    order: str = knob("how the lattice is unwrapped for the GRU: spiral (paper), snake or raster")
    gru_hidden: int = knob("GRU hidden size (the paper: 378-512)")
    gru_epochs: int = knob("GRU epochs of maximum likelihood (the paper: 30)")
    gru_lr: float = knob("Adam learning rate of the GRU (the paper: 2.5e-4 to 5e-4 at batch 4000-8000)")
    batch_size: int = knob("minibatch size of both networks")
    n_ednn: int = knob("configurations sampled from the GRU to label for the EDNN (the paper: 1.92e6)")
    ednn_epochs: int = knob("EDNN epochs (the paper: 60)")
    ednn_lr: float = knob("Adam learning rate of the EDNN (the paper: 1e-3)")
    per_level: int = knob("test configurations at each energy level for the paper's RMSE of E (the paper: 8000 at each of 63)")
    test_per_T: int = knob("test configurations per temperature of +-T for the pair metric and the error windows")
    n_pairs: int = knob("random pairs of test configurations for the RMSE of dE, the app's earlier metric")
    T_min: float = knob("lowest Monte Carlo temperature (well below Tc)")
    T_max: float = knob("highest Monte Carlo temperature (above T_O)")
    n_T: int = knob("temperatures on the Monte Carlo grid")
    mc_chains: int = knob("Monte Carlo chains per temperature")
    mc_samples: int = knob("samples per temperature (a multiple of mc_chains)")
    mc_burn_in: int = knob("sweeps before measuring")
    mc_thin: int = knob("sweeps between samples of one chain")
    device: str = knob("where the networks train and learned-energy Monte Carlo runs: 'cpu', 'cuda' or 'auto' (cuda when there is a GPU)")
    threads: int = knob("torch threads of the stages (1 keeps a busy laptop responsive; a headless paper-cpu run takes both cores)")

    ROWS = {
        "smoke": dict(systems=SYSTEM_NAMES, L=4, L_big=8, T_obs=4.0, glass_seed=1, n_observed=2048, observe_chains=16, order="spiral",
                      gru_hidden=16, gru_epochs=10, gru_lr=5e-3, batch_size=128, n_ednn=2048, ednn_epochs=10,
                      ednn_lr=3e-3, per_level=64, test_per_T=32, n_pairs=500, T_min=1.0, T_max=4.4, n_T=5, mc_chains=8,
                      mc_samples=48, mc_burn_in=20, mc_thin=2, device="cpu", threads=1),
        "laptop": dict(systems=SYSTEM_NAMES, L=8, L_big=16, T_obs=4.0, glass_seed=1, n_observed=10_000, observe_chains=16, order="spiral",
                       gru_hidden=64, gru_epochs=10, gru_lr=1e-2, batch_size=128, n_ednn=10_000, ednn_epochs=15,
                       ednn_lr=1e-3, per_level=500, test_per_T=128, n_pairs=2000, T_min=1.0, T_max=4.4, n_T=10, mc_chains=8,
                       mc_samples=64, mc_burn_in=60, mc_thin=3, device="cpu", threads=1),
        # The paper's protocol (8x8, T_O = 4, spiral, 30 GRU epochs, 60 EDNN epochs on GRU samples, 8000 test
        # configurations per level) at sizes that fit 3 h on 2 cores (measured: docs/results/dcl.md): hidden 256 of the
        # paper's 378-512, 1e5 of its 8e5 observations, 2e5 of its 1.92e6 EDNN labels. Its Monte Carlo is the laptop
        # row's: a learned-energy proposal evaluates the whole GRU on every chain, ~16x the laptop's cost at hidden 256.
        "paper-cpu": dict(systems=SYSTEM_NAMES, L=8, L_big=16, T_obs=4.0, glass_seed=1, n_observed=100_000, observe_chains=100,
                          order="spiral", gru_hidden=256, gru_epochs=30, gru_lr=1e-3, batch_size=256, n_ednn=200_000,
                          ednn_epochs=60, ednn_lr=1e-3, per_level=8000, test_per_T=1000, n_pairs=2000, T_min=1.0,
                          T_max=4.4, n_T=10, mc_chains=8, mc_samples=64, mc_burn_in=60, mc_thin=3, device="cpu",
                          threads=2),
        "paper": dict(systems=SYSTEM_NAMES, L=8, L_big=16, T_obs=4.0, glass_seed=1, n_observed=800_000, observe_chains=1000, order="spiral",
                      gru_hidden=384, gru_epochs=30, gru_lr=5e-4, batch_size=4000, n_ednn=1_920_000, ednn_epochs=60,
                      ednn_lr=1e-3, per_level=8000, test_per_T=8000, n_pairs=2000, T_min=0.8, T_max=4.4, n_T=19, mc_chains=32,
                      mc_samples=1024, mc_burn_in=300, mc_thin=5, device="auto", threads=1),
    }

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "systems", tuple(self.systems))
        unknown = [s for s in self.systems if s not in SYSTEM_NAMES]
        if unknown or not self.systems:
            raise ValueError(f"systems must be a non-empty subset of {SYSTEM_NAMES}, got {self.systems}")
        if self.L_big % 2 or self.L % 2:
            raise ValueError(f"L={self.L} and L_big={self.L_big} must be even (the EDNN's focus is 2)")
        if self.mc_samples % self.mc_chains:
            raise ValueError(f"mc_samples={self.mc_samples} must be a multiple of mc_chains={self.mc_chains}")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")
        for k in ("per_level", "threads", "n_observed", "n_ednn", "gru_hidden", "gru_epochs", "ednn_epochs", "batch_size"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{k} must be a positive integer, got {v!r}")
        if not 0 < self.T_min < self.T_max:
            raise ValueError(f"need 0 < T_min < T_max, got {self.T_min}, {self.T_max}")

    @property
    def temperatures(self):
        """float64 (n_T,): the Monte Carlo grid."""
        import numpy as np

        return np.linspace(self.T_min, self.T_max, self.n_T)
