"""latticelab.nn.rbm: exact free energies and partition functions on tiny machines, the flow step,
normalised Potts conditionals, and CD training that raises the exact log-likelihood."""
import itertools
import math

import numpy as np

import pytest
import torch

from latticelab.nn.rbm import PottsRBM, RBM, spins_to_visible, states_to_visible, train_rbm


def randomised(rbm, seed, scale=1.0):
    """Give ``rbm`` random weights and biases of order ``scale`` (float64)."""
    g = torch.Generator().manual_seed(seed)
    rbm = rbm.double()
    with torch.no_grad():
        for p in rbm.parameters():
            p.copy_(scale * torch.randn(p.shape, generator=g, dtype=torch.float64))
    return rbm


def all_binary(n):
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=torch.float64)


def energy(rbm, v, h):
    """E(v, h) = -b.v - c.h - h.W.v for every pair: float (len(v), len(h))."""
    return -(v @ rbm.b)[:, None] - (h @ rbm.c)[None, :] - v @ rbm.W.T @ h.T


def all_one_hot(n_sites, q):
    rows = [torch.nn.functional.one_hot(torch.tensor(s), q).flatten() for s in itertools.product(range(q), repeat=n_sites)]
    return torch.stack(rows).double()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_free_energy_is_minus_log_sum_over_hidden_states(seed):
    rbm = randomised(RBM(6, 4), seed)
    v, h = all_binary(6), all_binary(4)
    brute = -torch.logsumexp(-energy(rbm, v, h), dim=1)
    assert torch.allclose(rbm.free_energy(v), brute, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 3])
def test_log_partition_and_likelihood_match_enumeration_of_both_layers(seed):
    rbm = randomised(RBM(6, 4), seed)
    v, h = all_binary(6), all_binary(4)
    log_z = torch.logsumexp(-energy(rbm, v, h).flatten(), dim=0)
    assert torch.allclose(rbm.log_partition(), log_z, atol=1e-12)
    assert torch.allclose(torch.logsumexp(rbm.log_likelihood(v), 0), torch.zeros((), dtype=torch.float64), atol=1e-12)


def test_mean_field_flow_step_is_the_sigmoid_composition():
    rbm = randomised(RBM(10, 5), 4, scale=0.5)
    v = torch.rand(7, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    path = rbm.flow(v, 3)
    assert path.shape == (4, 7, 10) and torch.equal(path[0], v)
    W, b, c = rbm.W, rbm.b, rbm.c
    for n in range(3):
        want = torch.sigmoid(torch.sigmoid(path[n] @ W.T + c) @ W + b)
        assert torch.allclose(path[n + 1], want, atol=1e-14)


def test_sampled_flow_is_binary_and_reproducible_from_a_generator():
    rbm = randomised(RBM(12, 6), 5)
    v = rbm.random_visible(20, torch.Generator().manual_seed(1))
    a = rbm.flow(v, 5, sample=True, generator=torch.Generator().manual_seed(2))
    b = rbm.flow(v, 5, sample=True, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and set(a.unique().tolist()) <= {0.0, 1.0}


def test_shape_errors_say_how_to_fix_the_call():
    rbm = RBM(16, 4)
    with pytest.raises(ValueError, match=r"\(B, 16\).*reshape"):
        rbm.free_energy(torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="too small"):
        RBM(0, 3)
    with pytest.raises(ValueError, match="n_hidden=30"):
        RBM(4, 30).log_partition()


def test_potts_conditionals_are_normalised_per_site_and_samples_one_hot():
    rbm = randomised(PottsRBM(n_sites=5, q=3, n_hidden=4), 6)
    h = all_binary(4)
    p = rbm.visible_probs(h).reshape(16, 5, 3)
    assert torch.allclose(p.sum(-1), torch.ones(16, 5, dtype=torch.float64), atol=1e-14) and (p > 0).all()
    v = rbm.sample_visible(h, torch.Generator().manual_seed(0)).reshape(16, 5, 3)
    assert torch.equal(v.sum(-1), torch.ones(16, 5, dtype=torch.float64))
    assert rbm.flow(rbm.random_visible(2), 2).shape == (3, 2, 15)


def test_potts_samples_follow_the_conditional_probabilities():
    rbm = randomised(PottsRBM(n_sites=2, q=4, n_hidden=3), 10)
    h = torch.tensor([[1.0, 0.0, 1.0]], dtype=torch.float64).repeat(40000, 1)
    v = rbm.sample_visible(h, torch.Generator().manual_seed(4)).reshape(-1, 2, 4)
    p = rbm.visible_probs(h[:1]).reshape(2, 4)
    freq = v.mean(0)
    assert torch.all((freq - p).abs() < 5 * torch.sqrt(p * (1 - p) / 40000) + 1e-3), (freq, p)


def test_potts_free_energy_and_partition_function_match_enumeration():
    rbm = randomised(PottsRBM(n_sites=3, q=3, n_hidden=3), 7)
    v, h = all_one_hot(3, 3), all_binary(3)
    e = energy(rbm, v, h)
    assert torch.allclose(rbm.free_energy(v), -torch.logsumexp(-e, dim=1), atol=1e-12)
    assert torch.allclose(rbm.log_partition(), torch.logsumexp(-e.flatten(), dim=0), atol=1e-12)


def test_potts_mean_field_step_is_softmax_of_the_hidden_probabilities():
    rbm = randomised(PottsRBM(n_sites=4, q=4, n_hidden=3), 8)
    v = rbm.random_visible(5, torch.Generator().manual_seed(3))
    h = torch.sigmoid(v @ rbm.W.T + rbm.c)
    want = torch.softmax((h @ rbm.W + rbm.b).reshape(5, 4, 4), -1).reshape(5, 16)
    assert torch.allclose(rbm.flow(v, 1)[1], want, atol=1e-14)


def test_spins_and_states_map_to_units():
    s = torch.tensor([[[1, -1], [-1, 1]]], dtype=torch.int8)
    assert spins_to_visible(s).tolist() == [[1.0, 0.0, 0.0, 1.0]]
    v = states_to_visible(torch.tensor([[0, 2], [1, 0]]), 3)
    assert v.tolist() == [1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0]
    assert PottsRBM(4, 3, 2).states(v[None]).tolist() == [[0, 2, 1, 0]]
    with pytest.raises(ValueError, match="0..2"):
        states_to_visible(torch.tensor([[0, 3]]), 3)


@pytest.fixture
def one_thread():
    """Tiny matmuls: one torch thread (two threads on a busy 2-core machine made this test 20x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def exact_samples(rbm, n, seed):
    """n exact samples of a tiny binary RBM's p(v), by enumeration."""
    v = all_binary(rbm.n_visible)
    p = torch.softmax(-rbm.free_energy(v), 0)
    idx = torch.multinomial(p, n, replacement=True, generator=torch.Generator().manual_seed(seed))
    return v[idx]


@pytest.mark.parametrize("persistent", [False, True])
def test_cd_training_raises_the_exact_log_likelihood_of_data_from_a_known_rbm(persistent, one_thread):
    teacher = randomised(RBM(8, 3), 9, scale=1.5)
    data = exact_samples(teacher, 2000, seed=1)
    student = RBM(8, 4, seed=0).double()
    with torch.no_grad():
        before = float(student.log_likelihood(data).mean())
    history = train_rbm(student, data, epochs=15, batch_size=50, lr=0.05, k=1, persistent=persistent, seed=0)
    with torch.no_grad():
        after = float(student.log_likelihood(data).mean())
        best = float(teacher.log_likelihood(data).mean())
    assert len(history["train_loss"]) == 15 and all(math.isfinite(x) for x in history["train_loss"])
    # the uniform start is at -8 ln 2 = -5.55; training must close 90% of the gap to the teacher
    assert after > before + 0.9 * (best - before), (before, after, best)


def _autograd_cd(model, v, *, epochs, batch_size, lr, momentum, seed):
    """CD-1 as written before the closed-form gradient: autograd through free_energy, batches from a DataLoader."""
    from torch.utils.data import DataLoader, TensorDataset

    from latticelab.nn.fit import fit

    def loss(m, batch):
        x = m._check(batch[0])
        neg = m.gibbs(x, 1)
        with torch.no_grad():
            m.step(x)
        return m.free_energy(x).mean() - m.free_energy(neg.detach()).mean()

    loader = DataLoader(TensorDataset(v), batch_size=batch_size, shuffle=True, drop_last=True)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return fit(model, loader, epochs=epochs, loss_fn=loss, optimizer=opt, seed=seed)


@pytest.mark.parametrize("potts", [False, True])
def test_closed_form_cd_gradient_and_fast_batches_train_exactly_as_autograd_and_a_dataloader(potts):
    """Same batches, same random numbers, same gradient: the weights agree to float rounding after 3 epochs."""
    g = torch.Generator().manual_seed(3)
    if potts:
        v = states_to_visible(torch.randint(0, 3, (90, 4, 4), generator=g), 3)
        make = lambda: PottsRBM(16, 3, 7, seed=1, weight_std=0.1)  # noqa: E731
    else:
        v = (torch.rand(90, 12, generator=g) < 0.3).float()
        make = lambda: RBM(12, 7, seed=1, weight_std=0.1)  # noqa: E731
    fast, slow = make(), make()
    h_fast = train_rbm(fast, v, epochs=3, batch_size=20, lr=0.05, momentum=0.5, seed=4)
    h_slow = _autograd_cd(slow, v, epochs=3, batch_size=20, lr=0.05, momentum=0.5, seed=4)
    for name in ("W", "b", "c"):
        assert torch.allclose(getattr(fast, name), getattr(slow, name), atol=1e-5), name
    assert not torch.allclose(fast.W, make().W, atol=1e-3)  # it trained
    assert np.allclose(h_fast["train_loss"], h_slow["train_loss"], atol=1e-4)
