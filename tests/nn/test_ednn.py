"""EDNN: extensive, invariant under shifts by the focus, local updates equal to full re-evaluation,
and usable as the learned-energy Metropolis' model."""
import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab.nn.ednn import EDNN, FullReevaluation


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny per-proposal evaluations: threads only contend (tens of times slower on a busy 2-core machine)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def randomised(model, seed=1):
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.double()


def spins(B, L, seed=0):
    return torch.as_tensor(2.0 * np.random.default_rng(seed).integers(0, 2, size=(B, L, L)) - 1)


def test_energy_is_extensive_exactly():
    model = randomised(EDNN())
    x = spins(5, 8)
    big = x.repeat(1, 2, 2)  # 16x16 made of 2x2 copies
    assert big.shape == (5, 16, 16)
    assert torch.allclose(model(big), 4 * model(x), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("focus,context", [(2, 1), (1, 1), (2, 2), (4, 1)])
def test_invariant_under_shifts_by_multiples_of_the_focus(focus, context):
    model = randomised(EDNN(focus, context))
    x = spins(4, 8)
    e = model(x)
    for dr, dc in [(focus, 0), (0, focus), (2 * focus, 3 * focus)]:
        assert torch.allclose(model(torch.roll(x, (dr, dc), (1, 2))), e, rtol=1e-12, atol=1e-10)
    assert model.tile_energies(x).shape == (4, 8 // focus, 8 // focus)


@pytest.mark.parametrize("focus,context,L", [(2, 1, 8), (2, 1, 16), (1, 1, 8), (2, 2, 12), (4, 1, 12), (2, 0, 6)])
def test_local_update_gives_the_full_reevaluation_delta(focus, context, L):
    model = randomised(EDNN(focus, context))
    rng = np.random.default_rng(L)
    x = (2 * rng.integers(0, 2, size=(300, L, L)) - 1).astype(np.int8)
    sites = rng.integers(0, L, size=(300, 2))
    new = -x[np.arange(300), sites[:, 0], sites[:, 1]]
    assert model.patch_size <= L  # the local path is the one tested
    local = model.delta_energy(x, sites, new)
    full = model.delta_energy(x, sites, new, local=False)
    after = x.copy()
    after[np.arange(300), sites[:, 0], sites[:, 1]] = new
    direct = model.energy(after) - model.energy(x)
    assert isinstance(local, np.ndarray) and local.dtype == np.float64
    assert np.allclose(local, full, atol=1e-10) and np.allclose(full, direct, atol=1e-10)
    t = model.delta_energy(torch.as_tensor(x), torch.as_tensor(sites), torch.as_tensor(new))
    assert isinstance(t, torch.Tensor) and np.allclose(t.numpy(), local, atol=1e-12)


def test_weights_come_from_the_seed_alone():
    a, b, c = EDNN(seed=3), EDNN(seed=3), EDNN(seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.net[0].weight, c.net[0].weight)


def test_potts_states_are_encoded_in_minus_one_to_one():
    model = EDNN(site_kind="state", n_states=3)
    x = np.array([[[0, 1], [2, 1]]], dtype=np.int8)
    assert torch.equal(model.encode(x), torch.tensor([[[-1.0, 0.0], [1.0, 0.0]]]))


def test_bad_shapes_say_how_to_fix_them():
    with pytest.raises(ValueError, match="divisible by focus=2"):
        EDNN()(torch.zeros(1, 7, 7))
    with pytest.raises(ValueError, match="site_kind"):
        EDNN(site_kind="spins")


class PairEnergy(EDNN):
    """An EDNN whose tile net is set by hand to the Ising energy: -s (right + down) of the focus site."""

    def __init__(self):
        super().__init__(focus=1, context=1, hidden=(4,))
        # -s r = 1 - |s + r| for +-1 spins, and |u| = relu(u) + relu(-u): four ReLUs and a bias of 2 per site
        w = torch.zeros(4, 1, 3, 3)
        for k, (sign, (i, j)) in enumerate([(1, (1, 2)), (-1, (1, 2)), (1, (2, 1)), (-1, (2, 1))]):
            w[k, 0, 1, 1], w[k, 0, i, j] = sign, sign
        with torch.no_grad():
            self.net[0].weight.copy_(w)
            self.net[0].bias.zero_()
            self.net[2].weight.fill_(-1.0)
            self.net[2].bias.fill_(2.0)
        self.double()


def test_an_ednn_holding_the_exact_ising_energy_drives_metropolis_to_kaufmans_result():
    model = PairEnergy()
    system = ll.Ising(6)
    x = system.hot(np.random.default_rng(0), 10)
    assert np.allclose(model.energy(x), system.N * system.energy(x))
    T = 2.6
    s = ll.sample(system, T, 2000, algorithm="learned_metropolis", energy=model, burn_in=50, thin=2,
                  n_chains=100, seed=1)
    e = ll.observables.energy(s)
    assert abs(e.zscore(ll.exact.ising_energy_per_spin(T, L=6))) < 5, e
    s_full = ll.sample(system, T, 2000, algorithm="learned_metropolis", energy=FullReevaluation(model), burn_in=50,
                       thin=2, n_chains=100, seed=1)
    assert np.array_equal(s_full.configs, s.configs)  # same random stream, same deltas: the same chain
