"""ComplexPhi4: W(f) against quadrature and the check values, the dual weight on a ring against the direct integral."""
import math

import numpy as np
import pytest

from latticelab.exact.phi4_weights import log_weight_quadrature, ring_dual
from latticelab.systems.phi4 import ComplexPhi4, log_weight_table


def test_weights_match_the_check_values():
    w = np.exp(log_weight_table(4.01, 1.0)[[0, 2, 4, 6, 8]])
    ref = [1.1293311e-1, 2.3569115e-2, 9.2104804e-3, 5.1021013e-3, 3.5860076e-3]
    np.testing.assert_allclose(w, ref, rtol=2e-7)


@pytest.mark.parametrize("eta, lam", [(4.01, 1.0), (4.25, 0.5), (2.5, 1.0), (0.3, 2.0), (3.0, 0.0)])
def test_log_weights_match_quadrature_for_small_and_huge_f(eta, lam):
    table = log_weight_table(eta, lam, 5000)
    assert np.all(np.isfinite(table))
    for f in (0, 1, 2, 3, 7, 40, 333, 1000, 5000):
        assert table[f] == pytest.approx(log_weight_quadrature(f, eta, lam), rel=1e-11, abs=1e-11), f


def test_gaussian_weights_are_gamma_functions():
    table = log_weight_table(3.0, 0.0, 50)
    f = np.arange(51)
    ref = [math.lgamma(x / 2 + 1) - (x / 2 + 1) * math.log(3.0) - math.log(2.0) for x in f]
    np.testing.assert_allclose(table, ref, rtol=1e-12)


def test_ring_dual_sum_matches_the_direct_integral():
    """paper-protocols: 3-site ring, time links only, eta = 2.5, lam = 1 (Z with d^2 phi, no 1/(2 pi))."""
    r0 = ring_dual(3, 2.5, 1.0, 0.0, k_max=6, l_max=6)
    assert math.exp(r0.log_Z) * (2 * math.pi) ** 3 == pytest.approx(1.4781340534, rel=1e-8)
    assert abs(r0.density) < 1e-12
    r = ring_dual(3, 2.5, 1.0, 0.5, k_max=6, l_max=6)
    assert r.density == pytest.approx(0.11930186, abs=2e-8)
    assert r.phi2 == pytest.approx(0.35836714, abs=2e-8)


def test_system_shapes_observables_and_bad_input():
    s = ComplexPhi4(4, 6, eta=4.25, lam=1.0, mu=0.5)
    assert s.state_shape == (4, 4, 6) and s.N == 24 and s.L == 6
    x = s.cold(3)
    assert x.dtype == np.int32 and x.shape == (3, 4, 4, 6)
    assert np.all(s.divergence(x) == 0) and np.all(s.density(x) == 0)
    np.testing.assert_allclose(s.phi2(x), math.exp(s.log_weights()[2] - s.log_weights()[0]))
    # one winding loop in time at column 2: closed, density 1/Lx, f = 2 on its sites
    x[0, 0, :, 2] = 1
    assert np.all(s.divergence(x) == 0)
    assert s.density(x)[0] == pytest.approx(4 / 24)
    assert s.f(x)[0, :, 2].tolist() == [2] * 4 and s.f(x)[0, :, 1].sum() == 0
    lw = s.log_weight(x[:1])[0] - s.log_weight(x[1:2])[0]
    t = s.log_weights()
    assert lw == pytest.approx(0.5 * 4 + 4 * (t[2] - t[0]))  # e^{mu k} per link, 1/1! factors, W(2)/W(0) per site
    x[1, 1, 0, 0] = 1  # an open string: two sites with nonzero divergence
    assert np.count_nonzero(s.divergence(x[1])) == 2
    with pytest.raises(ValueError, match="eta > 0 and lam >= 0"):
        ComplexPhi4(4, 4, eta=1.0, lam=-1.0)
    with pytest.raises(ValueError, match="eta > 0 and lam >= 0"):
        ComplexPhi4(4, 4, eta=-1.0, lam=1.0)
    with pytest.raises(ValueError, match="too small"):
        ComplexPhi4(1, 4)
    with pytest.raises(ValueError, match="end in"):
        s.density(np.zeros((2, 4, 4, 4), np.int32))


def test_charge_conjugation_only_at_zero_mu():
    rng = np.random.default_rng(0)
    x = ComplexPhi4(4, 4).cold(50)
    x[:, 0, :, 1] = 1
    y = ComplexPhi4(4, 4, mu=0.0).symmetry(x, rng)
    assert set(np.unique(ComplexPhi4(4, 4).density(y))) == {-0.25, 0.25}
    assert np.array_equal(ComplexPhi4(4, 4, mu=0.3).symmetry(x, rng), x)
