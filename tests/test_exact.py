"""Exact references against each other: Onsager, Kaufman, enumeration, transfer matrices, systems."""
import itertools
import math

import numpy as np
import pytest

from latticelab import exact
from latticelab.exact import _onsager
from latticelab.exact import enumeration as enumeration_module
from latticelab.systems import EdwardsAnderson, Ising, Potts

TC = 2.0 / math.log(1.0 + math.sqrt(2.0))
T_BOTH_SIDES = [1.0, 1.8, 2.2, TC, 2.4, 3.0, 5.0]


def close(a, b, rtol, atol=0.0):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


# critical temperatures and the RG recursion


def test_critical_temperatures():
    assert exact.ising_tc() == pytest.approx(2.269185314, abs=1e-9)
    assert exact.ising_tc(J=0.5) == pytest.approx(0.5 * 2.269185314, abs=1e-9)
    for q, tc in [(2, 1.134593), (3, 0.994973), (4, 0.910239)]:
        assert exact.potts_tc(q) == pytest.approx(tc, abs=1e-6)
    assert exact.potts_tc(2, J=2.0) == pytest.approx(exact.ising_tc(1.0), rel=1e-15)
    assert exact.potts_tc(3, J=1.5) == pytest.approx(1.49246, abs=1e-5)  # the DCL "cos" Potts model


def test_decimation_fixed_point_and_iterates():
    beta_star = exact.decimation_fixed_point()
    assert beta_star == pytest.approx(0.506981, abs=1e-6)
    assert exact.decimation_beta(beta_star) == pytest.approx(beta_star, rel=1e-14)
    assert 1.0 / beta_star == pytest.approx(1.97246, abs=1e-5)
    beta, iterates = 0.4352, []
    for _ in range(4):
        beta = exact.decimation_beta(beta)
        iterates.append(beta)
    close(iterates, [0.40423, 0.36091, 0.30177, 0.22485], rtol=0, atol=5e-6)
    out = exact.decimation_beta(np.array([0.0, 0.4352]))
    assert out.shape == (2,) and out[0] == 0.0 and out[1] == pytest.approx(iterates[0])


# Onsager and Kaufman


def test_kaufman_check_value():
    assert math.exp(exact.ising_log_partition(1.0 / 0.6, L=4)) == pytest.approx(513383087.83, abs=0.01)


@pytest.mark.parametrize("T", T_BOTH_SIDES)
def test_kaufman_matches_enumeration_L4(T):
    e = exact.enumerate(Ising(4), T)
    assert exact.ising_log_partition(T, L=4) == pytest.approx(e["log_z"], rel=1e-13)
    assert exact.ising_energy_per_spin(T, L=4) == pytest.approx(e["energy"], rel=1e-12)
    assert exact.ising_specific_heat(T, L=4) == pytest.approx(e["specific_heat"], rel=1e-11)
    assert exact.ising_free_energy(T, L=4) == pytest.approx(-T * e["log_z"] / 16, rel=1e-13)


@pytest.mark.parametrize("L", [2, 3, 5, 6])
def test_kaufman_matches_transfer_matrix(L):
    T = np.array([1.2, 2.1, TC, 2.5, 4.0])
    tm = exact.transfer_matrix(Ising(L, J=0.8), 0.8 * T)
    close(exact.ising_log_partition(0.8 * T, L, J=0.8), tm["log_z"], rtol=1e-13)
    close(exact.ising_energy_per_spin(0.8 * T, L, J=0.8), tm["energy"], rtol=1e-12)
    close(exact.ising_specific_heat(0.8 * T, L, J=0.8), tm["specific_heat"], rtol=1e-10)


def test_kaufman_large_L_converges_to_onsager():
    T = np.array([1.5, 2.0, 2.6, 3.5])
    close(exact.ising_energy_per_spin(T, L=256), exact.ising_energy_per_spin(T), rtol=1e-12)
    close(exact.ising_specific_heat(T, L=256), exact.ising_specific_heat(T), rtol=1e-12)
    # above Tc the free energies agree; below, the finite lattice has the extra ln 2 of its two ground states
    shift = np.where(T < TC, -T * math.log(2.0) / 256**2, 0.0)
    close(exact.ising_free_energy(T, L=256) - exact.ising_free_energy(T), shift, rtol=1e-6, atol=1e-13)


def test_kaufman_precision_against_high_precision_arithmetic():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    L, K = 128, 0.45

    def log_z(k):
        c = mp.cosh(2 * k) / mp.tanh(2 * k)
        g = [2 * k + mp.log(mp.tanh(k))] + [mp.acosh(c - mp.cos(mp.pi * j / L)) for j in range(1, 2 * L)]
        odd, even = [g[2 * r + 1] for r in range(L)], [g[2 * r] for r in range(L)]
        terms = [mp.fprod(2 * f(L * x / 2) for x in xs) for xs in (odd, even) for f in (mp.cosh, mp.sinh)]
        return mp.log(0.5) + L * L / 2 * mp.log(2 * mp.sinh(2 * k)) + mp.log(mp.fsum(terms))

    Km = mp.mpf(K)
    energy = -mp.diff(log_z, Km) / L**2
    heat = K**2 * mp.diff(log_z, Km, 2) / L**2
    assert exact.ising_energy_per_spin(1.0 / K, L=L) == pytest.approx(float(energy), rel=1e-12)
    assert exact.ising_specific_heat(1.0 / K, L=L) == pytest.approx(float(heat), rel=1e-11)


def test_onsager_at_and_around_tc():
    assert exact.ising_energy_per_spin(TC) == pytest.approx(-math.sqrt(2.0), rel=1e-15)
    c = exact.ising_specific_heat(TC)  # log divergence: +inf where sinh(2K) == 1 exactly, else large
    assert math.isinf(c) or c > 10
    assert math.isinf(_onsager.specific_heat(np.array([0.5 * math.log1p(math.sqrt(2.0))]))[0])
    assert exact.ising_magnetization([2.3, 3.0, TC]).tolist() == [0.0, 0.0, 0.0]
    m = exact.ising_magnetization(np.array([1.0, 2.0, 2.26]))
    assert np.all(np.diff(m) < 0) and m[0] == pytest.approx((1 - math.sinh(2.0) ** -4) ** 0.125, rel=1e-15)
    assert m[2] < 0.7


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("L", [None, 4, 32])
def test_extreme_temperatures_stay_finite_and_accurate(L):
    T = np.array([0.004, 0.05, 0.5, 50.0, 1e3, 1e6])
    e, c = exact.ising_energy_per_spin(T, L=L), exact.ising_specific_heat(T, L=L)
    assert np.all(np.isfinite(e)) and np.all(c >= 0) and np.all(np.isfinite(exact.ising_free_energy(T, L=L)))
    assert e[0] == -2.0 and c[0] == 0.0
    if L is None:
        assert e[-1] == pytest.approx(-2e-6, rel=1e-11)  # u = -2K + O(K^3) at high T
    else:  # Kaufman's ln Z cancels ~ N / K at high T: relative accuracy ~ 1e-16 / K^2
        tm = exact.transfer_matrix(Ising(min(L, 8)), 1e3)["energy"]
        assert e[-2] == pytest.approx(tm if L == 4 else exact.ising_energy_per_spin(1e3), rel=1e-9)


@pytest.mark.parametrize("T", [1.0, 1.8, 2.2, 2.35, 3.0, 5.0])
def test_onsager_specific_heat_is_derivative_of_energy(T):
    def u(t):
        return exact.ising_energy_per_spin(t)

    h = 1e-3 * T
    d1 = (u(T + h) - u(T - h)) / (2 * h)
    d2 = (u(T + 2 * h) - u(T - 2 * h)) / (4 * h)
    richardson = (4 * d1 - d2) / 3
    assert exact.ising_specific_heat(T) == pytest.approx(richardson, rel=1e-7)


def test_onsager_free_energy_consistent_with_energy():
    T = 2.8
    h = 1e-3

    def beta_f(t):
        return exact.ising_free_energy(t) / t

    def derivative(step):  # d(beta f)/d beta = u
        return (beta_f(1 / (1 / T + step)) - beta_f(1 / (1 / T - step))) / (2 * step)

    richardson = (4 * derivative(h) - derivative(2 * h)) / 3
    assert richardson == pytest.approx(exact.ising_energy_per_spin(T), rel=1e-8)


def test_finite_size_specific_heat_peak():
    T = np.linspace(2.0, 2.8, 801)
    peaks = []
    for L in [8, 16, 32, 64, 128]:
        c = exact.ising_specific_heat(T, L=L)
        i = int(np.argmax(c))
        assert 0 < T[i] - TC < 1.0 / L  # shifted just above Tc, by about 0.75 / L
        peaks.append(c[i])
    growth = np.diff(peaks)  # Ferdinand-Fisher: C_max ~ (8 / pi) K_c^2 ln L + const + O(ln L / L)
    asymptote = (8 / math.pi) * (0.5 * math.log(1 + math.sqrt(2))) ** 2 * math.log(2.0)
    assert np.all(np.diff(growth) < 0) and np.all(growth > asymptote)
    assert growth[-1] == pytest.approx(asymptote, rel=0.01)


# enumeration and transfer matrices


def _brute_force(system, T):
    """Averages over all configurations using the systems' own energy and magnetization."""
    N = system.N
    configs = np.array(list(itertools.product(range(system.n_states), repeat=N)), dtype=np.int8)
    if not isinstance(system, Potts):
        configs = (1 - 2 * configs).astype(np.int8)
    configs = configs.reshape(-1, system.L, system.L)
    E, m = system.energy(configs) * N, system.magnetization(configs)
    log_w = -E / T
    w = np.exp(log_w - log_w.max())
    Z = w.sum()
    avg = lambda x: (w * x).sum() / Z  # noqa: E731
    var = avg((E - avg(E)) ** 2)
    return {
        "log_z": log_w.max() + math.log(Z), "energy": avg(E) / N, "energy2": avg((E / N) ** 2),
        "specific_heat": var / (T * T * N), "magnetization": avg(m), "abs_magnetization": avg(np.abs(m)),
        "m2": avg(m**2), "m4": avg(m**4), "susceptibility": N / T * (avg(m**2) - avg(np.abs(m)) ** 2),
        "binder": 1 - avg(m**4) / (3 * avg(m**2) ** 2),
    }


@pytest.mark.parametrize(
    "system",
    [Ising(3, J=1.0, h=0.3), Ising(2, J=-0.7, h=0.1), Potts(3, 3), Potts(2, 4, J=0.6), EdwardsAnderson(3, seed=5)],
    ids=repr,
)
@pytest.mark.parametrize("T", [0.7, 2.0, 4.5])
def test_enumerate_agrees_with_the_systems(system, T):
    got, want = exact.enumerate(system, T), _brute_force(system, T)
    assert set(got) == set(want)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-11, abs=1e-13), key


@pytest.mark.parametrize(
    "system", [Ising(4, h=0.3), Ising(4, J=0.5, h=-1.1), Potts(4, 3), Potts(3, 4, J=1.5), EdwardsAnderson(4, seed=1)],
    ids=repr,
)
def test_transfer_matrix_matches_enumeration(system):
    T = np.array([0.1, 0.5, 1.0, 2.0, 2.5, 4.0])
    tm, en = exact.transfer_matrix(system, T), exact.enumerate(system, T)
    close(tm["log_z"], en["log_z"], rtol=1e-13)
    close(tm["free_energy"], -T * en["log_z"] / system.N, rtol=1e-13)
    close(tm["energy"], en["energy"], rtol=1e-12)
    close(tm["specific_heat"], en["specific_heat"], rtol=1e-10)


def test_potts_q2_is_ising_with_half_the_coupling():
    # delta(s, s') = (1 + s s') / 2, so H_Potts(J=2) = H_Ising(J=1) - 2N (2N bonds)
    T = np.array([1.0, 2.0, TC, 3.0])
    potts, ising = exact.enumerate(Potts(4, 2, J=2.0), T), exact.enumerate(Ising(4), T)
    N = 16
    close(potts["energy"], ising["energy"] - 2.0, rtol=1e-13)
    close(potts["log_z"], ising["log_z"] + 2.0 * N / T, rtol=1e-13)
    close(potts["specific_heat"], ising["specific_heat"], rtol=1e-11)
    close(potts["magnetization"], ising["abs_magnetization"], rtol=1e-13)  # (2 max n / N - 1) = |m|
    close(exact.transfer_matrix(Potts(6, 2, J=2.0), T)["energy"], exact.ising_energy_per_spin(T, L=6) - 2.0, rtol=1e-12)


def test_enumerate_limits_and_symmetries():
    N = 16
    hot = exact.enumerate(Ising(4), 1e12)
    assert hot["m2"] == pytest.approx(1.0 / N, rel=1e-9)
    assert hot["binder"] == pytest.approx(2.0 / (3 * N), rel=1e-8)  # <M^4> = 3N^2 - 2N at beta = 0
    cold = exact.enumerate(Ising(4), 0.05)
    assert cold["energy"] == pytest.approx(-2.0) and cold["binder"] == pytest.approx(2.0 / 3.0)
    assert abs(cold["magnetization"]) < 1e-12 and cold["abs_magnetization"] == pytest.approx(1.0)
    up, down = exact.enumerate(Ising(4, h=0.2), 2.5), exact.enumerate(Ising(4, h=-0.2), 2.5)
    assert up["magnetization"] > 0.3 and up["magnetization"] == pytest.approx(-down["magnetization"], rel=1e-13)
    potts = exact.enumerate(Potts(4, 3), [0.1, 50.0])
    assert potts["magnetization"][0] == pytest.approx(1.0, abs=1e-6) and potts["magnetization"][1] < 0.3


def test_potts_count_code_and_max_paths_agree(monkeypatch):
    fast = enumeration_module._potts_dos(3, 3)
    enumeration_module._potts_dos.cache_clear()
    monkeypatch.setattr(enumeration_module, "_CODE_BINS", 0)
    try:
        slow = enumeration_module._potts_dos(3, 3)
    finally:
        enumeration_module._potts_dos.cache_clear()
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


def test_edwards_anderson_enumeration_uses_the_given_couplings():
    rng = np.random.default_rng(7)
    Jh, Jv = rng.standard_normal((2, 4, 4))
    a = exact.enumerate(EdwardsAnderson(4, Jh=Jh, Jv=Jv), [0.3, 1.0])
    b = exact.enumerate(EdwardsAnderson(4, Jh=Jh, Jv=2 * Jv), [0.3, 1.0])
    assert not np.allclose(a["energy"], b["energy"])
    assert np.all(np.abs(a["magnetization"]) < 1e-12)  # h = 0: spin-flip symmetric


# return types and bad input


def test_shapes_and_types():
    assert isinstance(exact.ising_energy_per_spin(2.0), float)
    assert isinstance(exact.ising_specific_heat(2.0, L=8), float)
    grid = np.full((2, 3), 2.5)
    functions = (exact.ising_energy_per_spin, exact.ising_specific_heat, exact.ising_free_energy, exact.ising_magnetization)
    for f in functions:
        out = f(grid)
        assert out.shape == (2, 3) and out.dtype == np.float64
    assert exact.ising_log_partition([2.0, 3.0], L=4).shape == (2,)
    res = exact.enumerate(Ising(2), [1.0, 2.0])
    assert all(v.shape == (2,) and v.dtype == np.float64 for v in res.values())
    assert all(isinstance(v, float) for v in exact.transfer_matrix(Ising(3), 2.0).values())


@pytest.mark.parametrize("bad_T", [0.0, -1.0, float("nan"), float("inf"), [2.0, 0.0], []])
def test_bad_temperatures(bad_T):
    for call in (
        lambda: exact.ising_energy_per_spin(bad_T),
        lambda: exact.ising_specific_heat(bad_T, L=4),
        lambda: exact.enumerate(Ising(2), bad_T),
        lambda: exact.transfer_matrix(Ising(2), bad_T),
    ):
        with pytest.raises(ValueError, match="T"):
            call()


def test_bad_arguments():
    with pytest.raises(TypeError):
        exact.ising_energy_per_spin("hot")
    with pytest.raises(ValueError):
        exact.ising_energy_per_spin(2.0, L=1)
    with pytest.raises(TypeError):
        exact.ising_energy_per_spin(2.0, L=2.5)
    with pytest.raises(ValueError, match="J > 0"):
        exact.ising_energy_per_spin(2.0, J=-1.0)
    with pytest.raises(ValueError, match="finite L"):
        exact.ising_log_partition(2.0, None)
    with pytest.raises(ValueError):
        exact.potts_tc(1)
    with pytest.raises(TypeError):
        exact.potts_tc(2.5)
    with pytest.raises(ValueError, match="transfer_matrix"):
        exact.enumerate(Potts(4, 4), 1.0)
    with pytest.raises(ValueError, match="Kaufman"):
        exact.transfer_matrix(Ising(13), 2.0)
    with pytest.raises(TypeError):
        exact.enumerate("Ising", 2.0)
    with pytest.raises(ValueError):
        exact.decimation_beta(-0.1)
    with pytest.raises(TypeError):
        exact.decimation_beta("x")
