"""The Ising playground's sizes: ``PlaygroundConfig``, one row per preset (see ``latticelab.presets``).

The playground notebook, the index page and the live-viewer demo read it:

    from latticelab.playground import PlaygroundConfig
    P = PlaygroundConfig.from_env()   # LATTICELAB_PRESET=smoke|laptop|paper-cpu|paper, default laptop
    sweep = PhaseDiagram(ll.Ising(L=P.sizes[0]), sizes=P.sizes, T=P.temperatures, n_samples=P.samples_per_T)
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .lattice import check_size
from .presets import PresetConfig, knob
from .samplers import DEFAULT_CHAINS


def _sizes(values, name):
    sizes = tuple(check_size(L, even=True, minimum=4, what=name) for L in values)
    if not sizes:
        raise ValueError(f"{name} must list at least one even lattice size >= 4, e.g. {name}=(8, 16)")
    return sizes


@dataclasses.dataclass(frozen=True)
class PlaygroundConfig(PresetConfig):
    """Sizes and budgets of the playground notebook and the widget demos, for one preset."""

    sizes: tuple = knob("L values of the phase-diagram sweep: several, so finite-size scaling shows")
    T_range: tuple = knob("(T_min, T_max) of the sweep: it must cross Tc = 2.269")
    n_T: int = knob("temperatures in the sweep: enough to resolve the specific-heat peak")
    samples_per_T: int = knob("samples per temperature and L: error bars small enough to test against Kaufman")
    viewer_L: int = knob("the live viewer's lattice size: as large as still draws smoothly")
    anneal_L: int = knob("lattice of the cooling run: large enough that |m| is small above Tc")
    anneal_sweeps: int = knob("Metropolis sweeps per cooling step: enough for most chains to order at T = 1.5")
    hysteresis_L: int = knob("lattice of the field loop: large enough not to flip by a thermal fluctuation")
    hysteresis_T: float = knob("temperature of the field loop, below Tc so the magnet remembers its history")
    hysteresis_h: float = knob("largest field of the loop: strong enough to saturate |m| > 0.9")
    hysteresis_sweeps: int = knob("sweeps per field step: few, so the magnetization lags the field")
    slowing_L: int = knob("lattice of the Metropolis-vs-Wolff race at Tc: large enough for critical slowing down")
    slowing_chains: int = knob("chains pooled into each autocorrelation estimate")
    slowing_sweeps: int = knob("sweeps per chain: many times Metropolis' tau, so tau_int is measured")
    potts_qs: tuple = knob("Potts q values compared: 2 (Ising), 3 and 4 (the last continuous transition)")
    potts_L: int = knob("lattice of the Potts sweeps around each Tc")
    potts_n_T: int = knob("temperatures of each Potts sweep (odd, so T = Tc is on the grid)")
    potts_samples: int = knob("samples per Potts temperature")
    potts_exact_L: int = knob("Potts lattice compared with the exact transfer matrix: q^L row states stay cheap")
    potts_exact_samples: int = knob("samples at Tc on that lattice: a 5% temperature error must show")
    glass_L: int = knob("lattice of the spin-glass annealing")
    glass_instances: int = knob("disorder samples averaged for the frustrated fraction")
    glass_chains: int = knob("annealing chains per system; the lowest energy found is shown")
    glass_sweeps: int = knob("Metropolis sweeps per annealing step")
    glass_exact_L: int = knob("spin glass compared with the exact transfer matrix: 2^L row states stay cheap")
    glass_exact_samples: int = knob("samples per temperature on that glass: a 5% temperature error must show")
    train_L: int = knob("lattice of the phase classifier's training data")
    train_samples: int = knob("training samples per temperature of the sweep grid")
    train_epochs: int = knob("training epochs: enough for the validation loss to fall well below ln 2")

    ROWS = {
        "smoke": dict(
            sizes=(8, 16), T_range=(1.5, 3.3), n_T=11, samples_per_T=256, viewer_L=32,
            anneal_L=16, anneal_sweeps=40, hysteresis_L=16, hysteresis_T=1.5, hysteresis_h=1.0, hysteresis_sweeps=5,
            slowing_L=16, slowing_chains=8, slowing_sweeps=300, potts_qs=(2, 3, 4), potts_L=12, potts_n_T=9,
            potts_samples=128, potts_exact_L=4, potts_exact_samples=8192, glass_L=8, glass_instances=64,
            glass_chains=8, glass_sweeps=50, glass_exact_L=8, glass_exact_samples=2048,
            train_L=16, train_samples=64, train_epochs=5,
        ),
        "laptop": dict(
            sizes=(8, 16, 32), T_range=(1.5, 3.3), n_T=19, samples_per_T=1024, viewer_L=128,
            anneal_L=48, anneal_sweeps=100, hysteresis_L=32, hysteresis_T=1.8, hysteresis_h=1.0, hysteresis_sweeps=10,
            slowing_L=32, slowing_chains=16, slowing_sweeps=1000, potts_qs=(2, 3, 4), potts_L=24, potts_n_T=15,
            potts_samples=512, potts_exact_L=4, potts_exact_samples=16384, glass_L=16, glass_instances=256,
            glass_chains=16, glass_sweeps=100, glass_exact_L=8, glass_exact_samples=4096,
            train_L=16, train_samples=256, train_epochs=15,
        ),
        "paper": dict(
            sizes=(16, 32, 64, 128), T_range=(1.5, 3.3), n_T=37, samples_per_T=4096, viewer_L=256,
            anneal_L=128, anneal_sweeps=200, hysteresis_L=64, hysteresis_T=1.8, hysteresis_h=1.0, hysteresis_sweeps=20,
            slowing_L=64, slowing_chains=32, slowing_sweeps=4000, potts_qs=(2, 3, 4), potts_L=64, potts_n_T=25,
            potts_samples=2048, potts_exact_L=6, potts_exact_samples=65536, glass_L=32, glass_instances=1024,
            glass_chains=32, glass_sweeps=400, glass_exact_L=8, glass_exact_samples=16384,
            train_L=32, train_samples=1024, train_epochs=40,
        ),
    }

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "sizes", _sizes(self.sizes, "sizes"))
        for name in ("potts_exact_L", "glass_exact_L"):
            _sizes([getattr(self, name)], name)
        lo, hi = (float(t) for t in self.T_range)
        if not 0 < lo < hi:
            raise ValueError(f"T_range must be (T_min, T_max) with 0 < T_min < T_max, got {self.T_range!r}")
        object.__setattr__(self, "T_range", (lo, hi))
        object.__setattr__(self, "potts_qs", tuple(int(q) for q in self.potts_qs))
        if self.potts_n_T % 2 == 0:
            raise ValueError(f"potts_n_T={self.potts_n_T} must be odd so that T = Tc is on the grid; use {self.potts_n_T + 1}")
        if self.samples_per_T % DEFAULT_CHAINS:
            fix = (self.samples_per_T // DEFAULT_CHAINS + 1) * DEFAULT_CHAINS
            raise ValueError(
                f"samples_per_T={self.samples_per_T} must be a multiple of {DEFAULT_CHAINS}, the sampler's chains per "
                f"temperature (each chain gives an equal share); use e.g. {fix}"
            )

    @property
    def temperatures(self) -> np.ndarray:
        """The sweep's grid, float64 (n_T,), evenly spaced over T_range."""
        return np.linspace(*self.T_range, self.n_T)
