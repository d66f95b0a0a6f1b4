"""The systems' energy tables, and the exact layer built from them alone (no branch on a system's type)."""
import ast
import dataclasses
import itertools
import pathlib

import numpy as np
import pytest

import latticelab
from latticelab import exact
from latticelab.exact import enumeration as enumeration_module
from latticelab.lattice import check_size, down, right
from latticelab.systems import EdwardsAnderson, Ising, LatticeSystem, Potts

SYSTEMS = [
    Ising(3, J=0.6, h=0.3), Ising(4, J=-1.0, h=-0.2), Ising(2, J=1.3), Potts(3, 3, J=1.7), Potts(4, 5),
    Potts(2, 4, J=0.6), EdwardsAnderson(4, seed=2), EdwardsAnderson(2, seed=9),
]


def table_energy(system, codes):
    """Total energies float64 (B,) of site codes int (B, L, L) from the system's tables alone."""
    horizontal, vertical = system.bond_energies()
    site = system.site_energies()
    i, j = np.meshgrid(np.arange(system.L), np.arange(system.L), indexing="ij")
    r, d = np.roll(codes, -1, axis=-1), np.roll(codes, -1, axis=-2)
    return (horizontal[i, j, codes, r] + vertical[i, j, codes, d] + site[codes]).sum(axis=(-2, -1))


def counts_of(codes, n):
    return np.stack([(codes == a).sum(axis=(-2, -1)) for a in range(n)], axis=-1).astype(np.float64)


@pytest.mark.parametrize("system", SYSTEMS, ids=repr)
def test_tables_reproduce_the_systems_energy_and_order(system):
    n, L = system.n_states, system.L
    codes = np.random.default_rng(0).integers(0, n, size=(200, L, L))
    values = system.site_values()
    assert values.shape == (n,) and values.dtype == system.state_dtype
    configs = values[codes]
    np.testing.assert_allclose(table_energy(system, codes), system.energy(configs) * system.N, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(system.order_parameter(counts_of(codes, n)), system.magnetization(configs),
                               rtol=1e-14, atol=1e-15)
    horizontal, vertical = system.bond_energies()
    assert horizontal.shape == vertical.shape == (L, L, n, n) and horizontal.dtype == np.float64
    assert not horizontal.flags.writeable and not vertical.flags.writeable
    assert system.site_energies().shape == (n,)


def test_site_codes_are_what_the_systems_store():
    rng = np.random.default_rng(1)
    for system, values in [(Ising(3), [-1, 1]), (EdwardsAnderson(3, seed=0), [-1, 1]), (Potts(3, 5), [0, 1, 2, 3, 4])]:
        assert system.site_values().tolist() == values
        assert set(np.unique(system.hot(rng, 50)).tolist()) == set(values)
        assert system.cold(1)[0, 0, 0] in values
    assert Ising(3, h=0.5).site_energies().tolist() == [0.5, -0.5]  # -h s for s = -1, +1


@pytest.mark.parametrize("system", SYSTEMS + [Ising(3), Potts(3, 4), Potts(2, 6)], ids=repr)
def test_symmetries_leave_every_table_invariant(system):
    perms = system.symmetries()
    n = system.n_states
    assert perms.dtype == np.int64 and perms.shape[1] == n and perms[0].tolist() == list(range(n))
    assert len({tuple(p) for p in perms.tolist()}) == len(perms)
    horizontal, vertical = system.bond_energies()
    for p in perms:
        assert sorted(p.tolist()) == list(range(n))
        for table in (horizontal, vertical):
            np.testing.assert_array_equal(table[:, :, p][:, :, :, p], table)
        np.testing.assert_array_equal(system.site_energies()[p], system.site_energies())


def test_declared_symmetry_groups():
    assert len(Ising(3).symmetries()) == 2 and len(Ising(3, h=0.1).symmetries()) == 1
    assert len(EdwardsAnderson(3, seed=0).symmetries()) == 2
    assert len(Potts(3, 3).symmetries()) == 6 and len(Potts(3, 4).symmetries()) == 24
    assert len(Potts(3, 5).symmetries()) == 5 and len(Potts(2, 7).symmetries()) == 7  # cyclic shifts above q = 4
    assert Ising(3).translation_invariant and Potts(3, 3).translation_invariant
    assert not EdwardsAnderson(3, seed=0).translation_invariant


def test_resized():
    assert Ising(4, J=0.6, h=-0.2).resized(6) == Ising(6, J=0.6, h=-0.2)
    assert Potts(4, 5, J=1.7).resized(3) == Potts(3, 5, J=1.7)
    ea = EdwardsAnderson(4, seed=3)
    big = ea.resized(6)
    assert big.L == 6 and big.seed == 3
    np.testing.assert_array_equal(big.Jh, EdwardsAnderson(6, seed=3).Jh)
    given = EdwardsAnderson(4, Jh=np.ones((4, 4)), Jv=np.ones((4, 4)))
    assert given.resized(4) is given
    with pytest.raises(ValueError, match="seed"):
        given.resized(6)
    with pytest.raises(ValueError):
        Ising(4).resized(1)


# the generic row path against the density-of-states paths


@pytest.mark.parametrize(
    "system",
    [Ising(4, J=0.6, h=0.3), Ising(3, J=-1.0, h=-0.4), Ising(4), Potts(3, 3, J=1.7), Potts(3, 4), Potts(2, 5, J=0.8),
     Potts(3, 2)],
    ids=repr,
)
def test_generic_path_agrees_with_the_fast_paths(system, monkeypatch):
    assert system.name in enumeration_module.FAST_LEVELS
    T = np.array([0.4, 1.0, 2.3, 5.0])
    fast = exact.enumerate(system, T)
    monkeypatch.setattr(enumeration_module, "FAST_LEVELS", {})
    generic = exact.enumerate(system, T)
    monkeypatch.setattr(enumeration_module, "_ORDER_TABLE", 0)  # the order parameter per configuration
    untabled = exact.enumerate(system, T)
    assert set(fast) == set(generic) == set(untabled)
    for key in fast:
        np.testing.assert_allclose(generic[key], fast[key], rtol=1e-10, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(untabled[key], fast[key], rtol=1e-10, atol=1e-12, err_msg=key)


# a system the exact layer has never seen: only its tables are used


@dataclasses.dataclass(frozen=True)
class BlumeCapel(LatticeSystem):
    """Spin-1 model H = -J sum_<ij> s_i s_j + D sum_i s_i^2 - h sum_i s_i, s in {-1, 0, +1} (test only)."""

    L: int
    J: float = 1.0
    D: float = 0.5
    h: float = 0.0

    name = "blume_capel_test"
    site_kind = "state"
    n_states = 3
    translation_invariant = True

    def __post_init__(self):
        object.__setattr__(self, "L", check_size(self.L))

    def site_values(self):
        return np.array([-1, 0, 1], dtype=np.int8)

    def energy(self, configs, h=None):
        s = np.asarray(configs, dtype=np.float64)
        bonds = (s * (right(s) + down(s))).sum(axis=(-2, -1))
        return (-self.J * bonds + (self.D * s * s - self.h * s).sum(axis=(-2, -1))) / self.N

    def magnetization(self, configs):
        return np.asarray(configs, dtype=np.float64).mean(axis=(-2, -1))

    def bond_energies(self):
        s = self.site_values().astype(np.float64)
        pair = np.broadcast_to(-self.J * np.outer(s, s), (self.L, self.L, 3, 3))
        return pair, pair

    def site_energies(self):
        s = self.site_values().astype(np.float64)
        return self.D * s * s - self.h * s

    def symmetries(self):
        return np.array([[0, 1, 2], [2, 1, 0]] if self.h == 0.0 else [[0, 1, 2]], dtype=np.int64)


def brute_force(system, T):
    codes = np.array(list(itertools.product(range(system.n_states), repeat=system.N))).reshape(-1, system.L, system.L)
    configs = system.site_values()[codes]
    E, m = system.energy(configs) * system.N, system.magnetization(configs)
    log_w = -E / T
    w = np.exp(log_w - log_w.max())
    avg = lambda x: (w * x).sum() / w.sum()  # noqa: E731
    return {"log_z": log_w.max() + np.log(w.sum()), "energy": avg(E) / system.N,
            "specific_heat": avg((E - avg(E)) ** 2) / (T * T * system.N), "magnetization": avg(m),
            "abs_magnetization": avg(np.abs(m)), "m2": avg(m**2), "m4": avg(m**4)}


@pytest.mark.parametrize("system", [BlumeCapel(3, J=1.0, D=0.4), BlumeCapel(3, J=-0.7, D=-0.3, h=0.25)], ids=repr)
def test_a_new_system_is_enumerated_and_transferred_from_its_tables(system):
    assert system.name not in enumeration_module.FAST_LEVELS
    T = np.array([0.6, 1.5, 4.0])
    en = exact.enumerate(system, T)
    for k, t in enumerate(T):
        want = brute_force(system, t)
        for key in want:
            assert en[key][k] == pytest.approx(want[key], rel=1e-11, abs=1e-13), key
    tm = exact.transfer_matrix(system, T)
    np.testing.assert_allclose(tm["log_z"], en["log_z"], rtol=1e-13)
    np.testing.assert_allclose(tm["energy"], en["energy"], rtol=1e-12)
    np.testing.assert_allclose(tm["specific_heat"], en["specific_heat"], rtol=1e-10)


def test_bad_tables_are_named():
    class Wrong(BlumeCapel):
        def site_energies(self):
            return np.zeros(2)

    class NotAPermutation(BlumeCapel):
        def symmetries(self):
            return np.array([[0, 1, 2], [0, 0, 2]])

    with pytest.raises(ValueError, match="site_energies"):
        exact.enumerate(Wrong(2), 1.0)
    with pytest.raises(ValueError, match="symmetries"):
        exact.transfer_matrix(NotAPermutation(2), 1.0)


def test_exact_layer_does_not_branch_on_system_types():
    plain = {"bool", "int", "float", "complex", "str", "bytes", "tuple", "list", "dict", "set", "slice", "np",
             "numbers", "np.ndarray", "np.integer", "np.floating", "np.bool_"}
    names = set()
    for path in pathlib.Path(latticelab.__file__).parent.joinpath("exact").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
                names |= {ast.unparse(n) for n in ast.walk(node.args[1]) if isinstance(n, (ast.Name, ast.Attribute))}
    assert names <= plain, names - plain
