"""The equivariance app's preset rows: which couplings and lattice sizes, how much data, how long training runs."""
from __future__ import annotations

import dataclasses

from ...presets import PresetConfig, knob

_POINTS = ((4.25, 1.0), (4.01, 1.5))  # the paper's two training points (eta, mu)


@dataclasses.dataclass(frozen=True)
class Config(PresetConfig):
    lam: float = knob("quartic coupling lambda (the paper: 1)")
    train_points: tuple = knob("(eta, mu) pairs trained on at 8 x 8 (the paper: (4.25, 1) and (4.01, 1.5))")
    test_etas: tuple = knob("eta values of the generalisation grid (the paper: 4.01, 4.04, 4.25)")
    test_mus: tuple = knob("mu values of the generalisation grid (the paper: 1, 1.25, 1.5)")
    train_size: int = knob("lattice side the networks are trained on (the paper: 8)")
    test_sizes: tuple = knob("lattice sides tested (the paper: 8, 16, 32, 64)")
    n_train: int = knob("regression training configurations per training point (the paper: 4000 in all)")
    curve_sizes: tuple = knob("training-set sizes (in total) of the regression learning curve; at most n_train x points")
    n_test: int = knob("test configurations per grid point and size; each test set serves all three tasks")
    thin: int = knob("worm sweeps between stored configurations (a few autocorrelation times)")
    burn_in: int = knob("worm sweeps before the first stored configuration")
    repeats: int = knob("retrainings from scratch (seeds) per family and training-set size (the paper: 10)")
    epochs: int = knob("regression training epochs")
    batch: int = knob("minibatch size")
    lr: float = knob("Adam learning rate")
    device: str = knob("where networks train: 'cpu', 'cuda', or 'auto' (cuda when torch sees a GPU)")
    n_detect: int = knob("detection training configurations per training point, half violated (paper: 4000 in all)")
    count_train: tuple = knob("numbers of open worms in the counting training set (the paper: 0 and 5)")
    n_count: int = knob("counting training configurations per training point and count (the paper: 20000 in all)")
    count_test_max: int = knob("detection and counting are tested on 0..count_test_max open worms (the paper: 10)")
    detect_epochs: int = knob("detection training epochs (flux networks need ~2000-4000 optimizer steps to learn)")
    count_epochs: int = knob("counting training epochs (an epoch is 4 n_count / batch optimizer steps)")
    search_trials: int = knob("Optuna trials per family of the architecture search (run with --search)")
    search_epochs: int = knob("training epochs of one architecture-search trial")
    check_sweeps: int = knob("sweeps of the mu = 0 worm-versus-direct-simulation check")
    blaze_samples: int = knob("configurations per mu of the silver-blaze scan n(mu) on a 32 x 4 lattice")

    ROWS = {
        "smoke": dict(lam=1.0, train_points=_POINTS, test_etas=(4.01, 4.25), test_mus=(1.0, 1.5), train_size=8,
                      test_sizes=(8, 16), n_train=192, curve_sizes=(96, 384), n_test=36, thin=2, burn_in=60,
                      repeats=1, epochs=4, batch=64, lr=2e-3, device="cpu", n_detect=96, count_train=(0, 5),
                      n_count=48, count_test_max=5, detect_epochs=4, count_epochs=4, search_trials=2, search_epochs=1,
                      check_sweeps=200, blaze_samples=16),
        "laptop": dict(lam=1.0, train_points=_POINTS, test_etas=(4.01, 4.04, 4.25), test_mus=(1.0, 1.25, 1.5),
                       train_size=8, test_sizes=(8, 16, 32, 64), n_train=1024, curve_sizes=(256, 768, 2048),
                       n_test=108, thin=4, burn_in=300, repeats=3, epochs=10, batch=64, lr=1e-3, device="cpu",
                       n_detect=256, count_train=(0, 5), n_count=128, count_test_max=8, detect_epochs=20,
                       count_epochs=20,
                       search_trials=6, search_epochs=3, check_sweeps=1500, blaze_samples=128),
        "paper": dict(lam=1.0, train_points=_POINTS, test_etas=(4.01, 4.04, 4.25), test_mus=(1.0, 1.25, 1.5),
                      train_size=8, test_sizes=(8, 16, 32, 64), n_train=2000, curve_sizes=(250, 1000, 4000),
                      n_test=352, thin=5, burn_in=300, repeats=10, epochs=40, batch=100, lr=1e-3, device="auto",
                      n_detect=2000, count_train=(0, 5), n_count=5000, count_test_max=10, detect_epochs=60,
                      count_epochs=15,
                      search_trials=20, search_epochs=10, check_sweeps=5000, blaze_samples=512),
    }

    def __post_init__(self):
        super().__post_init__()
        for name in ("train_points", "test_etas", "test_mus", "test_sizes", "curve_sizes", "count_train"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        total = self.n_train * len(self.train_points)
        if not self.curve_sizes or max(self.curve_sizes) > total or min(self.curve_sizes) < len(self.train_points):
            raise ValueError(f"curve_sizes={self.curve_sizes} must lie between {len(self.train_points)} and "
                             f"n_train x points = {total}")
        if self.train_size not in self.test_sizes:
            raise ValueError(f"test_sizes={self.test_sizes} must include the training size {self.train_size}")
        if self.repeats < 1:
            raise ValueError(f"repeats={self.repeats}: at least one training per family")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")
        if self.count_test_max < max(self.count_train) or min(self.count_train) != 0:
            raise ValueError(f"count_train={self.count_train} must include 0 and lie within 0..count_test_max="
                             f"{self.count_test_max}")

    @property
    def full_size(self) -> int:
        """The largest regression training set (the generalisation grid's networks are trained on it)."""
        return max(self.curve_sizes)

    def grid(self, L=None):
        """[(L, eta, mu)] of the generalisation grid, at size L or at every test size."""
        sizes = self.test_sizes if L is None else (L,)
        return [(s, eta, mu) for s in sizes for eta in self.test_etas for mu in self.test_mus]
