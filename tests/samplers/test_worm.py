"""The worm sampler of ComplexPhi4: closed samples, an exact enumeration at mu != 0, a direct simulation of phi at
mu = 0, and the silver blaze. Errors come from the spread of independent chains' means."""
import numpy as np
import pytest

import latticelab.samplers.worm  # noqa: F401  (registers algorithm='worm')
from latticelab.exact.phi4_weights import direct_phi_metropolis, enumerate_dual
from latticelab.samplers.chain import Chain
from latticelab.samplers.dual import sample_dual
from latticelab.systems.phi4 import ComplexPhi4


def _chain_means(system, n_chains, sweeps, *, seed, burn_in=200, every=2, **options):
    """float64 (n_chains, 3): per chain the mean density, |phi|^2 and |phi|^4 estimators over ``sweeps`` measurements."""
    c = Chain(system, 1.0, n_chains, algorithm="worm", seed=seed, start="cold", **options)
    c.step(burn_in)
    acc = np.zeros((n_chains, 3))
    for _ in range(sweeps):
        c.step(every)
        x = c.configs[0]
        assert np.all(system.divergence(x) == 0)
        acc += np.stack([system.density(x), system.moment(x, 1), system.moment(x, 2)], axis=1)
    return acc / sweeps


def _agree(means, ref, sigmas=4.0):
    err = means.std(axis=0, ddof=1) / np.sqrt(len(means))
    z = (means.mean(axis=0) - np.asarray(ref)) / err
    assert np.all(np.abs(z) < sigmas), (means.mean(axis=0), err, ref)
    return err


def test_every_sample_is_closed_and_f_stays_far_below_the_table():
    s = ComplexPhi4(8, 8, eta=4.01, lam=1.0, mu=1.5)
    d = sample_dual(s, 64, burn_in=100, thin=5, seed=0)
    assert d.k.shape == d.l.shape == (64, 2, 8, 8) and d.k.dtype == np.int32
    assert np.all(s.divergence(d.configs) == 0) and np.all(d.l >= 0)
    assert s.f(d.configs).max() < 200
    np.testing.assert_allclose(d.density, d.k[:, 0].sum(axis=(1, 2)) / 64)
    assert d.density.mean() > 1.0  # well above the onset


@pytest.mark.parametrize("mu", [0.0, 0.7])
def test_truncated_ensemble_matches_exact_enumeration(mu):
    """With W cut at f = 3 the worm samples the closed configurations with f_x <= 2 exactly (detailed balance
    with every factor of the weight: e^mu, factorials, odd f while open); 2 x 2 lattice, enumerated."""
    s = ComplexPhi4(2, 2, eta=4.5, lam=1.0, mu=mu)
    exact = enumerate_dual(s, k_max=1, l_max=1, f_max=2)
    means = _chain_means(s, 32, 1500, seed=11, f_max=3)
    _agree(means[:, :2], [exact.density, exact.phi2])
    if mu:
        assert exact.density > 0.05  # the test can see mu


def test_mu_zero_agrees_with_a_direct_simulation_of_phi():
    s = ComplexPhi4(4, 4, eta=4.25, lam=1.0, mu=0.0)
    worm = _chain_means(s, 32, 1500, seed=5)
    direct = direct_phi_metropolis(4, 4, 4.25, 1.0, 64, 2500, seed=6)
    d_mean, d_err = direct.mean(axis=0), direct.std(axis=0, ddof=1) / np.sqrt(len(direct))
    w_mean, w_err = worm[:, 1:].mean(axis=0), worm[:, 1:].std(axis=0, ddof=1) / np.sqrt(len(worm))
    z = (w_mean - d_mean) / np.hypot(w_err, d_err)
    assert np.all(np.abs(z) < 4), (w_mean, d_mean, w_err, d_err)
    assert abs(worm[:, 0].mean()) < 4 * worm[:, 0].std(ddof=1) / np.sqrt(len(worm)) + 1e-12
    # sensitivity: a 3% change of eta moves <|phi|^2> by many error bars
    other = _chain_means(ComplexPhi4(4, 4, eta=4.25 * 1.03, lam=1.0), 32, 1500, seed=5)
    assert abs(other[:, 1].mean() - d_mean[0]) > 5 * np.hypot(w_err[0], d_err[0])


def test_silver_blaze_density_stays_zero_below_the_onset():
    """Long time extent: n ~ 0 for mu below the onset although the weights change with mu; n > 0 above it."""
    dens = {}
    for mu in (0.0, 0.4, 1.5):
        d = sample_dual(ComplexPhi4(32, 4, eta=4.01, lam=1.0, mu=mu), 128, burn_in=200, thin=4, seed=1)
        dens[mu] = d.density.mean()
    assert abs(dens[0.0]) < 0.01 and abs(dens[0.4]) < 0.01
    assert dens[1.5] > 0.5


def test_worm_refuses_spins_and_temperatures():
    import latticelab as ll

    with pytest.raises(ValueError, match="dual link fields"):
        Chain(ll.Ising(L=4), 2.0, 2, algorithm="worm")
    with pytest.raises(ValueError, match="no temperature"):
        Chain(ComplexPhi4(4, 4), 2.0, 2, algorithm="worm")


def test_same_seed_same_samples():
    s = ComplexPhi4(6, 4, eta=4.1, lam=1.0, mu=1.0)
    a, b = (sample_dual(s, 32, burn_in=30, thin=2, seed=9) for _ in range(2))
    assert np.array_equal(a.k, b.k) and np.array_equal(a.l, b.l)
