"""AutoregressiveGRU: exact normalisation over every configuration, samples that follow log_prob,
and the learned energy -T ln P driving the learned-energy Metropolis."""
import numpy as np
import pytest
import torch
from scipy import stats as sps

import latticelab as ll
from latticelab.lattice.orders import ORDERS
from latticelab.nn.energy import LearnedEnergy
from latticelab.nn.gru import AutoregressiveGRU


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny per-proposal evaluations: threads only contend (tens of times slower on a busy 2-core machine)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def all_states(n_states, L):
    """int64 (n_states ** (L*L), L, L): every configuration."""
    codes = np.arange(n_states ** (L * L))
    digits = (codes[:, None] // n_states ** np.arange(L * L)[::-1]) % n_states
    return torch.as_tensor(digits.reshape(-1, L, L))


def perturbed(model, seed=1):
    """The model with random (not initial) weights: the test holds 'trained or not'."""
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    return model


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("n_states,L", [(2, 4), (3, 3)])
def test_probabilities_sum_to_one_over_every_configuration(order, n_states, L):
    x = all_states(n_states, L)
    for model in (AutoregressiveGRU(n_states, hidden=8, order=order), perturbed(AutoregressiveGRU(n_states, hidden=8, order=order))):
        with torch.no_grad():
            total32 = torch.exp(model.log_prob(x)).double().sum()
            total64 = torch.exp(model.double().log_prob(x)).sum()
        assert abs(float(total32) - 1) < 1e-4
        assert abs(float(total64) - 1) < 1e-12


def test_log_prob_is_the_sum_of_the_conditionals_in_sequence_order():
    model = perturbed(AutoregressiveGRU(3, hidden=8, order="snake")).double()
    x = torch.randint(0, 3, (5, 4, 4))
    cond = model.conditional_log_probs(x)  # (5, 16, 3)
    assert torch.allclose(torch.logsumexp(cond, -1), torch.zeros(5, 16, dtype=torch.float64), atol=1e-12)
    seq = ll.lattice.unwrap(x, "snake")
    picked = cond.gather(-1, seq.unsqueeze(-1)).squeeze(-1).sum(-1)
    assert torch.allclose(picked, model.log_prob(x))
    # the first site's conditional ignores the lattice: it is the same for every configuration
    assert torch.allclose(cond[:, 0], cond[:1, 0].expand(5, 3))


def test_samples_follow_log_prob():
    """Chi-square of 40 000 samples of a 2x2, 3-state model against exp(log_prob) of all 81 states."""
    model = perturbed(AutoregressiveGRU(3, hidden=8, order="spiral"), seed=2)
    x = all_states(3, 2)
    with torch.no_grad():
        p = torch.exp(model.log_prob(x)).double().numpy()
    s = model.sample(40_000, 2, seed=0, batch_size=10_000)
    assert s.shape == (40_000, 2, 2) and s.dtype == torch.int64
    codes = (s.reshape(-1, 4) * torch.tensor([27, 9, 3, 1])).sum(-1).numpy()
    counts = np.bincount(codes, minlength=81)
    chi2, pval = sps.chisquare(counts, p / p.sum() * counts.sum())
    assert pval > 1e-3, (chi2, pval)
    assert torch.equal(model.sample(100, 3, seed=5), model.sample(100, 3, seed=5))  # seeded, reproducible


def test_bad_input_says_how_to_fix_it():
    model = AutoregressiveGRU(2, hidden=4)
    with pytest.raises(ValueError, match=r"\(s \+ 1\) // 2"):
        model.log_prob(torch.tensor([[[-1, 1], [1, 1]]]))
    with pytest.raises(TypeError, match="integer state indices"):
        model.log_prob(torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"\(B, L, L\)"):
        model.log_prob(torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="choose one of"):
        AutoregressiveGRU(order="zigzag")


def test_learned_energy_of_the_exact_distribution_is_the_hamiltonian(exact_ising_model):
    system = ll.Ising(3)
    energy = LearnedEnergy(exact_ising_model(system, 4.0), T_obs=4.0, system=system)
    x = system.hot(np.random.default_rng(0), 64)
    sites = np.random.default_rng(1).integers(0, 3, size=(64, 2))
    new = -x[np.arange(64), sites[:, 0], sites[:, 1]]
    assert np.allclose(energy.delta_energy(x, sites, new), system.delta_energy(x, sites, new), atol=1e-9)
    energy.calibrate(x)
    assert abs(energy.energy(x).mean()) < 1e-9
    assert np.allclose(energy.energy(x) - energy.energy(x)[0], system.N * (system.energy(x) - system.energy(x)[:1]))


def test_remembered_before_state_gives_the_same_delta_as_a_fresh_model():
    system = ll.Potts(4, q=3)
    model = perturbed(AutoregressiveGRU(3, hidden=8)).double()
    cached, fresh = LearnedEnergy(model, 2.0, system), LearnedEnergy(model, 2.0, system)
    rng = np.random.default_rng(0)
    x = system.hot(rng, 16)
    for _ in range(5):
        sites = rng.integers(0, 4, size=(16, 2))
        new = rng.integers(0, 3, size=16).astype(np.int8)
        d = cached.delta_energy(x, sites, new)
        fresh._last = None
        assert np.allclose(d, fresh.delta_energy(x, sites, new), atol=1e-10)
        accept = rng.random(16) < 0.5
        x[np.arange(16)[accept], sites[accept, 0], sites[accept, 1]] = new[accept]


def test_learned_metropolis_with_the_exact_distribution_reproduces_enumeration(exact_ising_model):
    """-T_O ln P of the exact distribution at T_O, used at another T, samples that T's distribution."""
    system, T = ll.Ising(3), 2.0
    energy = LearnedEnergy(exact_ising_model(system, 4.0), T_obs=4.0, system=system)
    s = ll.sample(system, T, 4000, algorithm="learned_metropolis", energy=energy, burn_in=20, thin=2,
                  n_chains=200, seed=0)
    exact = ll.exact.enumerate(system, T)
    e = ll.observables.energy(s)
    assert abs(e.zscore(exact["energy"])) < 5, (e, exact["energy"])
