"""The Config of the RG-versus-autoencoders app: smoke / laptop / paper rows, one reason per knob."""
from __future__ import annotations

import dataclasses

from ...nn.autoencoder import LOSSES
from ...presets import PresetConfig, knob

#: The paper's data set: 32 x 32 Ising lattices at beta = 0.4352 (it calls this "near critical";
#: the exact beta_c = ln(1 + sqrt 2) / 2 = 0.440687 lies just above it, i.e. T = 2.298 > Tc = 2.269).
PAPER_BETA = 0.4352

#: A net has reached its plateau when ``patience`` epochs bring no relative gain of this size in its
#: validation loss over the best before them.
PLATEAU_GAIN = 1e-3


@dataclasses.dataclass(frozen=True)
class Config(PresetConfig):
    L: int = knob("lattice size; the paper's nets are 1024-512-256-512-1024 for L = 32 (smoke shrinks it)")
    beta: float = knob("inverse temperature of the Models 1-3 data (the paper's 0.4352, just above Tc)")
    n_samples: int = knob("configurations at that beta (80% train, 20% validation); the paper had 30 000")
    n_betas: int = knob("grid points beta in [0.01, 0.6) for AE-WR, the beta predictor, entropy and flows")
    n_wide: int = knob("training configurations per grid point (the paper: 50 000 in all)")
    n_test: int = knob("fresh test configurations per grid point for the parity plot, entropy and flows")
    epochs: int = knob("epochs of every trained net at most (the paper: 4000 with batch 10)")
    patience: int = knob("stop a net at a plateau: no relative gain of PLATEAU_GAIN in its validation loss for this many epochs (0: always run every epoch)")
    batch: int = knob("batch size; far above the paper's 10 so the epochs fit the budget")
    lr: float = knob("Adam learning rate")
    loss: str = knob("reconstruction loss: the paper's 'hinge', or 'squared_hinge', 'mse', 'l1'")
    l1: float = knob("L1 regularisation strength (the paper uses L1 but gives no value)")
    hidden: int = knob("hidden units of the beta predictor (the paper: 512, tanh)")
    epochs_beta: int = knob("epochs of the beta predictors at most (the paper: until the MSE reached 0.0035)")
    flow_steps: int = knob("how many times the autoencoder is applied in the iterated flow")
    entropy_levels: int = knob("grey levels a lattice is quantised to for the 3x3 rank entropy (2: the sign)")
    majority_tolerance: float = knob("how close to beta_c the majority-rule crossing must lie for the notebook's check (what this preset's runs show)")
    device: str = knob("where nets train: 'cpu', 'cuda', or 'auto' (cuda when there is a GPU)")
    threads: int = knob("torch threads while training (0: torch's default); 1 dodges OpenMP oversubscription on busy CPUs")
    seed: int = knob("seed of the data and of every net's initial weights")

    ROWS = {
        "smoke": dict(L=16, beta=PAPER_BETA, n_samples=400, n_betas=10, n_wide=100, n_test=20, epochs=4, batch=64,
                      lr=2e-3, patience=0, loss="hinge", l1=1e-5, hidden=64, epochs_beta=20, flow_steps=3, majority_tolerance=0.05, entropy_levels=2, device="cpu", threads=1, seed=0),
        "laptop": dict(L=32, beta=PAPER_BETA, n_samples=3000, n_betas=20, n_wide=150, n_test=40, epochs=25, batch=100,
                       lr=1e-3, patience=0, loss="hinge", l1=1e-5, hidden=512, epochs_beta=40, flow_steps=4, majority_tolerance=0.03, entropy_levels=2, device="cpu", threads=1, seed=0),
        # The paper's data sizes at batch 100 (not 10: 6x cheaper per epoch on a CPU), each net to a measured plateau
        "paper-cpu": dict(L=32, beta=PAPER_BETA, n_samples=30000, n_betas=50, n_wide=1000, n_test=200, epochs=300,
                          batch=100, lr=1e-3, patience=20, loss="hinge", l1=1e-5, hidden=512, epochs_beta=300, flow_steps=6,
                          majority_tolerance=0.03, entropy_levels=2, device="cpu", threads=1, seed=0),
        "paper": dict(L=32, beta=PAPER_BETA, n_samples=30000, n_betas=50, n_wide=1000, n_test=200, epochs=4000,
                      batch=2000, lr=1e-3, patience=0, loss="hinge", l1=1e-5, hidden=512, epochs_beta=4000, flow_steps=6, majority_tolerance=0.03, entropy_levels=2, device="auto", threads=0, seed=0),
    }

    def __post_init__(self):
        super().__post_init__()
        if self.L % 4:
            raise ValueError(f"L={self.L}: two decimation steps need L divisible by 4 (the paper's L = 32)")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(repr(k) for k in LOSSES)}")
        if not 0 < self.beta < 0.6:
            raise ValueError(f"beta={self.beta} lies outside the predictor's range [0.01, 0.6); e.g. beta=0.4352")
        for name in ("n_samples", "n_betas", "n_wide", "n_test", "epochs", "batch", "hidden", "epochs_beta", "flow_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.n_samples < 10 or self.n_wide < 5:
            raise ValueError("n_samples >= 10 and n_wide >= 5 are needed for the 80/20 train/validation split")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")
        if self.patience < 0:
            raise ValueError(f"patience must be >= 0 (0 runs every epoch), got {self.patience}")
        if self.threads < 0:
            raise ValueError(f"threads must be >= 0 (0 keeps torch's default), got {self.threads}")
        if self.entropy_levels < 2:
            raise ValueError(f"entropy_levels must be >= 2 (2 quantises by sign), got {self.entropy_levels}")
