"""The complex phi^4 field in 1+1 dimensions at chemical potential mu, in its dual (worm) form.

Action (nu = 0 the time direction, periodic Lt x Lx):
    S = sum_x [ eta |phi_x|^2 + lam |phi_x|^4
                - sum_nu ( e^{mu delta_nu0} phi_x^* phi_{x+nu} + e^{-mu delta_nu0} phi_x phi_{x+nu}^* ) ].
Expanding the hopping terms and integrating the field (Gattringer & Kloiber, arXiv 1206.2954) gives
integer link fields k (any sign, a conserved flux) and l (>= 0) with the real, positive weight

    w(k, l) = prod_links e^{mu k_{x,0}} / [(|k| + l)! l!]  prod_x W(f_x),   div k = 0 at every site,
    f_x = sum_nu (|k_{x,nu}| + |k_{x-nu,nu}| + 2 l_{x,nu} + 2 l_{x-nu,nu}),
    W(f) = int_0^inf r^{f+1} e^{-eta r^2 - lam r^4} dr

(normalised so that Z = prod_x int d^2phi_x / (2 pi) e^{-S}). Observables: the density
n = sum_x k_{x,0} / V and |phi|^2 = (1/V) sum_x W(f_x + 2) / W(f_x).

State: int32 (4, Lt, Lx), channels (k_t, k_x, l_t, l_x); channel c of site (t, x) is the link from
(t, x) to (t + 1, x) for c = 0, 2 and to (t, x + 1) for c = 1, 3. Rows are time, columns space.
W is tabulated in log space (``log_weights``), so large f never overflows.
"""
from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from .. import _validate
from ..lattice import check_size, is_torch
from .base import LatticeSystem

#: f values tabulated for samplers; a move that would need a larger f is rejected (a truncation far
#: beyond anything reached at the paper's couplings: there f stays below ~60; tests check it).
F_MAX = 1024


def _log_I0(eta: float, lam: float) -> float:
    """log of int_0^inf e^{-eta t - lam t^2} dt."""
    from scipy.special import log_ndtr

    if lam == 0.0:
        return -math.log(eta)
    return eta * eta / (4 * lam) + 0.5 * math.log(math.pi / lam) + float(log_ndtr(-eta / math.sqrt(2 * lam)))


def _log_I_quad(a: float, eta: float, lam: float) -> float:
    """log of int_0^inf t^a e^{-eta t - lam t^2} dt by quadrature around the integrand's peak (t = u^2)."""
    from scipy import integrate

    # in u: 2 u^{2a+1} e^{-eta u^2 - lam u^4}
    def g(u):
        return math.log(2.0) + (2 * a + 1) * math.log(u) - eta * u * u - lam * u ** 4

    # peak: (2a+1)/u = 2 eta u + 4 lam u^3 -> solve for s = u^2: 4 lam s^2 + 2 eta s - (2a + 1) = 0
    if lam > 0:
        s = (-2 * eta + math.sqrt(4 * eta * eta + 16 * lam * (2 * a + 1))) / (8 * lam)
    else:
        s = (2 * a + 1) / (2 * eta)
    u0 = math.sqrt(s)
    g0 = g(u0)
    width = 1.0 / math.sqrt(2 * eta + 12 * lam * s + (2 * a + 1) / s)
    f = lambda u: math.exp(g(u) - g0) if u > 0 else 0.0  # noqa: E731
    pts = sorted({max(u0 - 8 * width, 0.0), u0, u0 + 8 * width})
    total = 0.0
    edges = [0.0, *pts]
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi > lo:
            total += integrate.quad(f, lo, hi, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    total += integrate.quad(f, edges[-1], np.inf, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    return g0 + math.log(total)


@functools.lru_cache(maxsize=64)
def _log_weights(eta: float, lam: float, f_max: int) -> np.ndarray:
    n_half = f_max // 2 + 2  # a = f / 2 runs over j and j + 1/2, j = 0..n_half-1
    out = np.empty(f_max + 1)
    for parity, log_base in ((0, _log_I0(eta, lam)), (1, _log_I_quad(0.5, eta, lam))):
        a0 = parity / 2
        top = 2 * n_half + 600  # the recursion contracts errors by only ~1 - eta / sqrt(2 lam a) per step at large a
        # R(a) = I(a + 1) / I(a) = (a + 1) / (eta + 2 lam R(a + 1)), run downwards (stable: the minimal solution)
        a = a0 + top
        R = (a + 1) / eta if lam == 0 else (-eta + math.sqrt(eta * eta + 8 * lam * (a + 1))) / (4 * lam)
        ratios = np.empty(top)
        for j in range(top - 1, -1, -1):
            a = a0 + j
            R = (a + 1) / (eta + 2 * lam * R)
            ratios[j] = R
        logs = log_base + np.concatenate([[0.0], np.cumsum(np.log(ratios[: n_half - 1]))])
        f = np.arange(parity, f_max + 1, 2)
        out[f] = logs[f // 2] - math.log(2.0)
    out.setflags(write=False)
    return out


def log_weight_table(eta: float, lam: float, f_max: int = F_MAX) -> np.ndarray:
    """float64 (f_max + 1,), read-only: log W(f) for f = 0..f_max, W(f) = int_0^inf r^{f+1} e^{-eta r^2 - lam r^4} dr.

    Computed by a backward (Miller) recursion of I(a + 1) / I(a), I(a) = int t^a e^{-eta t - lam t^2} dt, from
    I(0) in closed form and I(1/2) by quadrature: accurate to ~1e-13 relative and never overflowing."""
    eta, lam = float(eta), float(lam)
    if lam < 0 or eta <= 0:
        raise ValueError(f"W(f) is tabulated for eta > 0 and lam >= 0 (got eta={eta}, lam={lam})")
    return _log_weights(eta, lam, _validate.positive_int(f_max, "f_max", minimum=2))


def _abs(x):
    return x.abs() if is_torch(x) else np.abs(x)


def _back(x, axis):
    """The value on the link arriving from behind along ``axis``: x[..., t - 1, :] (axis -2) or x[..., :, x - 1] (-1)."""
    if is_torch(x):
        import torch

        return torch.roll(x, 1, dims=axis)
    return np.roll(x, 1, axis=axis)


@dataclasses.dataclass(frozen=True)
class ComplexPhi4(LatticeSystem):
    """Complex phi^4 on a periodic Lt x Lx lattice at chemical potential ``mu``, as dual link fields (k, l).

    ``eta = 2 D + m^2 = 4 + m^2`` (the paper's eta >= 4.01), ``lam`` the quartic coupling, ``mu`` the chemical
    potential. There is no temperature: samplers run it at T = 1 (the couplings set the weights).
    """

    Lt: int
    Lx: int
    eta: float = 4.01
    lam: float = 1.0
    mu: float = 0.0

    name = "phi4"
    label = "complex phi^4 (dual)"
    site_kind = "links"  # not a spin or state: the store keeps it raw, lossless
    n_states = 0
    state_dtype = np.dtype(np.int32)
    translation_invariant = True

    def __post_init__(self):
        object.__setattr__(self, "Lt", check_size(self.Lt, what="Lt"))
        object.__setattr__(self, "Lx", check_size(self.Lx, what="Lx"))
        for name in ("eta", "lam", "mu"):
            object.__setattr__(self, name, _validate.finite_float(getattr(self, name), name))
        if self.lam < 0 or self.eta <= 0:
            raise ValueError(f"ComplexPhi4 needs eta > 0 and lam >= 0 (eta = 4 + m^2; the weights are tabulated for "
                             f"those); got eta={self.eta}, lam={self.lam}: e.g. ComplexPhi4(8, 8, eta=4.01, lam=1.0, mu=1.0)")

    # -- geometry (the base assumes a square L x L) ----------------------------------------------
    @property
    def L(self) -> int:
        """The spatial extent Lx (file names and reprs; the lattice is Lt x Lx)."""
        return self.Lx

    @property
    def N(self) -> int:
        """Sites V = Lt * Lx."""
        return self.Lt * self.Lx

    @property
    def state_shape(self) -> tuple:
        """(4, Lt, Lx): channels k_t, k_x, l_t, l_x."""
        return (4, self.Lt, self.Lx)

    def resized(self, Lt: int, Lx: int | None = None):
        """The same couplings on Lt x Lx (Lx defaults to Lt)."""
        return dataclasses.replace(self, Lt=Lt, Lx=Lt if Lx is None else Lx)

    @property
    def cold_below(self):
        return None

    # -- states --------------------------------------------------------------------------
    def cold(self, batch: int, h=None) -> np.ndarray:
        """The empty configuration (k = l = 0), int32 (batch, 4, Lt, Lx): closed."""
        return np.zeros((batch, *self.state_shape), dtype=self.state_dtype)

    def hot(self, rng: np.random.Generator, batch: int) -> np.ndarray:
        """k = 0 and random l in {0, 1}: closed, int32 (batch, 4, Lt, Lx)."""
        x = self.cold(batch)
        x[:, 2:] = rng.integers(0, 2, size=(batch, 2, self.Lt, self.Lx))
        return x

    def propose(self, old, words):
        raise TypeError("ComplexPhi4 has no single-site moves; sample it with algorithm='worm'")

    def symmetry(self, configs, rng):
        """Charge conjugation k -> -k with probability 1/2 per configuration at mu = 0; the identity otherwise."""
        if self.mu != 0.0:
            return configs
        lead = configs.shape[:-3]
        sign = rng.choice(np.array([-1, 1], dtype=configs.dtype), size=(*lead, 1, 1))
        out = np.array(configs, copy=True)
        out[..., :2, :, :] *= sign[..., None, :, :]
        return out

    # -- the dual weight -------------------------------------------------------------------
    def log_weights(self, f_max: int = F_MAX) -> np.ndarray:
        """float64 (f_max + 1,): log W(f) at this system's eta, lam."""
        return log_weight_table(self.eta, self.lam, f_max)

    def f(self, configs):
        """f_x, int (..., Lt, Lx), of configurations (..., 4, Lt, Lx)."""
        self.check_configs(configs)
        kt, kx, lt, lx = (configs[..., c, :, :] for c in range(4))
        return (_abs(kt) + _abs(_back(kt, -2)) + _abs(kx) + _abs(_back(kx, -1))
                + 2 * (lt + _back(lt, -2) + lx + _back(lx, -1)))

    def divergence(self, configs):
        """sum_nu (k_{x,nu} - k_{x-nu,nu}), int (..., Lt, Lx): zero everywhere on a closed configuration."""
        self.check_configs(configs)
        kt, kx = configs[..., 0, :, :], configs[..., 1, :, :]
        return kt - _back(kt, -2) + kx - _back(kx, -1)

    def _table(self, f_needed: int) -> np.ndarray:
        return self.log_weights(max(F_MAX, int(f_needed) + 4))

    def log_weight(self, configs) -> np.ndarray:
        """log w(k, l), float64 (...), of configurations (..., 4, Lt, Lx) (numpy); the constraint is not checked."""
        from scipy.special import gammaln

        c = np.asarray(configs, dtype=np.int64)
        f = self.f(c)
        table = self._table(f.max(initial=0))
        k, l = np.abs(c[..., :2, :, :]), c[..., 2:, :, :]
        links = gammaln(k + l + 1) + gammaln(l + 1)
        return (self.mu * c[..., 0, :, :].sum(axis=(-2, -1)) - links.sum(axis=(-3, -2, -1))
                + table[f].sum(axis=(-2, -1)))

    def density(self, configs) -> np.ndarray:
        """n = sum_x k_{x,0} / V, float64 (...)."""
        c = np.asarray(configs)
        self.check_configs(c)
        return c[..., 0, :, :].sum(axis=(-2, -1), dtype=np.int64) / self.N

    def moment(self, configs, power: int = 1) -> np.ndarray:
        """(1/V) sum_x W(f_x + 2 power) / W(f_x), float64 (...): the estimator of <|phi|^(2 power)>."""
        f = np.asarray(self.f(np.asarray(configs)), dtype=np.int64)
        table = self._table(f.max(initial=0) + 2 * power)
        return np.exp(table[f + 2 * power] - table[f]).mean(axis=(-2, -1))

    def phi2(self, configs) -> np.ndarray:
        """<|phi|^2> estimator (1/V) sum_x W(f_x + 2) / W(f_x), float64 (...)."""
        return self.moment(configs, 1)

    # -- what Chain and sample measure -----------------------------------------------------------
    def energy(self, configs, h=None):
        """The dual action per site, -log w(k, l) / V, float64 (...): what the pilot run's tau is measured on."""
        return -self.log_weight(configs) / self.N

    def magnetization(self, configs):
        """The density n (the charge per site), float64 (...)."""
        return self.density(configs)

    def order_parameter(self, counts):
        raise TypeError("ComplexPhi4 has no site codes; use density(configs) or phi2(configs)")

    def palette(self) -> tuple:
        """Colours for negative, zero and positive link values (a diverging map)."""
        return ("#2b6cb0", "#f2efe6", "#c53030")

    def params(self) -> dict:
        """Everything that defines the system, for cache keys and reprs."""
        return {"system": "ComplexPhi4", "Lt": self.Lt, "Lx": self.Lx, "eta": self.eta, "lam": self.lam, "mu": self.mu}

    @classmethod
    def from_options(cls, L: int, **options):
        return cls(L, L, **{k: v for k, v in options.items() if k in ("eta", "lam", "mu")})
