"""Statistics of Monte Carlo time series: ``Stats``, autocorrelation times, binning, jackknife.

Every function is vectorised over leading axes. A series is ``x: float (..., n_t)`` with Monte Carlo
time on ``axis``; results have the remaining leading shape, typically ``(n_T,)``. Independent chains
of equal length can be given on a second axis, ``chain_axis`` (``x: (..., n_chains, n_t)``): they are
pooled into one estimate as each function documents. Times are in units of the sample spacing.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np


def format_pm(mean, error, digits: int = 2) -> str:
    """``"mean ± error"`` with ``error`` to ``digits`` significant figures and ``mean`` to match."""
    mean, error = float(mean), float(error)
    if not np.isfinite(mean):
        return f"{mean}"
    if not np.isfinite(error) or error <= 0.0:
        return f"{mean:.6g} ± {error:.2g}" if np.isfinite(error) else f"{mean:.6g} ± {error}"
    decimals = min(15, max(0, digits - 1 - math.floor(math.log10(error))))
    return f"{mean:.{decimals}f} ± {error:.{decimals}f}"


def _frozen(value, shape, name):
    arr = np.asarray(value, dtype=np.float64)
    try:
        arr = np.array(np.broadcast_to(arr, shape))
    except ValueError:
        raise ValueError(f"Stats.{name} has shape {arr.shape}, which does not broadcast to mean's shape {shape}") from None
    arr.setflags(write=False)
    return arr[()]  # a numpy float for shape (), a read-only array otherwise


@dataclasses.dataclass(frozen=True, eq=False)
class Stats:
    """An estimate with one standard error: ``mean ± error``.

    mean, error, tau_int: float64, all of one shape: () for one quantity, (n_T,) per temperature.
    ``tau_int`` is the integrated autocorrelation time of the underlying series in sample spacings
    (0.5 for independent samples; NaN where not measured, e.g. for jackknife estimates). ``error`` and
    ``tau_int`` are broadcast to the shape of ``mean``; scalars are stored as numpy floats.
    """

    mean: np.ndarray
    error: np.ndarray
    tau_int: np.ndarray = np.nan

    def __post_init__(self):
        shape = np.shape(self.mean)
        for name in ("mean", "error", "tau_int"):
            object.__setattr__(self, name, _frozen(getattr(self, name), shape, name))

    @property
    def shape(self) -> tuple:
        return np.shape(self.mean)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar Stats; it holds one estimate")
        return self.shape[0]

    def __getitem__(self, index) -> "Stats":
        """The estimate(s) at ``index``, e.g. ``stats[i]`` for temperature ``i``."""
        if not self.shape:
            raise IndexError("a scalar Stats cannot be indexed")
        return Stats(self.mean[index], self.error[index], self.tau_int[index])

    def zscore(self, exact) -> np.ndarray:
        """``(mean - exact) / error``: deviation from a reference value in standard errors."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.mean - np.asarray(exact, dtype=np.float64)) / self.error

    def __str__(self) -> str:
        if not self.shape:
            return format_pm(self.mean, self.error)
        items = [format_pm(m, e) for m, e in zip(np.ravel(self.mean), np.ravel(self.error))]
        if len(items) > 12:
            items = items[:5] + ["..."] + items[-5:]
        return "[" + ", ".join(items) + "]"

    def __repr__(self) -> str:
        tau = np.array2string(np.asarray(self.tau_int), precision=3, threshold=12, separator=", ")
        return f"Stats({self}, tau_int={tau})"


def _chains_last(x, axis, chain_axis):
    """x as float64 (..., n_chains, n_t): time last, chains second to last (n_chains = 1 if none)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError("x must have a time axis; got a scalar")
    axis = axis % x.ndim
    if chain_axis is None:
        return np.moveaxis(x, axis, -1)[..., None, :]
    chain_axis = chain_axis % x.ndim
    if chain_axis == axis:
        raise ValueError(f"chain_axis and axis are both {axis}; give the chain index its own axis")
    return np.moveaxis(x, (chain_axis, axis), (-2, -1))


def autocorrelation(x, axis: int = -1, chain_axis: int | None = None) -> np.ndarray:
    """Normalised autocorrelation function rho(t), t = 0..n_t-1, shape (..., n_t) (time last).

    C(t) = sum_{chains c} sum_{s < n_t - t} dx_c(s) dx_c(s + t) / (n_chains (n_t - t)),
    dx = x - (mean over all chains and times); rho = C / C(0). Computed by FFT. Subtracting the
    pooled mean (not one mean per chain) lets chains that disagree show up as long correlations.
    Zero-variance series give NaN.
    """
    y = _chains_last(x, axis, chain_axis)
    n_chains, n = y.shape[-2:]
    y = y - y.mean(axis=(-2, -1), keepdims=True)
    n_fft = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(y, n=n_fft, axis=-1)
    acov = np.fft.irfft(f.real**2 + f.imag**2, n=n_fft, axis=-1)[..., :n].sum(axis=-2)
    acov /= n_chains * np.arange(n, 0, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return acov / acov[..., :1]


def tau_int(x, axis: int = -1, c: float = 5.0, chain_axis: int | None = None) -> np.ndarray:
    """Integrated autocorrelation time, Sokal's automatic windowing; float64 of x's shape less the axes.

    x: float (..., n_t) — or with ``chain_axis`` (..., n_chains, ..., n_t), independent chains of one
    length whose autocorrelations are averaged as in ``autocorrelation`` (one tau for all of them).
    tau(W) = 1/2 + sum_{t=1}^{W} rho(t), so independent samples give 0.5 and the error of the mean is
    sqrt(2 tau var / n). W is the smallest window with W >= c * tau(W) (c = 5 is usual; raise it for
    slowly decaying rho). The result is corrected for the bias of subtracting the sample mean,
    tau * (1 + (2W + 1) / n_total) (U. Wolff, Comput. Phys. Commun. 156, 143 (2004)). If no window
    qualifies the series is too short (n_t below ~ c tau) and tau(n_t - 1) is returned: an
    underestimate. NaN for constant series.
    """
    if not c > 0:
        raise ValueError(f"c must be positive, got {c}; c = 5 is the usual choice")
    rho = autocorrelation(x, axis, chain_axis)
    n = rho.shape[-1]
    n_total = n * (1 if chain_axis is None else np.shape(x)[chain_axis])
    if n < 2:
        return np.full(rho.shape[:-1], np.nan)[()]
    taus = 0.5 + np.cumsum(rho[..., 1:], axis=-1)  # tau(W) for W = 1..n-1
    window = np.arange(1, n)
    ok = window >= c * taus
    idx = np.where(ok.any(axis=-1), ok.argmax(axis=-1), n - 2)
    tau = np.take_along_axis(taus, idx[..., None], axis=-1)[..., 0]
    w = idx + 1
    return (tau * (1.0 + (2 * w + 1) / n_total))[()]


def binned(x, size: int, axis: int = -1) -> np.ndarray:
    """Means of consecutive bins of ``size`` samples along ``axis``; a remainder < size is dropped.

    x: float (..., n_t) -> (..., n_t // size). Bin each chain separately (bin along time, not along
    a flattened chain-major axis) so that no bin straddles two chains.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    y = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    n_bins = y.shape[-1] // size
    y = y[..., : n_bins * size].reshape(*y.shape[:-1], n_bins, size).mean(axis=-1)
    return np.moveaxis(y, -1, axis)


def binning_levels(x, axis: int = -1, chain_axis: int | None = None, min_bins: int = 32):
    """Error of the mean against bin size: ``(sizes int (k,), errors float64 (..., k))``.

    Bin sizes are 1, 2, 4, ... as long as at least ``min_bins`` bins remain in total (bins never
    straddle chains; level 0 is always kept). The error at each level is the standard deviation of
    all bin means (pooled over chains, about the pooled mean) over sqrt(number of bins). Plot it: it
    rises and flattens once bins are longer than the autocorrelation time.
    """
    y = _chains_last(x, axis, chain_axis)
    n_chains = y.shape[-2]
    sizes, errors = [], []
    while y.shape[-1] >= 1 and (not sizes or n_chains * y.shape[-1] >= min_bins):
        n_bins = n_chains * y.shape[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            err = y.std(axis=(-2, -1), ddof=1) / np.sqrt(n_bins) if n_bins > 1 else np.full(y.shape[:-2], np.nan)
        sizes.append(1 << len(sizes))
        errors.append(err)
        half = y.shape[-1] // 2
        y = 0.5 * (y[..., 0 : 2 * half : 2] + y[..., 1 : 2 * half : 2])
    return np.array(sizes), np.stack(errors, axis=-1)


def binning_error(x, axis: int = -1, chain_axis: int | None = None, min_bins: int = 32, n_plateau: int = 3) -> Stats:
    """Mean of ``x`` with its error by binning (blocking); vectorised over leading axes.

    x: float (..., n_t), or (..., n_chains, ..., n_t) with ``chain_axis`` (equal-length independent
    chains, pooled). Levels as in ``binning_levels``; the error is the maximum over the last
    ``n_plateau`` levels (those with the largest bins, at least ``min_bins`` bins each). This is
    conservative: the noise of those levels (~1/sqrt(2 min_bins) ~ 12%) biases it up by a few percent,
    and it still underestimates when the largest bins are not much longer than the autocorrelation
    time (then take more samples). tau_int = 0.5 * (error / naive error)^2 (NaN for constant x).
    """
    if isinstance(min_bins, bool) or not isinstance(min_bins, (int, np.integer)) or min_bins < 2:
        raise ValueError(f"min_bins must be an integer >= 2, got {min_bins!r}; 32 is usual")
    y = _chains_last(x, axis, chain_axis)
    _, errors = binning_levels(y, axis=-1, chain_axis=-2, min_bins=min_bins)
    error = errors[..., -max(1, n_plateau):].max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = 0.5 * (error / errors[..., 0]) ** 2
    return Stats(y.mean(axis=(-2, -1)), error, tau)


def jackknife(fn, *arrays, n_blocks: int = 32, axis: int = -1, bias_correct: bool = True) -> Stats:
    """Block jackknife for an estimator ``fn`` of several series sampled together.

    arrays: float (..., n) each, samples on ``axis`` (chain-major order is fine: blocks are contiguous
    runs of samples, so keep blocks longer than the autocorrelation time). ``fn(*arrays)`` receives the
    arrays with the sample axis moved last and must reduce it, returning shape (...) — e.g. the
    specific heat ``lambda e: N * beta**2 * e.var(axis=-1)`` with beta (n_T,) and e (n_T, n).

    The n samples are cut into ``n_blocks`` contiguous blocks (sizes differing by at most one; capped
    at n); fn is evaluated on all data (f) and with each block left out (f_i, mean fbar).
    error = sqrt((n_blocks - 1) / n_blocks * sum_i (f_i - fbar)^2). mean = n_blocks f - (n_blocks - 1)
    fbar when ``bias_correct`` (removes the O(1/n) bias, e.g. of a 1/n variance), else f.
    tau_int is NaN (not measured).
    """
    if not arrays:
        raise ValueError("jackknife needs at least one array of samples, e.g. jackknife(fn, energy)")
    arrays = [np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1) for a in arrays]
    n = arrays[0].shape[-1]
    if any(a.shape[-1] != n for a in arrays):
        raise ValueError(f"all arrays need the same number of samples on axis {axis}, got {[a.shape[-1] for a in arrays]}")
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 2:
        raise ValueError(f"n_blocks must be an integer >= 2, got {n_blocks!r}; 32 is usual")
    full = np.asarray(fn(*arrays), dtype=np.float64)
    n_blocks = min(n_blocks, n)
    if n_blocks < 2:
        return Stats(full, np.full(full.shape, np.nan))
    edges = np.linspace(0, n, n_blocks + 1).round().astype(int)
    keep = np.ones(n, dtype=bool)
    loo = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        keep[lo:hi] = False
        loo.append(np.asarray(fn(*(a[..., keep] for a in arrays)), dtype=np.float64))
        keep[lo:hi] = True
    loo = np.stack(loo)  # (n_blocks, ...)
    fbar = loo.mean(axis=0)
    error = np.sqrt((n_blocks - 1) / n_blocks * ((loo - fbar) ** 2).sum(axis=0))
    mean = n_blocks * full - (n_blocks - 1) * fbar if bias_correct else full
    return Stats(mean, error)
