"""Bad input that test_validation does not cover: NaN and infinite parameters, Wolff on
non-ferromagnets, bad starts and chain counts, the Chain's setters, and the viewer's size range.
Each case names the exception type it expects and a word of the message that says how to fix it."""
import numpy as np
import pytest

import latticelab as ll

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "make",
    [
        lambda: ll.Ising(4, J=NAN),
        lambda: ll.Ising(4, J=INF),
        lambda: ll.Ising(4, J=-INF),
        lambda: ll.Ising(4, h=INF),
        lambda: ll.Ising(4, h=-INF),
        lambda: ll.Potts(4, 3, J=NAN),
        lambda: ll.Potts(4, 3, J=INF),
        lambda: ll.EdwardsAnderson(4, Jh=np.full((4, 4), np.nan), Jv=np.ones((4, 4))),
        lambda: ll.EdwardsAnderson(4, Jh=np.ones((4, 4)), Jv=np.full((4, 4), -np.inf)),
    ],
    ids=["ising-J-nan", "ising-J-inf", "ising-J--inf", "ising-h-inf", "ising-h--inf", "potts-J-nan", "potts-J-inf",
         "ea-Jh-nan", "ea-Jv--inf"],
)
def test_non_finite_couplings_and_fields_are_refused(make):
    with pytest.raises(ValueError, match="finite"):
        make()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(T=NAN), "finite"),
        (dict(T=[2.0, NAN]), "finite"),
        (dict(h=NAN), "finite"),
        (dict(h=INF), "finite"),
        (dict(h=-INF), "finite"),
        (dict(T=[2.0, 3.0], h=[0.1, NAN]), "finite"),
        (dict(start="warm"), "hot"),
        (dict(start=None), "hot"),
        (dict(n_chains=0), ">= 1"),
        (dict(n_chains=-4), ">= 1"),
        (dict(n_chains=8), "divide"),  # more chains than samples
    ],
    ids=lambda v: repr(v) if isinstance(v, dict) else "",
)
def test_bad_sample_arguments(kwargs, match):
    args = dict(system=ll.Ising(4), T=2.0, n_samples=4, burn_in=1, thin=1, algorithm="metropolis")
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ll.sample(**args)


def test_n_chains_must_be_an_integer():
    with pytest.raises(TypeError, match="integer"):
        ll.sample(ll.Ising(4), 2.0, 4, n_chains=2.0, burn_in=1, thin=1)


@pytest.mark.parametrize(
    "system", [ll.Ising(4, J=-1.0), ll.Ising(4, J=0.0), ll.Potts(4, 3, J=-1.7), ll.Potts(4, 2, J=0.0)], ids=repr
)
def test_wolff_needs_a_ferromagnet(system):
    with pytest.raises(ValueError, match=r"J > 0.*metropolis"):
        ll.sample(system, 2.0, 4, algorithm="wolff", burn_in=1, thin=1)
    with pytest.raises(ValueError, match=r"J > 0.*metropolis"):
        ll.Chain(system, 2.0, algorithm="wolff")
    assert ll.Chain(system, 2.0).algorithm == "metropolis"  # 'auto' falls back


@pytest.mark.parametrize("n_chains, exc", [(0, ValueError), (-1, ValueError), (1.5, TypeError)])
def test_chain_needs_at_least_one_chain(n_chains, exc):
    with pytest.raises(exc, match="n_chains"):
        ll.Chain(ll.Ising(4), 2.0, n_chains=n_chains)


def test_chain_start_and_reset_refuse_unknown_starts():
    with pytest.raises(ValueError, match="hot"):
        ll.Chain(ll.Ising(4), 2.0, start="up")
    c = ll.Chain(ll.Ising(4), 2.0, algorithm="metropolis", seed=0, start="cold")
    with pytest.raises(ValueError, match="cold"):
        c.reset("warm")
    assert np.all(c.configs == 1)  # the refused reset left the state alone


@pytest.mark.parametrize(
    "value, match",
    [(NAN, "finite"), (INF, "finite"), ([0.1, NAN], "finite"), ([0.1, 0.2, 0.3], "one entry per temperature"),
     (np.zeros((2, 1)), "one entry per temperature")],
    ids=["nan", "inf", "one-nan", "too-long", "2d"],
)
def test_chain_h_setter_refuses_bad_fields_and_keeps_the_old_one(value, match):
    c = ll.Chain(ll.Ising(4), [2.0, 3.0], algorithm="metropolis", seed=0)
    c.h = [0.2, -0.1]
    with pytest.raises(ValueError, match=match):
        c.h = value
    np.testing.assert_array_equal(c.h, [0.2, -0.1])


@pytest.mark.parametrize("system", [ll.Potts(4, 3), ll.EdwardsAnderson(4, seed=0)], ids=["potts", "ea"])
def test_chain_h_setter_refuses_a_field_without_ising(system):
    c = ll.Chain(system, [2.0], algorithm="metropolis", seed=0)
    with pytest.raises(ValueError, match="Ising"):
        c.h = 0.5
    c.h = 0.0  # zero field is no field: accepted
    np.testing.assert_array_equal(c.h, [0.0])


@pytest.mark.parametrize("value", [NAN, [2.0, NAN], 0.0, -1.0])
def test_chain_T_setter_refuses_bad_temperatures(value):
    c = ll.Chain(ll.Ising(4), [2.0, 3.0], algorithm="metropolis", seed=0)
    with pytest.raises(ValueError, match="finite"):
        c.T = value
    np.testing.assert_array_equal(c.T, [2.0, 3.0])


# -- the viewer: L must be even, from 4 to 2048 ------------------------------------------------
@pytest.mark.parametrize("L", [2, 7, 2050, 4096])
def test_viewer_refuses_sizes_outside_its_range(L):
    traitlets = pytest.importorskip("traitlets")
    from latticelab.widgets import LatticeViewer

    v = LatticeViewer(L=16)
    with pytest.raises(traitlets.TraitError, match="from 4 to 2048"):
        v.L = L
    assert v.L == 16 and v.chain.system.L == 16  # the running chain was kept


@pytest.mark.parametrize("L, exc, match", [(2, "TraitError", "from 4 to 2048"), (1, ValueError, "L >= 2"),
                                           (7, ValueError, "odd")])
def test_viewer_constructor_refuses_sizes_outside_its_range(L, exc, match):
    traitlets = pytest.importorskip("traitlets")
    from latticelab.widgets import LatticeViewer

    with pytest.raises(traitlets.TraitError if exc == "TraitError" else exc, match=match):
        LatticeViewer(L=L)


@pytest.mark.parametrize("L, match", [(1, "L >= 2"), (0, "L >= 2"), (5, "odd")])
def test_runner_refuses_sizes_the_lattice_cannot_take(L, match):
    from latticelab.widgets._runner import Runner

    with pytest.raises(ValueError, match=match):
        Runner(L=L, algorithm="metropolis")
    r = Runner(L=8)
    with pytest.raises(ValueError, match=match):
        r.rebuild(L=L)


def test_runner_keeps_a_consistent_state_after_a_refused_rebuild():
    from latticelab.widgets._runner import Runner

    r = Runner(L=8, algorithm="metropolis")
    with pytest.raises(ValueError, match="odd"):
        r.rebuild(L=5)
    assert r.L == r.chain.system.L == 8
