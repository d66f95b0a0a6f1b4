"""latticelab.nn.PhaseClassifier: shape contract, probabilities, exact symmetries, explicit seeds."""
import numpy as np
import pytest
import torch

from latticelab.nn import PhaseClassifier


def _spins(n, L, seed=0):
    """float64 (n, 1, L, L) random +-1 spins."""
    g = torch.Generator().manual_seed(seed)
    return (2 * torch.randint(0, 2, (n, 1, L, L), generator=g) - 1).double()


@pytest.mark.parametrize("L, kernel, n_features", [(4, 2, 8), (6, 3, 5), (16, 2, 1)])
def test_shapes(L, kernel, n_features):
    model = PhaseClassifier(n_features, kernel, seed=1).double()
    x = _spins(7, L)
    assert model.features(x).shape == (7, n_features)
    assert model(x).shape == (7, 2)
    configs = x[:6, 0].reshape(2, 3, L, L).to(torch.int8).numpy()  # (n_T, n_samples, L, L) as ll.sample gives
    p = model.p_ordered(configs)
    assert isinstance(p, np.ndarray) and p.shape == (2, 3) and p.dtype == np.float64


def test_p_ordered_is_the_softmax_probability():
    model = PhaseClassifier(seed=2)
    x = _spins(32, 8).float()
    p = model.p_ordered(x[:, 0])
    assert np.all((p >= 0) & (p <= 1))
    expected = torch.softmax(model(x), dim=-1)[:, 1].detach().double().numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-6)


def test_invariant_under_periodic_translations():
    model = PhaseClassifier(seed=3).double()
    x = _spins(16, 8, seed=1)
    out = model(x)
    for dy, dx in [(1, 0), (0, 1), (3, 5), (7, 7)]:
        torch.testing.assert_close(model(torch.roll(x, (dy, dx), dims=(-2, -1))), out, rtol=0, atol=1e-12)


def test_invariant_under_the_global_spin_flip():
    model = PhaseClassifier(n_features=6, kernel=3, seed=4)
    x = _spins(16, 8, seed=2).float()
    assert torch.equal(model(-x), model(x))


def test_output_depends_on_the_configuration():
    model = PhaseClassifier(seed=5).double()
    ordered, random = torch.ones(1, 1, 8, 8, dtype=torch.float64), _spins(1, 8, seed=3)
    assert not torch.allclose(model(ordered), model(random))


def test_weights_come_from_the_seed_only():
    state = torch.get_rng_state()
    a, b, c = PhaseClassifier(seed=6), PhaseClassifier(seed=6), PhaseClassifier(seed=7)
    assert torch.equal(torch.get_rng_state(), state), "the global torch RNG is untouched"
    for name, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[name])
    assert not torch.equal(a.conv_weight, c.conv_weight)


def test_bad_input_says_how_to_fix_it():
    model = PhaseClassifier()
    with pytest.raises(ValueError, match="unsqueeze"):
        model(torch.ones(4, 8, 8))
    with pytest.raises(ValueError, match="L >= 3"):
        PhaseClassifier(kernel=3)(torch.ones(1, 1, 2, 2))
    with pytest.raises(TypeError, match="n_features"):
        PhaseClassifier(n_features=2.5)
