"""Presets: how big a notebook's runs are, chosen by the environment variable ``LATTICELAB_PRESET``.

| preset   | who                    | budget                                              |
|----------|------------------------|-----------------------------------------------------|
| smoke    | CI and nbval           | seconds per notebook; tiny lattices, every code path |
| laptop   | a student, 2-core CPU  | minutes per notebook (the default)                   |
| paper    | one GPU                | the published sizes                                  |

A preset is data: ``Preset.from_env()`` returns a frozen dataclass whose fields a notebook reads
(``P.sizes``, ``P.temperatures``, ...). Paper pipelines define their own ``Config`` the same way and
pick their row with ``preset_name()``; nothing branches on the name in a notebook.

    from latticelab.presets import Preset
    P = Preset.from_env()            # LATTICELAB_PRESET=smoke|laptop|paper, default laptop
    s = ll.sample(ll.Ising(L=P.sizes[0]), P.temperatures, P.samples_per_T)
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

ENV_VAR = "LATTICELAB_PRESET"
PRESET_NAMES = ("smoke", "laptop", "paper")
DEFAULT = "laptop"


def preset_name(name: str | None = None) -> str:
    """The preset to use: ``name`` if given, else ``$LATTICELAB_PRESET``, else 'laptop'.

    Raises ValueError naming the valid presets for anything else (surrounding blanks and case are ignored).
    """
    raw = os.environ.get(ENV_VAR, "") if name is None else name
    if not isinstance(raw, str):
        raise TypeError(f"a preset name is a string, one of {', '.join(PRESET_NAMES)}; got {raw!r}")
    value = raw.strip().lower() or DEFAULT
    if value not in PRESET_NAMES:
        source = f"{ENV_VAR}={raw!r}" if name is None else f"preset {raw!r}"
        raise ValueError(
            f"unknown {source}; valid presets are {', '.join(PRESET_NAMES)} "
            f"(e.g. export {ENV_VAR}=smoke for a quick run; unset means {DEFAULT})"
        )
    return value


def _sizes(values, name):
    sizes = tuple(int(v) for v in values)
    if not sizes or any(L < 4 or L % 2 for L in sizes):
        raise ValueError(f"{name} must be even lattice sizes >= 4, got {values!r}")
    return sizes


@dataclasses.dataclass(frozen=True)
class Preset:
    """Sizes and budgets of the playground and the widget demos, for one preset.

    sizes:            L values of the phase-diagram sweep (several show finite-size scaling)
    T_range, n_T:     the sweep's temperature grid, ``temperatures`` float64 (n_T,)
    samples_per_T:    samples per temperature and L (a multiple of 16: 16 independent chains)
    viewer_L:         the live viewer's lattice size
    anneal_L, anneal_sweeps:  cooling through Tc: lattice and Metropolis sweeps per temperature step
    hysteresis_L, hysteresis_T, hysteresis_h, hysteresis_sweeps:  field loop +-h_max at T < Tc
    slowing_L, slowing_chains, slowing_sweeps:  critical slowing down at Tc (Metropolis vs Wolff)
    potts_qs, potts_L, potts_n_T, potts_samples:  Potts sweeps around each q's Tc
    glass_L, glass_instances, glass_chains, glass_sweeps:  frustration in the +-J spin glass
    train_L, train_samples, train_epochs:  the small phase classifier trained under the TrainingMonitor
    """

    name: str
    sizes: tuple
    T_range: tuple
    n_T: int
    samples_per_T: int
    viewer_L: int
    anneal_L: int
    anneal_sweeps: int
    hysteresis_L: int
    hysteresis_T: float
    hysteresis_h: float
    hysteresis_sweeps: int
    slowing_L: int
    slowing_chains: int
    slowing_sweeps: int
    potts_qs: tuple
    potts_L: int
    potts_n_T: int
    potts_samples: int
    glass_L: int
    glass_instances: int
    glass_chains: int
    glass_sweeps: int
    train_L: int
    train_samples: int
    train_epochs: int

    def __post_init__(self):
        preset_name(self.name)
        object.__setattr__(self, "sizes", _sizes(self.sizes, "sizes"))
        lo, hi = (float(t) for t in self.T_range)
        if not 0 < lo < hi:
            raise ValueError(f"T_range must be (T_min, T_max) with 0 < T_min < T_max, got {self.T_range!r}")
        object.__setattr__(self, "T_range", (lo, hi))
        object.__setattr__(self, "potts_qs", tuple(int(q) for q in self.potts_qs))
        if self.samples_per_T % 16:
            raise ValueError(f"samples_per_T={self.samples_per_T} must be a multiple of 16 (one share per chain)")

    @property
    def temperatures(self) -> np.ndarray:
        """The sweep's grid, float64 (n_T,), evenly spaced over T_range."""
        return np.linspace(*self.T_range, self.n_T)

    @classmethod
    def get(cls, name: str) -> "Preset":
        """The preset called ``name`` ('smoke', 'laptop' or 'paper')."""
        return cls(name=preset_name(name), **_TABLE[preset_name(name)])

    @classmethod
    def from_env(cls) -> "Preset":
        """The preset named by ``$LATTICELAB_PRESET`` (default 'laptop')."""
        return cls.get(preset_name())

    @classmethod
    def smoke(cls) -> "Preset":
        return cls.get("smoke")

    @classmethod
    def laptop(cls) -> "Preset":
        return cls.get("laptop")

    @classmethod
    def paper(cls) -> "Preset":
        return cls.get("paper")


_TABLE = {
    "smoke": dict(
        sizes=(8, 16), T_range=(1.5, 3.3), n_T=11, samples_per_T=256, viewer_L=32,
        anneal_L=16, anneal_sweeps=40, hysteresis_L=16, hysteresis_T=1.5, hysteresis_h=1.0, hysteresis_sweeps=5,
        slowing_L=16, slowing_chains=8, slowing_sweeps=300, potts_qs=(2, 3, 4), potts_L=12, potts_n_T=9,
        potts_samples=128, glass_L=8, glass_instances=64, glass_chains=8, glass_sweeps=50,
        train_L=16, train_samples=64, train_epochs=5,
    ),
    "laptop": dict(
        sizes=(8, 16, 32), T_range=(1.5, 3.3), n_T=19, samples_per_T=1024, viewer_L=128,
        anneal_L=48, anneal_sweeps=100, hysteresis_L=32, hysteresis_T=1.8, hysteresis_h=1.0, hysteresis_sweeps=10,
        slowing_L=32, slowing_chains=16, slowing_sweeps=1000, potts_qs=(2, 3, 4), potts_L=24, potts_n_T=15,
        potts_samples=512, glass_L=16, glass_instances=256, glass_chains=16, glass_sweeps=100,
        train_L=16, train_samples=256, train_epochs=15,
    ),
    "paper": dict(
        sizes=(16, 32, 64, 128), T_range=(1.5, 3.3), n_T=37, samples_per_T=4096, viewer_L=256,
        anneal_L=128, anneal_sweeps=200, hysteresis_L=64, hysteresis_T=1.8, hysteresis_h=1.0, hysteresis_sweeps=20,
        slowing_L=64, slowing_chains=32, slowing_sweeps=4000, potts_qs=(2, 3, 4), potts_L=64, potts_n_T=25,
        potts_samples=2048, glass_L=32, glass_instances=1024, glass_chains=32, glass_sweeps=400,
        train_L=32, train_samples=1024, train_epochs=40,
    ),
}
