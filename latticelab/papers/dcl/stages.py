"""The DCL pipeline's stages: plain data in, plain dataclasses out.

observe -> train_gru -> (test_set, rmse_of_pairs, parity) -> learned_curves / true_curves
        -> ednn_labels -> train_ednn -> the EDNN's parity and curves on the larger lattice.
Trained models come from the model cache (``latticelab.nn.cache.cached_model``), datasets from ``ll.data``.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import hashlib

import numpy as np
import torch

from ... import data as lldata
from ... import exact, observables
from ...exact.transfer import MAX_STATES
from ...data.memo import cached_arrays
from ...nn.cache import cached_model, checkpoint_path
from ...nn.ednn import EDNN
from ...nn.energy import LearnedEnergy, state_indices
from ...nn.fit import fit
from ...nn.gru import AutoregressiveGRU
from ...samplers.sample import sample
from ...systems import EdwardsAnderson, Ising, Potts

POTTS_J = 1.5  # the paper's -cos(2 pi (s - s') / 3) coupling is a 3-state Potts model with J = 3/2 (plus a constant)


def make_system(name: str, L: int, glass_seed: int = 1):
    """'ising' -> Ising(L); 'potts' -> Potts(L, q=3, J=3/2); 'glass' -> the Gaussian EdwardsAnderson(L, seed)."""
    factories = {"ising": lambda: Ising(L), "potts": lambda: Potts(L, q=3, J=POTTS_J),
                 "glass": lambda: EdwardsAnderson(L, seed=glass_seed)}
    if name not in factories:
        raise ValueError(f"unknown system {name!r}; choose one of {', '.join(factories)}")
    return factories[name]()


@contextlib.contextmanager
def torch_threads(n: int = 1):
    """Run with ``n`` torch threads, then restore. These networks are small: on a busy 2-core machine two
    threads ran GRU training 100x slower than one (measured), and per-proposal evaluations are tiny."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


_STAGE_THREADS = contextvars.ContextVar("dcl_stage_threads", default=1)


@contextlib.contextmanager
def stage_threads(n: int):
    """Run the stages inside with ``n`` torch threads instead of one (a paper-cpu run that has the machine
    to itself trains its larger GRU about twice as fast on two cores; measured in docs/results/dcl.md)."""
    token = _STAGE_THREADS.set(int(n))
    try:
        yield
    finally:
        _STAGE_THREADS.reset(token)


def one_thread(fn):
    """Decorator: run ``fn`` under ``torch_threads(1)`` (or the count ``stage_threads`` set)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with torch_threads(_STAGE_THREADS.get()):
            return fn(*args, **kwargs)

    return wrapper


def _negated(system):
    """The same lattice with every coupling negated: its energies are -E, so sampling it at T samples
    the original at -T (the high-energy half of the spectrum)."""
    fields = {f.name for f in dataclasses.fields(system)}
    return dataclasses.replace(system, **{k: -np.asarray(getattr(system, k)) if k != "J" else -system.J
                                          for k in ("J", "Jh", "Jv") if k in fields})


# -- 1. the experiment ------------------------------------------------------------------------
def observe(system, T_obs: float, n: int, *, chains: int = 16, seed: int = 0, progress: bool = False):
    """What the model is given: n decorrelated configurations at T_obs only. ``Dataset`` (1, n, L, L).

    chains: run the largest divisor of n up to this many chains side by side. With the torch backend on a GPU a
    sweep of 1000 chains of 8x8 costs about what one of 16 does (kernel launches, not arithmetic), so the 8e5
    configurations of the paper row come from 800 samples per chain instead of 50 000."""
    n_chains = max(d for d in range(1, min(chains, n) + 1) if n % d == 0)
    return lldata.generate(system, T=[T_obs], n_samples=n, n_chains=n_chains, seed=seed, progress=progress)


# -- 2. the GRU ----------------------------------------------------------------------------
def memo_energy(fn, model_key: dict = None, *, recompute: bool = False):
    """``fn`` (configs (n, L, L) -> energies (n,)) as a callable whose answers are cached (``data.memo``) under
    ``model_key`` (what determines the model, e.g. ``Trained.key`` plus a learned energy's offset) and the
    configurations' bytes: a warm page scores its models on the test sets without evaluating them again.
    Without a key, ``fn`` itself (as float64)."""
    def energies(configs):
        configs = np.ascontiguousarray(configs)
        if model_key is None:
            return np.asarray(fn(configs), dtype=np.float64)
        key = {"paper": "dcl", "stage": "energies", "model": model_key, "shape": list(configs.shape),
               "dtype": configs.dtype.str, "configs": hashlib.sha256(configs.tobytes()).hexdigest()}
        return cached_arrays(key, lambda: {"energy": np.asarray(fn(configs), dtype=np.float64)},
                             recompute=recompute)["energy"]

    return energies


@dataclasses.dataclass(frozen=True)
class Trained:
    """A trained model, its training history, and the cache key that determines it (for later stages' keys)."""
    model: torch.nn.Module
    history: dict
    key: dict = None


def split(n: int, seed: int):
    """The 80/20 train/validation split of n items: int64 index tensors (train, validation)."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    cut = max(1, int(0.8 * n))
    return perm[:cut], perm[cut:]


def _loaders(x, y, batch_size, seed):
    """80/20 train/validation DataLoaders over tensors x (n, ...) and optional targets y (n,)."""
    from torch.utils.data import DataLoader, TensorDataset

    train, val = split(len(x), seed)
    parts = [(x[train],), (x[val],)] if y is None else [(x[train], y[train]), (x[val], y[val])]
    return (DataLoader(TensorDataset(*parts[0]), batch_size=batch_size, shuffle=True,
                       generator=torch.Generator().manual_seed(seed)),
            DataLoader(TensorDataset(*parts[1]), batch_size=batch_size))


@one_thread
def train_gru(dataset, system, *, hidden: int, order: str, epochs: int, lr: float, batch_size: int,
              callbacks=(), retrain: bool = False, seed: int = 0, device: str = "cpu") -> Trained:
    """Maximum likelihood on the observed configurations (``dataset.configs`` (1, n, L, L)); cached.
    The model is trained and returned on ``device``."""
    states = state_indices(system, dataset.configs[0])
    key = {"paper": "dcl", "stage": "gru", "data": dataset.key, "n_states": system.n_states, "hidden": hidden,
           "order": order, "epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed}

    def train(model):
        train_loader, val_loader = _loaders(states, None, batch_size, seed)
        return fit(model, train_loader, val_loader, epochs=epochs, lr=lr, seed=seed, callbacks=callbacks,
                   loss_fn=lambda m, batch: m.nll(batch[0]), device=device, checkpoint=checkpoint_path(key))

    model, history = cached_model(key, lambda: AutoregressiveGRU(system.n_states, hidden, order=order, seed=seed),
                                  train, retrain=retrain, device=device)
    return Trained(model.eval(), history, key)


@one_thread
def gru_energy(trained: Trained, system, T_obs: float, reference, *, recompute: bool = False) -> LearnedEnergy:
    """E = -T_obs ln P + C of the trained GRU, C making the mean over ``reference`` configs (B, L, L) zero
    (the energies of the reference are cached under the GRU's key, as ``LearnedEnergy.calibrate`` computes them)."""
    energy = LearnedEnergy(trained.model, T_obs, system)
    raw = memo_energy(energy.energy, None if trained.key is None else {"gru": trained.key, "T_obs": T_obs, "offset": 0.0},
                      recompute=recompute)
    energy.offset = -float(np.mean(raw(reference)))
    return energy


@dataclasses.dataclass(frozen=True)
class Fidelity:
    """How far the GRU's P is from the exact Boltzmann distribution at T_O, in nats per configuration.

    entropy: the exact S = ln Z + <E> / T_O (transfer matrix); cross_entropy: the mean of -ln P_GRU over the
    observed configurations the GRU did not train on (its validation split); kl = cross_entropy - entropy
    estimates KL(exact || GRU) >= 0, with kl_error its standard error. scatter = T_O sqrt(2 kl) (J): where the
    GRU's error is small noise of its energies, KL is half their variance over T_O^2, so this is the spread of
    learned energies the KL implies (the paper's 2.06 J RMSE of dE needs ~1.5 J, i.e. kl ~ 0.07 at T_O = 4)."""
    entropy: float
    cross_entropy: float
    kl: float
    kl_error: float
    scatter: float


def exact_entropy(system, T: float):
    """Exact entropy (nats, whole lattice) at T from the transfer matrix, or None where it is too large."""
    if system.n_states ** system.L > MAX_STATES:
        return None
    ref = exact.transfer_matrix(system, float(T))
    return float(ref["log_z"] + system.N * ref["energy"] / float(T))


@one_thread
def fidelity(energy: LearnedEnergy, observed, *, seed: int = 0, energies=None) -> Fidelity | None:
    """The GRU's distance from the exact distribution, on the held-out part of ``observed`` (n, L, L) (the
    split ``train_gru`` used with the same seed); None where the exact entropy is out of reach.
    energies: ``energy.energy`` or a cached stand-in for it (``memo_energy``); -ln P = (E - offset) / T_O."""
    S = exact_entropy(energy.system, energy.T_obs)
    if S is None:
        return None
    held_out = np.asarray(observed)[split(len(observed), seed)[1].numpy()]
    nll = ((energies or energy.energy)(held_out) - energy.offset) / energy.T_obs
    kl, err = float(nll.mean() - S), float(nll.std(ddof=1) / np.sqrt(len(nll))) if len(nll) > 1 else float("nan")
    return Fidelity(S, float(nll.mean()), kl, err, energy.T_obs * float(np.sqrt(2 * max(kl, 0.0))))


# -- 3. parity: learned against true energies over the whole energy range -------------------------
@dataclasses.dataclass(frozen=True)
class TestSet:
    """configs (n, L, L) of the system's values spanning every energy; energy float64 (n,), total, in J;
    e_infinite: the mean total energy at infinite temperature (of its random configurations)."""
    configs: np.ndarray
    energy: np.ndarray
    e_infinite: float


def test_set(system, temperatures, per_T: int, *, seed: int = 100) -> TestSet:
    """Equilibrium configurations at +-T for every T of ``temperatures`` (negative T: the negated couplings)
    and at T = infinity (random): low, typical and high energies alike."""
    parts = [lldata.generate(s, T=list(temperatures), n_samples=per_T, seed=seed + k, progress=False).configs
             for k, s in enumerate((system, _negated(system)))]
    hot = system.hot(np.random.default_rng(seed), per_T)
    configs = np.concatenate([parts[0].reshape(-1, system.L, system.L), parts[1].reshape(-1, system.L, system.L), hot])
    energy = system.N * np.asarray(system.energy(configs), dtype=np.float64)
    return TestSet(configs, energy, float(energy[-len(hot):].mean()))


ENERGY_WINDOWS = 32


@dataclasses.dataclass(frozen=True)
class Parity:
    """true and learned total energies (n,), each minus its mean over the test set, and the RMSE of dE over
    ``n_pairs`` random pairs drawn as the paper did: every energy equally likely (a window of the
    ``ENERGY_WINDOWS`` equal-width windows over the test energies uniformly, then a configuration in it).
    ``rmse``: over all energies; ``rmse_low``: over the windows at or below the infinite-temperature mean,
    the half of the spectrum Boltzmann sampling at T > 0 visits (T_O = 4 data come from its top).
    ``rmse_zero``: the same pairs' RMSE for a model that knows nothing (dE = 0), the baseline to beat."""
    true: np.ndarray
    learned: np.ndarray
    rmse: float
    rmse_low: float
    rmse_zero: float
    n_pairs: int


def energy_windows(energy, windows: int):
    """``windows`` equal-width windows over [min, max] of ``energy`` (n,): (centres (windows,), the window
    of each energy, int (n,))."""
    edges = np.linspace(energy.min(), energy.max(), windows + 1)
    which = np.clip(np.searchsorted(edges, energy, side="right") - 1, 0, windows - 1)
    return 0.5 * (edges[:-1] + edges[1:]), which


def energy_window_pairs(energy, n_pairs: int, *, upper=None, windows: int = ENERGY_WINDOWS, seed: int = 0):
    """Indices (2, n_pairs) into ``energy`` (n,): each end drawn from a uniformly chosen non-empty energy
    window (``windows`` equal widths over [min, max]), then uniformly within it; only windows whose centre
    is <= ``upper`` when given."""
    centres, which = energy_windows(energy, windows)
    allowed = [w for w in np.unique(which) if upper is None or centres[w] <= upper + 1e-9]
    if not allowed:
        raise ValueError(f"no energy window at or below {upper}; the test set's energies span {energy.min()}..{energy.max()}")
    members = [np.flatnonzero(which == w) for w in allowed]
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(members), size=(2, n_pairs))
    return np.array([[m[rng.integers(0, len(m))] for m in (members[k] for k in row)] for row in pick])


@one_thread
def parity(energy_fn, test: TestSet, n_pairs: int, *, seed: int = 0) -> Parity:
    """RMSE of dE = E(j) - E(i) over ``n_pairs`` pairs of test configurations (the paper's metric)."""
    learned = np.asarray(energy_fn(test.configs), dtype=np.float64)

    def rmse(model, upper=None):
        i, j = energy_window_pairs(test.energy, n_pairs, upper=upper, seed=seed)
        err = (model[j] - model[i]) - (test.energy[j] - test.energy[i])
        return float(np.sqrt(np.mean(err**2)))

    return Parity(test.energy - test.energy.mean(), learned - learned.mean(), rmse(learned),
                  rmse(learned, test.e_infinite), rmse(np.zeros_like(learned)), n_pairs)


@dataclasses.dataclass(frozen=True)
class WindowErrors:
    """Where a learned energy goes wrong: learned minus true total energy (J) per energy window of the test set.

    centre, mean, spread: float64 (w,): each window's centre (true energy, J, on the test set's scale), the
    mean and the standard deviation of the error in it (NaN where a window is empty). The learned energy's
    constant is chosen so the mean error over the test configurations inside the observed energy range
    ``observed`` (min, max) is zero. A model that is right up to noise has mean ~0 everywhere; one that is
    compressed (too flat) has a mean error growing away from the observed range. ``slope``: least-squares
    slope of learned against true energy over every test configuration (1 for an exact model)."""
    centre: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    observed: tuple
    slope: float


def window_errors(learned, test: TestSet, observed_energy, *, windows: int = 8) -> WindowErrors:
    """Error of ``learned`` energies (n,) (any constant) against ``test.energy`` (n,) in ``windows`` equal-width
    windows; ``observed_energy`` (m,): true total energies of what the model was trained on."""
    learned, true = np.asarray(learned, dtype=np.float64), test.energy
    if learned.shape != true.shape:
        raise ValueError(f"learned energies have shape {learned.shape}, the test set {true.shape}: pass one per test configuration")
    lo, hi = float(np.min(observed_energy)), float(np.max(observed_energy))
    inside = (true >= lo) & (true <= hi)
    err = learned - true
    err = err - err[inside if inside.any() else slice(None)].mean()
    centres, which = energy_windows(true, windows)
    stat = lambda f: np.array([f(err[which == w]) if (which == w).any() else np.nan for w in range(windows)])  # noqa: E731
    slope = float(np.polyfit(true, learned, 1)[0]) if np.ptp(true) > 0 else float("nan")
    return WindowErrors(centres, stat(np.mean), stat(np.std), (lo, hi), slope)


# -- 4. Monte Carlo with learned and true energies -----------------------------------------------
@dataclasses.dataclass(frozen=True)
class Curves:
    """Per temperature T (n_T,): mean and error of the true energy per spin, |m| and the specific heat."""
    T: np.ndarray
    energy: np.ndarray
    energy_err: np.ndarray
    abs_magnetization: np.ndarray
    abs_magnetization_err: np.ndarray
    specific_heat: np.ndarray
    specific_heat_err: np.ndarray

    @property
    def peak(self) -> float:
        """The grid temperature of the specific-heat maximum."""
        return float(self.T[np.argmax(self.specific_heat)])


def _curves(s) -> Curves:
    stats = [observables.energy(s), observables.abs_magnetization(s), observables.specific_heat(s)]
    cols = [np.asarray(v, dtype=np.float64) for st in stats for v in (st.mean, st.error)]
    return Curves(np.asarray(s.T, dtype=np.float64), *cols)


@one_thread
def mc_curves(system, temperatures, *, energy=None, chains: int, samples: int, burn_in: int, thin: int,
              seed: int = 0, progress: bool = False, device: str = "cpu", energy_key: dict = None,
              recompute: bool = False) -> Curves:
    """Metropolis across ``temperatures``: with a learned ``energy`` (learned_metropolis) or, when None,
    the true Hamiltonian. Observables are measured with the true Hamiltonian either way.
    With a learned energy on ``device='cuda'`` the chains live there too (torch backend), so a proposal
    never copies the lattices between host and GPU; the true Hamiltonian runs on numba.
    Cached (``latticelab.data.memo``) under the system, the run's settings and ``energy_key``, the cache
    key of the learned energy's model; a learned energy without one is run every time."""
    options = dict(algorithm="learned_metropolis", energy=energy) if energy is not None else dict(algorithm="metropolis")
    if energy is not None and device != "cpu":
        options.update(backend="torch", device=device)

    def run():
        s = sample(system, list(temperatures), samples, burn_in=burn_in, thin=thin, n_chains=chains, seed=seed,
                   progress=progress, **options)
        return dataclasses.asdict(_curves(s))

    if energy is not None and energy_key is None:
        return Curves(**run())
    key = {"paper": "dcl", "stage": "mc", "system": repr(system), "T": [float(t) for t in temperatures],
           "energy": energy_key, "chains": chains, "samples": samples, "burn_in": burn_in, "thin": thin,
           "seed": seed, "device": "cpu" if energy is None else str(device)}
    return Curves(**cached_arrays(key, run, recompute=recompute))


@dataclasses.dataclass(frozen=True)
class Deviation:
    """The largest |e_learned(T) - e_true(T)| per spin over the grid, its error, and where."""
    value: float
    error: float
    T: float


def max_deviation(learned: Curves, true: Curves) -> Deviation:
    d = np.abs(learned.energy - true.energy)
    k = int(np.argmax(d))
    return Deviation(float(d[k]), float(np.hypot(learned.energy_err[k], true.energy_err[k])), float(learned.T[k]))


# -- 5. the EDNN, taught only by the GRU ----------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Labelled:
    """configs (n, L, L) of the system's values sampled from the GRU; labels float64 (n,): its energies."""
    configs: np.ndarray
    labels: np.ndarray


@one_thread
def ednn_labels(energy: LearnedEnergy, system, n: int, *, seed: int = 0, gru_key: dict = None,
                recompute: bool = False) -> Labelled:
    """n configurations drawn from the GRU (ancestral sampling), labelled with the GRU's energy; cached under
    ``gru_key`` (the GRU's model cache key) where given."""
    def draw():
        states = energy.model.sample(n, system.L, seed=seed).cpu().numpy()
        configs = system.site_values()[states]
        return {"configs": configs, "labels": energy.energy(configs)}

    if gru_key is None:
        return Labelled(**draw())
    key = {"paper": "dcl", "stage": "ednn_labels", "gru": gru_key, "offset": energy.offset, "n": n, "seed": seed}
    return Labelled(**cached_arrays(key, draw, recompute=recompute))


@one_thread
def train_ednn(labelled: Labelled, system, *, epochs: int, lr: float, batch_size: int, key: dict,
               callbacks=(), retrain: bool = False, seed: int = 0, device: str = "cpu") -> Trained:
    """EDNN (f = 2, c = 1, 32 -> 64) fitted to the labels by mean squared error per spin; cached under
    ``key`` (which must name the teacher) plus the training settings."""
    N = system.N
    build = lambda: EDNN(2, 1, (32, 64), site_kind=system.site_kind, n_states=system.n_states, seed=seed)
    x = build().encode(labelled.configs)
    y = torch.as_tensor(labelled.labels / N, dtype=torch.float32)
    full_key = {"paper": "dcl", "stage": "ednn", **key, "n": len(y), "epochs": epochs, "lr": lr,
                "batch_size": batch_size, "seed": seed}

    def train(model):
        train_loader, val_loader = _loaders(x, y, batch_size, seed)
        return fit(model, train_loader, val_loader, epochs=epochs, lr=lr, seed=seed, callbacks=callbacks,
                   loss_fn=lambda m, batch: torch.nn.functional.mse_loss(m(batch[0]) / N, batch[1]), device=device,
                   checkpoint=checkpoint_path(full_key))

    model, history = cached_model(full_key, build, train, retrain=retrain, device=device)
    return Trained(model.eval(), history, full_key)
