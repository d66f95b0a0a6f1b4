"""``sample``: equilibrium configurations at a set of temperatures, decorrelated by measurement."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _validate, stats
from ..systems import check_system
from .chain import Chain
from .samples import Samples

MAX_THIN = 1_000
DEFAULT_CHAINS = 16


def _progress(total: int, enabled: bool, desc: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="sweep", leave=False)


def _advance(chain: Chain, n: int, bar, chunk: int = 50):
    while n > 0:
        k = min(n, chunk)
        chain.step(k)
        n -= k
        if bar is not None:
            bar.update(k)


def _finish_learning(chain: Chain, bar=None):
    """Step until Wolff has learnt its cluster count (learning sweeps stop at a state-dependent time,
    so no sample or autocorrelation measurement may come from one)."""
    while chain.learning:
        _advance(chain, 1, bar)


def pilot(chain: Chain, bar=None) -> np.ndarray:
    """Warm the chains up, then measure the integrated autocorrelation time in sweeps.

    Returns float64 (n_T,): for each temperature the larger of tau_int(energy) and
    tau_int(|m|), estimated over all chains together.
    """
    warm, measured = chain.update.pilot
    _advance(chain, warm, bar)
    _finish_learning(chain, bar)
    e = np.empty((measured, chain.n_T, chain.n_chains))
    m = np.empty_like(e)
    for k in range(measured):
        chain.step(1)
        e[k], m[k] = chain.energy(), np.abs(chain.magnetization())
        if bar is not None:
            bar.update(1)
    taus = [stats.tau_int(np.moveaxis(a, 0, -1), axis=-1, chain_axis=1) for a in (e, m)]
    tau = np.fmax(*taus)
    return np.where(np.isfinite(tau), tau, 0.5)


def sample(system, T, n_samples: int, *, burn_in=None, thin=None, algorithm="auto", backend="auto",
           device=None, seed=None, h=None, n_chains=None, start="auto", symmetrize=True,
           progress=False, **options) -> Samples:
    """Draw ``n_samples`` equilibrium configurations of ``system`` at each temperature.

    T:          scalar or sequence (n_T,); ``h`` optionally gives one Ising field per entry,
                so a (T, h) grid is the flattened grid passed as both.
    burn_in:    sweeps before the first sample; thin: sweeps between samples of one chain.
                Left None they come from a pilot run's autocorrelation time tau:
                burn_in ~ 20 tau, thin ~ 2 tau (capped; ``Samples.tau`` records tau). Wolff burns in at
                least until it has learnt its cluster count (20-60 sweeps); ``Samples.burn_in`` says how long.
    n_chains:   independent chains per temperature, a divisor of n_samples (default: the
                largest divisor <= 16); each gives n_samples / n_chains samples, chain-major.
    symmetrize: at zero field, apply a random global symmetry (spin flip / Potts state
                permutation) to each sample — exact, and it undoes an ordered start's bias.
    options:    passed to the update, e.g. energy=model for algorithm='learned_metropolis'.
    Returns ``Samples`` with configs (n_T, n_samples, *system.state_shape) of ``system.state_dtype``,
    energy and magnetization float64 (n_T, n_samples).
    """
    check_system(system)
    n_samples = _validate.positive_int(n_samples, "n_samples")
    burn_in = _validate.optional_int(burn_in, "burn_in", 0)
    thin = _validate.optional_int(thin, "thin", 1)
    if n_chains is None:
        n_chains = max(d for d in range(1, DEFAULT_CHAINS + 1) if n_samples % d == 0)
    elif _validate.positive_int(n_chains, "n_chains") > n_samples or n_samples % n_chains:
        raise ValueError(
            f"n_chains={n_chains} must divide n_samples={n_samples} (each chain gives n_samples / n_chains samples); "
            "choose a divisor, or leave n_chains=None"
        )
    chain = Chain(system, T, n_chains, h=h, algorithm=algorithm, backend=backend, device=device, seed=seed, start=start,
                  **options)
    rounds = n_samples // n_chains

    tau = np.full(chain.n_T, np.nan)
    bar = _progress(0, progress, f"sampling {type(system).__name__} L={system.L}")
    if burn_in is None or thin is None:
        if bar is not None:
            bar.total = sum(chain.update.pilot)
        tau = pilot(chain, bar)
        t = float(tau.max())
        if burn_in is None:
            burn_in = max(chain.sweeps, min(math.ceil(20 * t), chain.update.max_burn_in))
        if thin is None:
            thin = max(1, min(math.ceil(2 * t), MAX_THIN))
        if 2 * t > MAX_THIN or 20 * t > chain.update.max_burn_in:
            warnings.warn(
                f"the autocorrelation time ({t:.0f} sweeps) is long; burn-in and thinning were capped, so samples "
                "may be correlated: consider algorithm='wolff', more chains (n_chains=...), or explicit burn_in/thin"
            )
    remaining = burn_in - chain.sweeps
    if bar is not None:
        bar.total = chain.sweeps + max(remaining, 0) + (rounds - 1) * thin
        bar.refresh()
    _advance(chain, max(remaining, 0), bar)
    _finish_learning(chain, bar)
    burn_in = chain.sweeps

    shape = system.state_shape
    out = np.empty((chain.n_T, n_chains, rounds, *shape), dtype=system.state_dtype)
    for r in range(rounds):
        if r:
            _advance(chain, thin, bar)
        out[:, :, r] = chain.configs
    if bar is not None:
        bar.close()
    configs = out.reshape(chain.n_T, n_samples, *shape)
    fields = chain.h
    if symmetrize and not np.any(fields != 0):
        configs = system.symmetry(configs, np.random.default_rng([chain.seed, 3]))
    configs = np.ascontiguousarray(configs)
    return Samples(
        system=system,
        configs=configs,
        energy=np.asarray(system.energy(configs, h=fields[:, None]), dtype=np.float64),
        magnetization=np.asarray(system.magnetization(configs), dtype=np.float64),
        T=chain.T,
        h=fields,
        algorithm=chain.algorithm,
        backend=str(chain.backend),
        seed=chain.seed,
        burn_in=int(burn_in),
        thin=int(thin),
        n_chains=n_chains,
        tau=tau,
    )
