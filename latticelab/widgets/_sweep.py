"""The data behind ``PhaseDiagram``: plain arrays, exact reference curves and the chunk plan.

No widget library is imported here, so all of it is unit-tested without a browser.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .. import exact
from ..systems import check_system

OBSERVABLES = ("energy", "abs_magnetization", "specific_heat", "susceptibility", "binder")


def onsager_coupling(system) -> float | None:
    """J where Onsager's and Kaufman's exact results apply to ``system`` (``system.onsager_coupling``), else None."""
    return system.onsager_coupling


def size_factory(system):
    """``L -> system``: a callable is used as is; a system instance is a template that ``resized``
    gives each L (a spin glass draws fresh couplings of the new size from its seed)."""
    if callable(system) and not hasattr(system, "energy"):
        return system
    return check_system(system).resized


def chunks(n_L: int, n_T: int, t_batch: int):
    """The sweep's work plan: ``[(size index, temperature indices int (<= t_batch,)), ...]``, small L first."""
    starts = range(0, n_T, t_batch)
    return [(i, np.arange(s, min(s + t_batch, n_T))) for i in range(n_L) for s in starts]


def exact_curves(system, T, sizes) -> dict:
    """Exact references at temperatures ``T`` (n,): ``{name: {L or None: float64 (n,)}}``.

    Ising ferromagnet at h = 0: energy and specific heat for L = infinity (Onsager, key None) and
    for each finite periodic L (Kaufman), and the spontaneous |m| (Onsager). Empty otherwise.
    """
    J = onsager_coupling(system)
    if J is None:
        return {}
    T = np.asarray(T, dtype=np.float64)
    with np.errstate(all="ignore"):
        out = {
            "energy": {None: exact.ising_energy_per_spin(T, J=J)},
            "abs_magnetization": {None: exact.ising_magnetization(T, J=J)},
            "specific_heat": {None: exact.ising_specific_heat(T, J=J)},
        }
        for L in sizes:
            out["energy"][L] = exact.ising_energy_per_spin(T, L=L, J=J)
            out["specific_heat"][L] = exact.ising_specific_heat(T, L=L, J=J)
    return out


@dataclasses.dataclass(eq=False)
class SweepData:
    """Results of a sweep, filled chunk by chunk (NaN where not yet computed).

    T:        float64 (n_T,);  sizes: tuple of n_L lattice sizes
    mean, error: {name: float64 (n_L, n_T)} for name in OBSERVABLES (per spin; errors from binning /
              jackknife as in ``ll.observables``)
    tau:      float64 (n_L, n_T), the pilot run's autocorrelation time in sweeps
    done:     bool (n_L, n_T)
    tc:       the system's exact critical temperature (Ising at h = 0, Potts) or None
    exact_T, exact: a fine temperature grid (n_fine,) and ``exact_curves`` on it
    """

    template: object
    T: np.ndarray
    sizes: tuple
    mean: dict
    error: dict
    tau: np.ndarray
    done: np.ndarray
    tc: float | None
    exact_T: np.ndarray
    exact: dict

    @classmethod
    def empty(cls, template, sizes, T, exact_points: int = 200) -> "SweepData":
        T = np.asarray(T, dtype=np.float64)
        if T.ndim != 1 or T.size < 1 or not np.all(T > 0):
            raise ValueError(f"T must be a 1-d array of positive temperatures, got shape {T.shape}")
        sizes = tuple(int(L) for L in sizes)
        shape = (len(sizes), T.size)
        nan = lambda: np.full(shape, np.nan)  # noqa: E731
        fine = np.linspace(T.min(), T.max(), exact_points) if T.size > 1 else T.copy()
        return cls(template=template, T=T, sizes=sizes, mean={n: nan() for n in OBSERVABLES},
                   error={n: nan() for n in OBSERVABLES}, tau=nan(), done=np.zeros(shape, bool),
                   tc=template.tc, exact_T=fine, exact=exact_curves(template, fine, sizes))

    def clear(self):
        """Forget all results (before a re-run)."""
        for d in (self.mean, self.error):
            for a in d.values():
                a.fill(np.nan)
        self.tau.fill(np.nan)
        self.done.fill(False)

    def record(self, i_L: int, idx, stats: dict):
        """Store one chunk: ``stats[name]`` a ``Stats`` (len(idx),) per observable, ``stats['tau']`` (len(idx),)."""
        idx = np.asarray(idx)
        for name in OBSERVABLES:
            self.mean[name][i_L, idx] = stats[name].mean
            self.error[name][i_L, idx] = stats[name].error
        self.tau[i_L, idx] = stats.get("tau", np.nan)
        self.done[i_L, idx] = True

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    def size_index(self, L: int) -> int:
        if L not in self.sizes:
            raise ValueError(f"L={L} is not in this sweep's sizes {self.sizes}")
        return self.sizes.index(L)

    def peak_temperature(self, name: str = "specific_heat") -> np.ndarray:
        """T of the largest mean of ``name`` at each L, float64 (n_L,) (NaN where nothing is done)."""
        m = self.mean[name]
        out = np.full(len(self.sizes), np.nan)
        for i, row in enumerate(m):
            if np.isfinite(row).any():
                out[i] = self.T[np.nanargmax(row)]
        return out

    def exact_at(self, name: str, L: int | None = None) -> np.ndarray | None:
        """The exact curve ``name`` (L=None: infinite lattice) at the sweep's own T (n_T,), or None."""
        curves = exact_curves(self.template, self.T, [] if L is None else [L])
        return curves.get(name, {}).get(L)

    def zscore(self, name: str, L: int) -> np.ndarray | None:
        """(mean - exact finite-L value) / error at each T for size L (Kaufman: energy, C), or None."""
        ref = self.exact_at(name, L)
        if ref is None:
            return None
        i = self.size_index(L)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.mean[name][i] - ref) / self.error[name][i]

    def as_dict(self) -> dict:
        """JSON-ready: lists of floats (NaN as None)."""
        clean = lambda a: [None if not np.isfinite(v) else float(v) for v in np.ravel(a)]  # noqa: E731
        rows = lambda a: [clean(r) for r in a]  # noqa: E731
        return {"system": type(self.template).__name__, "T": clean(self.T), "sizes": list(self.sizes),
                "tc": self.tc, "mean": {k: rows(v) for k, v in self.mean.items()},
                "error": {k: rows(v) for k, v in self.error.items()}, "tau": rows(self.tau)}
