"""latticelab.stats against exact results for AR(1) and Gaussian series."""
import numpy as np
import pytest
from scipy.signal import lfilter

from latticelab import stats
from latticelab.stats import Stats, binned, binning_error, binning_levels, format_pm, jackknife, tau_int


def ar1(rng, a, shape):
    """Stationary AR(1) x_t = a x_{t-1} + z_t, z ~ N(0, 1); var = 1 / (1 - a^2), tau_int = (1 + a) / (2 (1 - a))."""
    z = rng.standard_normal(shape)
    z[..., 0] /= np.sqrt(1.0 - a * a)
    return lfilter([1.0], [1.0, -a], z, axis=-1)


def ar1_tau(a):
    return (1.0 + a) / (2.0 * (1.0 - a))


# ---- tau_int ----------------------------------------------------------------------------------


def test_tau_int_ar1_matches_exact_per_row():
    rng = np.random.default_rng(1)
    x = ar1(rng, 0.9, (6, 2**18))
    tau = tau_int(x)
    assert tau.shape == (6,)
    np.testing.assert_allclose(tau, ar1_tau(0.9), rtol=0.10)


def test_tau_int_iid_is_half():
    rng = np.random.default_rng(2)
    tau = tau_int(rng.standard_normal((4, 3, 20000)))
    assert tau.shape == (4, 3)
    np.testing.assert_allclose(tau, 0.5, atol=0.06)


def test_tau_int_pools_chains_and_respects_axis():
    rng = np.random.default_rng(3)
    x = ar1(rng, 0.8, (32, 2**13))  # 32 chains
    pooled = tau_int(x, chain_axis=0)
    assert np.ndim(pooled) == 0
    assert pooled == pytest.approx(ar1_tau(0.8), rel=0.10)
    # time on axis 0, chains on axis 1, and an extra leading batch axis
    xt = np.stack([x.T, x.T[:, ::-1]])  # (2, n_t, 32)
    both = tau_int(xt, axis=1, chain_axis=2)
    assert both.shape == (2,)
    np.testing.assert_allclose(both, pooled, rtol=1e-10)


def test_tau_int_pooled_mean_sees_disagreeing_chains():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 4000)) + np.where(np.arange(8) % 2, 3.0, -3.0)[:, None]  # stuck in two modes
    assert tau_int(x, chain_axis=0) > 50.0


def test_tau_int_constant_is_nan_and_rejects_bad_c():
    assert np.isnan(tau_int(np.ones(100)))
    with pytest.raises(ValueError, match="c must be positive"):
        tau_int(np.zeros(10), c=0.0)


def test_autocorrelation_ar1():
    rng = np.random.default_rng(5)
    rho = stats.autocorrelation(ar1(rng, 0.5, 2**17))
    assert rho[0] == 1.0
    np.testing.assert_allclose(rho[1:5], 0.5 ** np.arange(1, 5), atol=0.02)


# ---- binning -----------------------------------------------------------------------------------


def test_binning_error_ar1_matches_exact_asymptotic_error():
    rng = np.random.default_rng(6)
    a, n = 0.8, 2**16
    x = ar1(rng, a, (16, n))
    st = binning_error(x)
    exact = np.sqrt(2.0 * ar1_tau(a) / (1.0 - a * a) / n)
    ratio = st.error / exact
    assert st.error.shape == (16,)
    assert 0.95 < ratio.mean() < 1.12  # max over the plateau is mildly conservative
    assert np.all((ratio > 0.7) & (ratio < 1.4))
    np.testing.assert_allclose(st.mean, x.mean(axis=-1))
    assert 0.95 * ar1_tau(a) < np.mean(st.tau_int) < 1.25 * ar1_tau(a)


def test_binning_error_iid_equals_naive_error_roughly():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 5000))
    st = binning_error(x)
    naive = x.std(axis=-1, ddof=1) / np.sqrt(5000)
    np.testing.assert_allclose(st.error, naive, rtol=0.4)  # noise of ~32-bin levels, max of three
    assert np.all((st.tau_int > 0.25) & (st.tau_int < 1.0))


def test_binning_levels_sizes_and_chains():
    x = np.arange(2 * 100, dtype=float).reshape(2, 100)
    sizes, errors = binning_levels(x, chain_axis=0, min_bins=32)
    # 2 chains x 100 samples: bins of 1, 2, 4 leave 200, 100, 50 bins; size 8 would leave 24
    np.testing.assert_array_equal(sizes, [1, 2, 4])
    assert errors.shape == (3,)
    assert errors[0] == pytest.approx(x.std(ddof=1) / np.sqrt(200))
    b = binned(x, 4)  # per chain, never straddling
    assert b.shape == (2, 25)
    assert b[1, 0] == pytest.approx(np.mean(x[1, :4]))


def test_binning_error_chain_axis_and_short_series():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 40, 64))  # (n_T, n_chains, n_t)
    st = binning_error(x, chain_axis=1)
    assert st.mean.shape == (5,)
    np.testing.assert_allclose(st.mean, x.mean(axis=(1, 2)))
    short = binning_error(np.array([1.0, 2.0, 3.0]))
    assert short.error == pytest.approx(np.std([1, 2, 3], ddof=1) / np.sqrt(3))
    const = binning_error(np.full((2, 100), 3.0))
    np.testing.assert_array_equal(const.error, 0.0)
    assert np.all(np.isnan(const.tau_int))


# ---- jackknife ---------------------------------------------------------------------------------


def test_jackknife_of_mean_with_single_blocks_is_standard_error():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 200))
    st = jackknife(lambda y: y.mean(axis=-1), x, n_blocks=200)
    np.testing.assert_allclose(st.mean, x.mean(axis=-1))
    np.testing.assert_allclose(st.error, x.std(axis=-1, ddof=1) / np.sqrt(200))
    assert np.all(np.isnan(st.tau_int))


def test_jackknife_bias_correction_of_variance():
    rng = np.random.default_rng(10)
    x = rng.standard_normal(300)
    corrected = jackknife(lambda y: y.var(axis=-1), x, n_blocks=300)
    assert corrected.mean == pytest.approx(x.var(ddof=1))
    raw = jackknife(lambda y: y.var(axis=-1), x, n_blocks=300, bias_correct=False)
    assert raw.mean == pytest.approx(x.var())


def test_jackknife_variance_error_matches_gaussian_analytic():
    rng = np.random.default_rng(11)
    n, sigma = 2000, 1.7
    x = sigma * rng.standard_normal((200, n))
    st = jackknife(lambda y: y.var(axis=-1), x, n_blocks=50)
    analytic = sigma**2 * np.sqrt(2.0 / (n - 1))  # std of the sample variance of Gaussian data
    assert st.error.shape == (200,)
    assert np.mean(st.error) == pytest.approx(analytic, rel=0.05)
    assert np.std(st.mean) == pytest.approx(analytic, rel=0.15)
    assert np.mean(st.mean) == pytest.approx(sigma**2, abs=3 * analytic / np.sqrt(200))


def test_jackknife_several_arrays_axis_and_validation():
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((2, 100, 4))  # samples on axis 0
    st = jackknife(lambda u, v: (u * v).mean(-1) - u.mean(-1) * v.mean(-1), a, b, axis=0, n_blocks=10)
    assert st.mean.shape == (4,)
    with pytest.raises(ValueError, match="same number of samples"):
        jackknife(lambda u, v: u.mean(-1), a, b[:50], axis=0)
    with pytest.raises(ValueError, match="n_blocks"):
        jackknife(lambda u: u.mean(-1), a, n_blocks=1)
    with pytest.raises(ValueError, match="at least one array"):
        jackknife(lambda: 0.0)


# ---- Stats -------------------------------------------------------------------------------------


def test_stats_shapes_indexing_and_printing():
    st = Stats(np.array([1.23456, -0.5]), np.array([0.0123, 0.2]), 0.5)
    assert st.shape == (2,) and len(st) == 2
    np.testing.assert_array_equal(st.tau_int, [0.5, 0.5])
    one = st[0]
    assert one.shape == () and float(one.mean) == 1.23456
    assert str(one) == "1.235 ± 0.012"
    assert str(st) == "[1.235 ± 0.012, -0.50 ± 0.20]"
    assert repr(one).startswith("Stats(1.235 ± 0.012, tau_int=0.5")
    np.testing.assert_allclose(st.zscore([1.23456, 0.1]), [0.0, -3.0])
    with pytest.raises(ValueError):
        st.mean[0] = 2.0  # read-only
    with pytest.raises(ValueError, match="does not broadcast"):
        Stats(np.zeros(3), np.zeros(2))
    with pytest.raises(IndexError):
        one[0]


def test_format_pm_edge_cases():
    assert format_pm(12345.0, 300.0) == "12345 ± 300"
    assert format_pm(0.5, 0.0) == "0.5 ± 0"
    assert format_pm(0.5, np.nan) == "0.5 ± nan"
    assert format_pm(2.0, 0.123, digits=1) == "2.0 ± 0.1"
