"""The equivariance app's preset rows: which couplings and lattice sizes, how much data, how long training runs."""
from __future__ import annotations

import dataclasses

from ...presets import PresetConfig, knob


@dataclasses.dataclass(frozen=True)
class Config(PresetConfig):
    lam: float = knob("quartic coupling lambda (the paper: 1)")
    train_points: tuple = knob("(eta, mu) pairs trained on at 8 x 8 (the paper: (4.25, 1) and (4.01, 1.5))")
    test_etas: tuple = knob("eta values of the generalisation grid")
    test_mus: tuple = knob("mu values of the generalisation grid")
    train_size: int = knob("lattice side the networks are trained on (the paper: 8)")
    test_sizes: tuple = knob("lattice sides tested (the paper: up to 64)")
    n_train: int = knob("training configurations per training point (the paper: 4000 in total)")
    n_test: int = knob("test configurations per grid point and size")
    thin: int = knob("worm sweeps between stored configurations (a few autocorrelation times)")
    burn_in: int = knob("worm sweeps before the first stored configuration")
    epochs: int = knob("training epochs per network")
    batch: int = knob("minibatch size")
    lr: float = knob("Adam learning rate")
    count_train: tuple = knob("numbers of open worms in the counting training set (the paper: 0 and 5)")
    count_test_max: int = knob("counting is tested on 0..count_test_max open worms")
    n_count: int = knob("configurations per count in the counting sets")
    check_sweeps: int = knob("sweeps of the mu = 0 worm-versus-direct-simulation check")
    blaze_samples: int = knob("configurations per mu of the silver-blaze scan n(mu) on a 32 x 4 lattice")

    ROWS = {
        "smoke": dict(lam=1.0, train_points=((4.25, 1.0), (4.01, 1.5)), test_etas=(4.01, 4.25), test_mus=(1.0, 1.5),
                      train_size=8, test_sizes=(8, 16), n_train=192, n_test=32, thin=2, burn_in=60, epochs=4,
                      batch=64, lr=2e-3, count_train=(0, 5), count_test_max=5, n_count=32, check_sweeps=200,
                      blaze_samples=32),
        "laptop": dict(lam=1.0, train_points=((4.25, 1.0), (4.01, 1.5)), test_etas=(4.01, 4.04, 4.25),
                       test_mus=(1.0, 1.25, 1.5), train_size=8, test_sizes=(8, 16, 32), n_train=1024, n_test=128,
                       thin=4, burn_in=300, epochs=20, batch=64, lr=1e-3, count_train=(0, 5), count_test_max=8,
                       n_count=256, check_sweeps=1500, blaze_samples=128),
        "paper": dict(lam=1.0, train_points=((4.25, 1.0), (4.01, 1.5)), test_etas=(4.01, 4.04, 4.25),
                      test_mus=(1.0, 1.25, 1.5), train_size=8, test_sizes=(8, 16, 32, 64), n_train=2000, n_test=500,
                      thin=10, burn_in=1000, epochs=100, batch=100, lr=1e-3, count_train=(0, 5), count_test_max=10,
                      n_count=2500, check_sweeps=5000, blaze_samples=512),
    }
