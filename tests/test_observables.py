"""latticelab.observables on synthetic Samples with hand-computed answers."""
import numpy as np
import pytest

from latticelab import observables as obs
from latticelab.samplers.samples import Samples
from latticelab.stats import Stats
from latticelab.systems import Ising, Potts


def make_samples(energy, magnetization, T, L=4, n_chains=1, system=None):
    energy = np.asarray(energy, dtype=np.float64)
    n_T, n = energy.shape
    T = np.asarray(T, dtype=np.float64)
    return Samples(
        system=system or Ising(L=L),
        configs=np.ones((n_T, n, L, L), dtype=np.int8),
        energy=energy,
        magnetization=np.asarray(magnetization, dtype=np.float64),
        T=T,
        h=np.zeros(n_T),
        algorithm="synthetic",
        backend="numpy",
        seed=0,
        burn_in=0,
        thin=1,
        n_chains=n_chains,
        tau=np.full(n_T, np.nan),
    )


def test_per_configuration_functions_delegate_to_system():
    system = Ising(L=4)
    configs = np.ones((3, 2, 4, 4), dtype=np.int8)
    configs[1, 0, 0, 0] = -1
    np.testing.assert_array_equal(obs.energy_per_spin(system, configs), system.energy(configs))
    np.testing.assert_array_equal(obs.energy_per_spin(system, configs, h=0.5), system.energy(configs, h=0.5))
    np.testing.assert_array_equal(obs.magnetization_per_spin(system, configs), system.magnetization(configs))
    assert obs.energy_per_spin(system, configs).shape == (3, 2)
    assert obs.energy_per_spin(system, configs)[0, 0] == -2.0


def test_constant_energy_gives_zero_specific_heat():
    s = make_samples(np.full((3, 256), -1.5), np.ones((3, 256)), T=[1.0, 2.0, 3.0], n_chains=4)
    c = obs.specific_heat(s)
    assert isinstance(c, Stats) and c.mean.shape == (3,)
    np.testing.assert_allclose(c.mean, 0.0, atol=1e-12)
    np.testing.assert_allclose(c.error, 0.0, atol=1e-12)
    e = obs.energy(s)
    np.testing.assert_allclose(e.mean, -1.5)
    np.testing.assert_array_equal(e.error, 0.0)


def test_two_valued_magnetization_binder_and_susceptibility():
    rng = np.random.default_rng(0)
    m = rng.choice([-1.0, 1.0], size=(2, 512))
    s = make_samples(rng.standard_normal((2, 512)), m, T=[1.5, 2.5])
    u = obs.binder(s)
    np.testing.assert_allclose(u.mean, 2.0 / 3.0, rtol=1e-12)
    np.testing.assert_allclose(u.error, 0.0, atol=1e-12)
    np.testing.assert_allclose(obs.abs_magnetization(s).mean, 1.0)
    np.testing.assert_allclose(obs.susceptibility(s).mean, 0.0, atol=1e-12)
    np.testing.assert_allclose(obs.magnetization(s).mean, m.mean(axis=1))
    # signed (connected) chi = N beta var(m); with n_blocks = n the jackknife gives the ddof=1 variance
    chi = obs.susceptibility(s, signed=True, n_blocks=512)
    np.testing.assert_allclose(chi.mean, 16 / np.array([1.5, 2.5]) * m.var(axis=1, ddof=1))


def test_gaussian_magnetization_binder_is_zero():
    rng = np.random.default_rng(1)
    s = make_samples(np.zeros((2, 20000)), 0.3 * rng.standard_normal((2, 20000)), T=[3.0, 4.0])
    u = obs.binder(s)
    assert np.all(np.abs(u.mean) < 4 * u.error + 0.02)


def test_specific_heat_and_energy_match_hand_computation():
    rng = np.random.default_rng(2)
    T = np.array([1.0, 2.0, 4.0])
    e = -1.0 + 0.1 * rng.standard_normal((3, 4000))
    s = make_samples(e, np.zeros((3, 4000)), T=T, L=4, n_chains=8)
    hand = 16 / T**2 * e.var(axis=1, ddof=1)
    exact_err = 16 / T**2 * 0.01 * np.sqrt(2 / 4000)  # Gaussian: std of the sample variance
    c = obs.specific_heat(s)
    np.testing.assert_allclose(c.mean, hand, rtol=1e-3)
    np.testing.assert_allclose(c.error, exact_err, rtol=0.45)  # 32 blocks: ~13% noise
    small = make_samples(e[:, :300], np.zeros((3, 300)), T=T, L=4)
    np.testing.assert_allclose(obs.specific_heat(small, n_blocks=300).mean, 16 / T**2 * e[:, :300].var(axis=1, ddof=1))
    en = obs.energy(s)
    np.testing.assert_allclose(en.mean, e.mean(axis=1))
    np.testing.assert_allclose(en.error, e.std(axis=1, ddof=1) / np.sqrt(4000), rtol=0.4)
    assert en.tau_int.shape == (3,)


def test_chains_are_not_mixed_in_binning():
    # each chain constant but chains differ: the error comes from between chains only
    vals = np.repeat(np.arange(64, dtype=float), 50)[None, :]  # 64 chains x 50 samples, chain-major
    s = make_samples(vals, np.zeros_like(vals), T=[2.0], n_chains=64)
    e = obs.energy(s)
    chain_means = np.arange(64.0)
    assert e.error[0] == pytest.approx(chain_means.std(ddof=1) / np.sqrt(64), rel=0.02)
    assert e.tau_int[0] > 10


def test_summary_table_and_validation():
    rng = np.random.default_rng(3)
    m = rng.uniform(0, 1, (2, 128))
    s = make_samples(rng.normal(-1, 0.1, (2, 128)), m, T=[2.0, 3.5], n_chains=2, system=Potts(L=4, q=3))
    summ = obs.summary(s)
    assert list(summ) == ["energy", "abs_magnetization", "magnetization", "specific_heat", "susceptibility", "binder"]
    assert all(v.mean.shape == (2,) and v.error.shape == (2,) for v in summ.values())
    text = obs.table(s, summ)
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0].split() == ["T", "e", "|m|", "m", "C", "chi", "U4"]
    assert lines[2].split()[0] == "2" and lines[3].split()[0] == "3.5"
    assert "±" in lines[2]
    bad = make_samples(np.zeros((1, 10)), np.zeros((1, 10)), T=[1.0], n_chains=3)
    with pytest.raises(ValueError, match="n_chains=3"):
        obs.energy(bad)
    with pytest.raises(ValueError, match="n_chains=3"):
        obs.specific_heat(bad)
