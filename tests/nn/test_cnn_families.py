"""EQ, ST and FL built from their architecture descriptions: parameter counts of the paper, exact shift
invariance of EQ on any size, FL refusing other sizes."""
import pytest
import torch

from latticelab.nn.cnn_families import (EQ_COUNTING, EquivariantCNN, FL_REGRESSION, FlatteningCNN, StridedCNN)


def test_default_architectures_have_the_papers_parameter_counts():
    assert EquivariantCNN().n_parameters == 33202
    assert StridedCNN().n_parameters == 26370
    assert FlatteningCNN(size=(60, 4)).n_parameters == 47394  # the paper's 60 x 4 first-task lattices


@pytest.mark.parametrize("size", [(8, 8), (16, 8), (5, 7), (64, 64)])
def test_eq_is_exactly_invariant_under_every_circular_shift(size):
    torch.manual_seed(0)
    for model in (EquivariantCNN(), EquivariantCNN(EQ_COUNTING, seed=3)):
        model = model.double()
        x = torch.randint(-3, 4, (3, 4, *size)).double()
        y = model(x)
        for dt, dx in [(1, 0), (0, 1), (size[0] - 1, 3 % size[1]), (2, 5 % size[1])]:
            assert torch.allclose(model(torch.roll(x, (dt, dx), dims=(-2, -1))), y, rtol=1e-12, atol=1e-12)


def test_strided_is_not_invariant_but_applies_to_other_sizes():
    model = StridedCNN().double()
    x = torch.randn(2, 4, 8, 8, dtype=torch.float64)
    assert not torch.allclose(model(torch.roll(x, 1, dims=-1)), model(x))
    assert model(torch.randn(2, 4, 16, 32, dtype=torch.float64)).shape == (2, 2)


def test_flattening_refuses_a_size_it_was_not_built_for():
    model = FlatteningCNN(size=(8, 8))
    assert model(torch.randn(2, 4, 8, 8)).shape == (2, 2)
    with pytest.raises(ValueError, match="built for 8 x 8 .* cannot be applied to 16 x 16"):
        model(torch.randn(2, 4, 16, 16))


def test_bad_descriptions_are_refused():
    with pytest.raises(ValueError, match="unknown architecture token"):
        EquivariantCNN(("c1:8", "bogus", "gavg", "fc:1-"))
    with pytest.raises(ValueError, match="no strided pooling"):
        EquivariantCNN(("c1:8", "avg2", "gavg", "fc:1-"))
    with pytest.raises(ValueError, match="lattice size"):
        StridedCNN(FL_REGRESSION)


def test_weights_come_from_the_seed_and_leave_the_global_generator_alone():
    state = torch.random.get_rng_state()
    a, b = EquivariantCNN(seed=1), EquivariantCNN(seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert torch.equal(torch.random.get_rng_state(), state)


def test_detection_architectures_have_the_papers_parameter_counts_where_the_table_adds_up():
    from latticelab.nn.cnn_families import EQ_DETECTION, FL_DETECTION, ST_DETECTION

    assert StridedCNN(ST_DETECTION).n_parameters == 953
    assert FlatteningCNN(FL_DETECTION, size=(8, 8)).n_parameters == 5600
    # the table's EQ (2657) is one short of its own layers' sum less a bias: 544 + 1056 + 1056 + 32 = 2688
    assert EquivariantCNN(EQ_DETECTION).n_parameters == 2688
    out = EquivariantCNN(EQ_DETECTION)(torch.randn(3, 4, 16, 8))
    assert out.shape == (3, 1) and bool(((out > 0) & (out < 1)).all())


ENSEMBLE_CASES = [(EquivariantCNN, {}), (StridedCNN, {}), (FlatteningCNN, {"size": (8, 8)}),
                  (EquivariantCNN, {"arch": EQ_COUNTING})]


@pytest.mark.parametrize("cls, kw", ENSEMBLE_CASES)
def test_an_ensemble_computes_what_its_members_compute(cls, kw):
    from latticelab.nn.cnn_families import Ensemble

    members = [cls(seed=s, **kw).double() for s in range(3)]
    ens = Ensemble(members).double()
    x = torch.randn(5, 4, 8, 8, dtype=torch.float64)
    assert torch.allclose(ens(x), torch.stack([m(x) for m in members], dim=1), rtol=1e-12, atol=1e-12)
    assert sum(p.numel() for p in ens.parameters()) == 3 * members[0].n_parameters


@pytest.mark.parametrize("cls, kw", ENSEMBLE_CASES)
def test_training_an_ensemble_trains_each_member_as_if_alone(cls, kw):
    """A summed loss and Adam (elementwise) give every member exactly the steps it would take by itself."""
    from latticelab.nn.cnn_families import Ensemble

    members = [cls(seed=s, **kw).double() for s in range(3)]
    ens = Ensemble(members).double()
    x, y = torch.randn(16, 4, 8, 8, dtype=torch.float64), torch.randn(16, 1, dtype=torch.float64)
    opt = torch.optim.Adam(ens.parameters(), lr=1e-2)
    solo = [torch.optim.Adam(m.parameters(), lr=1e-2) for m in members]
    for step in range(3):
        opt.zero_grad()
        ((ens(x) - y[:, None]) ** 2).mean(dim=(0, 2)).sum().backward()
        opt.step()
        for m, o in zip(members, solo):
            o.zero_grad()
            ((m(x) - y) ** 2).mean().backward()
            o.step()
    back = ens.members()
    for m, b in zip(members, back):
        assert torch.allclose(b(x), m(x), rtol=1e-9, atol=1e-9)
    assert not torch.allclose(back[0](x), back[1](x))  # different seeds, different networks


def test_an_ensemble_of_flattening_networks_refuses_other_sizes_and_mixed_members_are_refused():
    from latticelab.nn.cnn_families import Ensemble

    ens = Ensemble([FlatteningCNN(size=(8, 8), seed=s) for s in range(2)])
    with pytest.raises(ValueError, match="built for 8 x 8 .* cannot be applied to 16 x 16"):
        ens(torch.randn(1, 4, 16, 16))
    with pytest.raises(ValueError, match="one family, architecture and size"):
        Ensemble([EquivariantCNN(), StridedCNN()])


def test_an_ensemble_of_equivariant_networks_stays_exactly_invariant():
    from latticelab.nn.cnn_families import Ensemble

    ens = Ensemble([EquivariantCNN(EQ_COUNTING, seed=s).double() for s in range(4)]).double()
    x = torch.randint(-3, 4, (2, 4, 16, 8)).double()
    assert torch.allclose(ens(torch.roll(x, (5, 3), dims=(-2, -1))), ens(x), rtol=1e-12, atol=1e-12)
