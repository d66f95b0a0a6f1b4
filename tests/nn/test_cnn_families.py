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
