"""One system through the whole DCL pipeline (``run_system``), and ``reproduce`` over the Config's systems."""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from ... import exact
from ...backend import train_device
from ..results import Results, Row
from . import score, stages
from .config import Config

PAPER_RMSE = {"ising": (2.06, 1.47)}  # RNN and EDNN energy models, 8x8 Ising (the paper's Fig. 4)


@dataclasses.dataclass(frozen=True)
class SystemRun:
    """Everything one system's pipeline produced (the notebook plots these; ``rows`` tabulates them)."""
    name: str
    system: object
    observed: np.ndarray          # (n, L, L): what the GRU was given
    gru: stages.Trained
    gru_parity: stages.Parity
    gru_curves: stages.Curves     # learned-energy Metropolis, L x L
    true_curves: stages.Curves    # true-Hamiltonian Metropolis, L x L
    ednn: stages.Trained
    ednn_parity: stages.Parity
    ednn_curves: stages.Curves | None       # EDNN Metropolis on L_big (None where the system has no translation invariance)
    true_big_curves: stages.Curves | None
    exact_peak: float | None      # exact finite-L specific-heat peak (Ising only)
    gru_windows: stages.WindowErrors   # the GRU's energy error per energy window of the test set
    ednn_windows: stages.WindowErrors  # the EDNN's
    gru_fidelity: stages.Fidelity | None  # the GRU's KL from the exact distribution at T_O (None: no exact ln Z)
    gru_score: score.LevelScore | None = None   # the paper's metric: E per configuration at every level (Ising only)
    ednn_score: score.LevelScore | None = None  # the EDNN's, on the same test configurations


class _Stages:
    """The pipeline's stage progress: a tqdm bar (``progress=True``), a callable ``progress(done, total, what)``
    (e.g. a widget's), or nothing (``progress=False``)."""

    def __init__(self, total: int, progress, desc: str):
        self.total, self.done, self.bar, self.report = total, 0, None, None
        if callable(progress):
            self.report = progress
            progress(0, total, "observing")
        elif progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="stage")

    def step(self, what: str):
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(what)
            self.bar.update(1)
        if self.report is not None:
            self.report(self.done, self.total, what)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def ednn_teacher_key(c: Config, data_key: str) -> dict:
    """What determines the EDNN's labels (the observed data and the GRU that labels them), for its cache key."""
    return {"observed": data_key,
            "gru": {k: getattr(c, k) for k in ("T_obs", "gru_hidden", "order", "gru_epochs", "gru_lr", "batch_size", "n_ednn")}}


def exact_peak(system, temperatures) -> float | None:
    """Temperature of the exact finite-L specific-heat maximum where Onsager/Kaufman apply, else None."""
    if system.onsager_coupling is None:
        return None
    T = np.linspace(min(temperatures), max(temperatures), 2001)
    return float(T[np.argmax(exact.ising_specific_heat(T, L=system.L, J=system.onsager_coupling))])


def run_system(name: str, config: Config, *, progress=True, gru_callbacks=(), ednn_callbacks=(),
               retrain: bool = False) -> SystemRun:
    """Observe at T_O, learn P with the GRU, check its energies, simulate with them, teach the EDNN, transfer it.

    progress: True for a progress bar over the 8 stages, False for none, or a callable
    ``progress(done, total, what)`` called before the first stage and after each.
    Every stage is cached (datasets, models with a checkpoint per epoch, Monte Carlo curves, labels, test
    sets): a second call loads them, and a killed call started again continues where it stopped."""
    with stages.stage_threads(config.threads):
        return _run_system(name, config, progress, gru_callbacks, ednn_callbacks, retrain)


def _run_system(name, c: Config, progress, gru_callbacks, ednn_callbacks, retrain) -> SystemRun:
    system = stages.make_system(name, c.L, c.glass_seed)
    device = train_device(c.device)
    bar = _Stages(8, progress, f"DCL {name}")
    T = c.temperatures
    mc = dict(chains=c.mc_chains, samples=c.mc_samples, burn_in=c.mc_burn_in, thin=c.mc_thin, device=device,
              recompute=retrain)
    levels = score.level_test_set(c.L, c.per_level) if name == "ising" else None
    data = stages.observe(system, c.T_obs, c.n_observed, chains=c.observe_chains)
    bar.step("observed")
    gru = stages.train_gru(data, system, hidden=c.gru_hidden, order=c.order, epochs=c.gru_epochs, lr=c.gru_lr,
                           batch_size=c.batch_size, callbacks=gru_callbacks, retrain=retrain, device=device)
    energy = stages.gru_energy(gru, system, c.T_obs, data.configs[0], recompute=retrain)
    gru_energies = stages.memo_energy(energy.energy, {"gru": gru.key, "T_obs": c.T_obs, "offset": energy.offset},
                                      recompute=retrain)
    gru_fidelity = stages.fidelity(energy, data.configs[0], energies=gru_energies)
    bar.step("GRU trained")
    test = stages.test_set(system, T, c.test_per_T)
    gru_parity = stages.parity(gru_energies, test, c.n_pairs)
    gru_score = score.score_levels(gru_energies, levels) if levels is not None else None
    observed_energy = system.N * np.asarray(system.energy(data.configs[0]), dtype=np.float64)
    gru_windows = stages.window_errors(gru_parity.learned, test, observed_energy)
    bar.step("GRU parity")
    gru_curves = stages.mc_curves(system, T, energy=energy, seed=1, energy_key=gru.key, **mc)
    true_curves = stages.mc_curves(system, T, seed=1, **mc)
    bar.step("GRU Monte Carlo")
    labelled = stages.ednn_labels(energy, system, c.n_ednn, gru_key=gru.key, recompute=retrain)
    bar.step("GRU labels")
    ednn = stages.train_ednn(labelled, system, epochs=c.ednn_epochs, lr=c.ednn_lr, batch_size=c.batch_size,
                             key=ednn_teacher_key(c, data.key), callbacks=ednn_callbacks,
                             retrain=retrain, device=device)
    bar.step("EDNN trained")
    ednn_energies = stages.memo_energy(ednn.model.energy, {"ednn": ednn.key}, recompute=retrain)
    ednn_parity = stages.parity(ednn_energies, test, c.n_pairs)
    ednn_score = score.score_levels(ednn_energies, levels) if levels is not None else None
    ednn_windows = stages.window_errors(ednn_parity.learned, test, observed_energy)
    bar.step("EDNN parity")
    ednn_curves = true_big = None
    if system.translation_invariant:
        big = system.resized(c.L_big)
        ednn_curves = stages.mc_curves(big, T, energy=ednn.model, seed=2, energy_key=ednn.key, **mc)
        true_big = stages.mc_curves(big, T, seed=2, **mc)
    bar.step("EDNN Monte Carlo")
    bar.close()
    return SystemRun(name, system, data.configs[0], gru, gru_parity, gru_curves, true_curves, ednn, ednn_parity,
                     ednn_curves, true_big, exact_peak(system, T), gru_windows, ednn_windows,
                     gru_fidelity, gru_score, ednn_score)


def rows(run: SystemRun, config: Config) -> list:
    """The results rows of one system (see the module's Results for the columns)."""
    n, L, B = run.name, config.L, config.L_big
    paper_gru, paper_ednn = PAPER_RMSE.get(n, (None, None))
    out = []
    if run.gru_score is not None:
        per = f"{len(run.gru_score.learned) // len(run.gru_score.levels)} per level"
        out += [Row(f"{n}: RMSE of E per configuration, GRU (J), {L}x{L}, every level ({per})", run.gru_score.rmse,
                    paper=paper_gru, reference=0.0),
                Row(f"{n}: RMSE of E per configuration, EDNN (J), {L}x{L}, every level ({per})", run.ednn_score.rmse,
                    paper=paper_ednn, reference=0.0)]
    out += [Row(f"{n}: RMSE of dE over pairs, GRU energy (J), {L}x{L}, every energy", run.gru_parity.rmse),
            Row(f"{n}: RMSE of dE over pairs, EDNN energy (J), {L}x{L}, every energy", run.ednn_parity.rmse),
            Row(f"{n}: RMSE of dE, GRU energy (J), {L}x{L}, E <= E(T=inf)", run.gru_parity.rmse_low),
            Row(f"{n}: RMSE of dE, EDNN energy (J), {L}x{L}, E <= E(T=inf)", run.ednn_parity.rmse_low),
            Row(f"{n}: slope of learned vs true E, GRU, {L}x{L}, every energy", run.gru_windows.slope, reference=1.0),
            Row(f"{n}: slope of learned vs true E, EDNN, {L}x{L}, every energy", run.ednn_windows.slope, reference=1.0)]
    f = run.gru_fidelity
    if f is not None:
        out += [Row(f"{n}: KL(exact || GRU) at T_O, nats per configuration, {L}x{L}", f.kl, f.kl_error, reference=0.0),
                Row(f"{n}: GRU energy scatter it implies, T_O sqrt(2 KL) (J)", f.scatter, reference=0.0)]
    d = stages.max_deviation(run.gru_curves, run.true_curves)
    out.append(Row(f"{n}: max |e_GRU(T) - e_true(T)| per spin, {L}x{L}", d.value, d.error))
    ref = run.exact_peak if run.exact_peak is not None else run.true_curves.peak
    out += [Row(f"{n}: C peak T, true Metropolis, {L}x{L}", run.true_curves.peak, reference=run.exact_peak),
            Row(f"{n}: C peak T, GRU-energy Metropolis, {L}x{L}", run.gru_curves.peak, reference=ref)]
    if run.ednn_curves is not None:
        d = stages.max_deviation(run.ednn_curves, run.true_big_curves)
        out += [Row(f"{n}: max |e_EDNN(T) - e_true(T)| per spin, {B}x{B}", d.value, d.error),
                Row(f"{n}: C peak T, EDNN-energy Metropolis, {B}x{B}", run.ednn_curves.peak,
                    reference=run.true_big_curves.peak)]
    return out


def reproduce(config: Config, *, progress: bool = True, system: str = None, **options) -> Results:
    """Run every system of ``config`` (or only ``system``) and tabulate the results."""
    start = time.perf_counter()
    names = config.systems if not system else (system,)
    all_rows = [r for name in names for r in rows(run_system(name, config, progress=progress), config)]
    notes = ("Potts is q = 3 with J = 3/2 (the paper's cosine coupling); the spin glass is one Gaussian instance "
             f"(seed {config.glass_seed}) and has no translation invariance, so its EDNN is not transferred to "
             f"{config.L_big}x{config.L_big}. C peak temperatures are grid points (spacing "
             f"{(config.T_max - config.T_min) / max(1, config.n_T - 1):.2f}); references: exact finite-L for Ising, "
             "true Metropolis otherwise. RMSE of E per configuration (the paper's metric, Ising): "
             f"{config.per_level} configurations at each of the lattice's energy levels, the model's constant fixed "
             "on uniformly random configurations (dcl.energy_rmse). RMSE of dE over pairs (the app's earlier metric): "
             "pairs drawn with every energy window equally likely, over all energies and over the half at or below "
             "the infinite-temperature mean energy.")
    return Results(paper="dcl", preset=config.name, seconds=time.perf_counter() - start,
                   device=train_device(config.device), rows=all_rows, notes=notes)
