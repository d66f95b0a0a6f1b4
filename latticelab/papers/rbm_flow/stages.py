"""The rbm_flow stages: plain data in, plain dataclasses out.

    data = ising_data(C)                               # ll.data Dataset, (n_T, n_samples, L, L)
    th = thermometer(C, data)                          # nn.thermometer.Thermometer (cached)
    rbm = train_rbm(C, data, n_hidden=64)              # nn.rbm.RBM (cached)
    fl = run_flows(rbm, th, chains=1000, steps=40)     # Flows: readings and |m| per step, both starts
    fl.fixed_point("cold")                             # mean reading over the last quarter of the steps

Datasets come from ``ll.data.generate`` and models from ``nn.cache.cached_model``, keyed by every
knob that determines them, so re-running loads them in seconds.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools

import numpy as np
import torch

from ... import data as lldata
from ...data.memo import cached_arrays
from ...exact import ising_magnetization, potts_tc
from ...nn import cache
from ...nn.rbm import PottsRBM, RBM, spins_to_visible, states_to_visible
from ...nn.rbm import train_rbm as _train_rbm
from ...nn.thermometer import Thermometer, calibration, train_thermometer
from ...systems import Ising, Potts, ising_tc

PAPER = "rbm_flow"
TC = ising_tc()


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with ``n`` torch threads (0: leave torch's setting), restoring it afterwards."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _threaded(fn):
    """Run a stage whose first argument is the Config under ``config.torch_threads`` threads."""
    @functools.wraps(fn)
    def wrapper(config, *args, **kwargs):
        with torch_threads(config.torch_threads):
            return fn(config, *args, **kwargs)
    return wrapper


def potts_temperatures(config, q: int) -> np.ndarray:
    """The Ising grid scaled by Tc_q / Tc_Ising: float64 (n_T,), the same relative positions."""
    return np.round(np.asarray(config.temperatures) * potts_tc(q) / TC, 6)


def ising_data(config, h: float = 0.0, *, progress: bool = False):
    """10 x 10 Ising configurations at every temperature of the grid (field ``h``): an ``ll.data`` Dataset."""
    return lldata.generate(Ising(L=config.L, h=h), T=config.temperatures, n_samples=config.n_samples,
                           seed=config.seed, progress=progress)


def potts_data(config, q: int, *, progress: bool = False):
    """q-state Potts configurations on the scaled grid (``potts_temperatures``): an ``ll.data`` Dataset."""
    return lldata.generate(Potts(L=config.L, q=q), T=potts_temperatures(config, q), n_samples=config.n_samples,
                           seed=config.seed, progress=progress)


def exponent_data(config, *, progress: bool = False):
    """Ising configurations at ``config.beta_temperatures`` (just below Tc), for the exponent beta: a Dataset."""
    return lldata.generate(Ising(L=config.L), T=config.beta_temperatures, n_samples=config.n_samples,
                           seed=config.seed + 1, progress=progress)


def visible(dataset) -> torch.Tensor:
    """The dataset's configurations as visible vectors: float32 (n_points * n_samples, n_visible)."""
    configs = dataset.flat_configs()
    q = dataset.system.n_states
    return states_to_visible(configs, q) if dataset.system.site_kind == "state" else spins_to_visible(configs)


def _key(stage: str, config, dataset, **extra) -> dict:
    return {"paper": PAPER, "stage": stage, "data": dataset.key, "seed": config.seed, **extra}


@_threaded
def thermometer(config, dataset, *, callbacks=(), retrain: bool = False) -> Thermometer:
    """A thermometer for ``dataset``'s temperature grid (flip-symmetric at h = 0 for spins), cached."""
    x, y = visible(dataset), torch.as_tensor(dataset.labels("T_index"))
    symmetric = dataset.system.site_kind == "spin" and not np.any(dataset.h)
    key = _key("thermometer", config, dataset, hidden=list(config.thermometer_hidden),
               epochs=config.thermometer_epochs, lr=config.thermometer_lr, symmetric=symmetric)
    build = lambda: Thermometer(x.shape[1], dataset.T_values, config.thermometer_hidden,  # noqa: E731
                                flip_symmetric=symmetric, seed=config.seed)
    train = lambda m: train_thermometer(m, x, y, epochs=config.thermometer_epochs, lr=config.thermometer_lr,  # noqa: E731
                                        seed=config.seed, callbacks=callbacks)
    model, _ = cache.cached_model(key, build, train, retrain=retrain)
    return model.eval()


def thermometer_calibration(th: Thermometer, dataset):
    """Readings against true temperatures over the whole dataset (``nn.thermometer.Calibration``)."""
    return calibration(th, visible(dataset), dataset.labels("T"))


@_threaded
def train_rbm(config, dataset, n_hidden: int, *, callbacks=(), retrain: bool = False, epochs: int | None = None):
    """A CD-trained RBM (binary for spins, one-hot ``PottsRBM`` for states) on every configuration, cached."""
    x = visible(dataset)
    epochs = config.rbm_epochs if epochs is None else epochs
    key = _key("rbm", config, dataset, n_hidden=n_hidden, epochs=epochs, lr=config.rbm_lr,
               momentum=config.rbm_momentum, batch=config.batch_size, k=config.cd_k)
    q = dataset.system.n_states

    def build():
        if dataset.system.site_kind == "state":
            return PottsRBM(config.L * config.L, q, n_hidden, seed=config.seed)
        return RBM(config.L * config.L, n_hidden, seed=config.seed)

    def train(m):
        return _train_rbm(m, x, epochs=epochs, batch_size=config.batch_size, lr=config.rbm_lr, k=config.cd_k,
                          momentum=config.rbm_momentum, seed=config.seed, callbacks=callbacks,
                          checkpoint=cache.checkpoint_path(key))

    model, _ = cache.cached_model(key, build, train, retrain=retrain)
    return model


def order_parameter(rbm, v) -> np.ndarray:
    """|m| per configuration of visible vectors v (..., n_visible): |mean(2v - 1)| for spins,
    (q max_s mean_i v_is - 1) / (q - 1) for one-hot Potts units. float64 numpy (...)."""
    v = torch.as_tensor(v, dtype=torch.float64)
    if isinstance(rbm, PottsRBM):
        frac = v.reshape(*v.shape[:-1], rbm.n_sites, rbm.q).mean(-2)
        return ((rbm.q * frac.max(-1).values - 1) / (rbm.q - 1)).numpy()
    return (2 * v - 1).mean(-1).abs().numpy()


@dataclasses.dataclass(frozen=True)
class Flows:
    """RBM flows from a cold (ordered) and a hot (random) start, read by a thermometer.

    paths:    {start: float32 (steps + 1, chains, n_visible)} the visible vectors at every step (empty when
              ``run_flows(paths=False)``)
    readings: {start: float64 (steps + 1, chains)} the thermometer's T of each chain at each step
    absm:     {start: float64 (steps + 1, chains)} |m| of each chain at each step
    """

    paths: dict
    readings: dict
    absm: dict
    sample: bool

    @property
    def steps(self) -> int:
        return next(iter(self.readings.values())).shape[0] - 1

    def tail(self) -> slice:
        """The last quarter of the steps (at least one): where the fixed point is read."""
        return slice(self.steps - max(1, self.steps // 4) + 1, None)

    def fixed_point(self, start: str) -> tuple:
        """(mean reading over the last quarter of the steps and all chains, its error from the chains' spread)."""
        r = self.readings[start][self.tail()].mean(0)
        return float(r.mean()), float(r.std() / np.sqrt(r.size))

    def fixed_absm(self, start: str) -> float:
        """Mean |m| over the last quarter of the steps and all chains."""
        return float(self.absm[start][self.tail()].mean())

    def last_absm(self, start: str) -> tuple:
        """(mean |m| over the chains at the last step, its standard error): the re-run's estimator of the
        fixed point's |m| (rodsveiga/rbm_flows_ising: sampled flow, 40 steps, hot start)."""
        m = self.absm[start][-1]
        return float(m.mean()), float(m.std() / np.sqrt(m.size))


def start_states(rbm, chains: int, generator) -> dict:
    """{'cold': every unit of state 1 / all sites in state 0 (T = 0), 'hot': uniformly random (T = infinity)}."""
    if isinstance(rbm, PottsRBM):
        cold = states_to_visible(torch.zeros(chains, rbm.n_sites, 1, dtype=torch.int64), rbm.q)
    else:
        cold = torch.ones(chains, rbm.n_visible)
    return {"cold": cold, "hot": rbm.random_visible(chains, generator)}


def run_flows(rbm, th: Thermometer, *, chains: int, steps: int, sample: bool = False, seed: int = 0,
              threads: int = 1, memo: bool = True, paths: bool = True) -> Flows:
    """Flow ``chains`` cold and hot starts for ``steps`` steps (mean-field, or sampled) and read them
    (with ``threads`` torch threads; 0 leaves torch's setting). The thermometer's readings and |m| are
    cached (``memo``) under a digest of both models' weights; the paths are recomputed when asked for
    (``paths=False`` leaves ``Flows.paths`` empty, for callers that only read temperatures and |m|)."""
    def trajectories() -> dict:
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad(), torch_threads(threads):
            return {name: rbm.flow(v.to(rbm.W.dtype), steps, sample=sample, generator=g).float()
                    for name, v in start_states(rbm, chains, g).items()}

    made = {}

    def measure() -> dict:
        made.update(trajectories())
        with torch.no_grad(), torch_threads(threads):
            return {f"{what}_{name}": fn(path) for name, path in made.items()
                    for what, fn in (("readings", th.temperature), ("absm", lambda p: order_parameter(rbm, p)))}

    key = {"paper": PAPER, "stage": "flow readings", "rbm": cache.state_digest(rbm), "thermometer": cache.state_digest(th),
           "chains": chains, "steps": steps, "sample": bool(sample), "seed": seed}
    out = cached_arrays(key, measure) if memo else measure()
    if paths and not made:
        made.update(trajectories())
    starts = ("cold", "hot")
    return Flows(made if paths else {}, {k: out[f"readings_{k}"] for k in starts}, {k: out[f"absm_{k}"] for k in starts},
                 bool(sample))


def weight_correlation(rbm) -> np.ndarray:
    """W^T W: float64 (n_visible, n_visible), how strongly two visible units share hidden units."""
    W = rbm.W.detach().double()
    return (W.T @ W).numpy()


@dataclasses.dataclass(frozen=True)
class BetaFit:
    """|m| = A (Tc - T)^beta fitted in log-log below Tc. T, m: float64 (k,) the points used."""

    beta: float
    beta_err: float
    amplitude: float
    T: np.ndarray
    m: np.ndarray


def fit_beta(T, m, tc: float = TC) -> BetaFit:
    """Least squares of log m against log(Tc - T); beta_err is the slope's standard error."""
    T, m = np.asarray(T, float), np.asarray(m, float)
    x, y = np.log(tc - T), np.log(m)
    (slope, icept), cov = np.polyfit(x, y, 1, cov=True) if len(x) > 2 else (np.polyfit(x, y, 1), np.full((2, 2), np.nan))
    return BetaFit(float(slope), float(np.sqrt(cov[0, 0])), float(np.exp(icept)), T, m)


def beta_window_mask(config, T) -> np.ndarray:
    d = TC - np.asarray(T)
    return (d >= config.beta_window[0]) & (d <= config.beta_window[1])


@_threaded
def critical_exponent(config, rbm, dataset) -> dict:
    """beta from the mean |m| of Monte Carlo configurations, of their one-step RBM reconstructions, and
    of Onsager's exact m, at the temperatures of ``dataset`` (``exponent_data``) with Tc - T in
    ``config.beta_window``: {name: BetaFit}."""
    T = dataset.T_values
    use = beta_window_mask(config, T)
    x = visible(dataset).reshape(dataset.n_points, dataset.n_samples, -1)[use]
    with torch.no_grad():
        recon = rbm.flow(x.reshape(-1, x.shape[-1]).to(rbm.W.dtype), 1)[1].reshape(x.shape)
    return {"monte carlo": fit_beta(T[use], order_parameter(rbm, x).mean(-1)),
            "reconstructions": fit_beta(T[use], order_parameter(rbm, recon).mean(-1)),
            "onsager": fit_beta(T[use], ising_magnetization(T[use]))}


def specific_heat_peak(dataset) -> tuple:
    """(T of the Monte Carlo specific-heat maximum, C there): C = N var(e) / T^2 per grid point, the peak
    refined by a parabola through the largest value and its neighbours."""
    T = dataset.T
    C = dataset.N * dataset.energy.var(axis=1, ddof=1) / T**2
    k = int(np.clip(np.argmax(C), 1, len(T) - 2))
    a, b, c = np.polyfit(T[k - 1:k + 2], C[k - 1:k + 2], 2)
    t = -b / (2 * a) if a < 0 else T[np.argmax(C)]
    return float(np.clip(t, T[k - 1], T[k + 1])), float(C.max())


@dataclasses.dataclass(frozen=True)
class FieldPoint:
    """One field H != 0: the flows of an RBM trained at that field, and the Monte Carlo specific heat.

    T, C: float64 (n_T,) the grid and N var(e) / T^2 there; c_peak: T of its maximum (refined)."""

    H: float
    flows: Flows
    T: np.ndarray
    C: np.ndarray
    c_peak: float


def field_point(config, H: float, *, retrain: bool = False) -> FieldPoint:
    """Data, thermometer and RBM (``config.field_hidden``) at field H; flows; the specific-heat maximum."""
    data = ising_data(config, h=H)
    th = thermometer(config, data, retrain=retrain)
    rbm = train_rbm(config, data, config.field_hidden, retrain=retrain)
    fl = run_flows(rbm, th, chains=config.flow_chains, steps=config.flow_steps, seed=config.seed,
                   threads=config.torch_threads, paths=False)
    C = data.N * data.energy.var(axis=1, ddof=1) / data.T**2
    return FieldPoint(float(H), fl, data.T.copy(), C, specific_heat_peak(data)[0])


@dataclasses.dataclass(frozen=True)
class PottsPoint:
    """The q-state Potts flows (one-hot RBM of ``config.field_hidden``) and the exact Tc = 1 / ln(1 + sqrt q)."""

    q: int
    flows: Flows
    tc: float


def potts_point(config, q: int, *, retrain: bool = False) -> PottsPoint:
    data = potts_data(config, q)
    th = thermometer(config, data, retrain=retrain)
    rbm = train_rbm(config, data, config.field_hidden, retrain=retrain)
    fl = run_flows(rbm, th, chains=config.flow_chains, steps=config.flow_steps, seed=config.seed,
                   threads=config.torch_threads, paths=False)
    return PottsPoint(int(q), fl, potts_tc(q))
