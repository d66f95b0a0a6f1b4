"""The numba and torch kernels are twins: same seed, same random words, same configurations."""
import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab.samplers import _numba, _rng, _torch

SYSTEMS = [
    ll.Ising(8),
    ll.Ising(8, J=0.7, h=0.4),
    ll.Potts(8, 3),
    ll.Potts(6, 4),
    ll.EdwardsAnderson(8, seed=3),
]


def test_mix32_matches_reference_on_both_backends():
    x = np.random.default_rng(0).integers(0, 2**32, size=10_000, dtype=np.uint64)
    ref = _rng.mix32_numpy(x)
    assert np.array_equal(np.array([_numba._mix32(v) for v in x[:500]], dtype=np.uint64), ref[:500])
    got = _torch._mix32(torch.from_numpy(x.astype(np.uint32).view(np.int32))).numpy().view(np.uint32).astype(np.uint64)
    assert np.array_equal(got, ref)
    # words look uniform: mean of u = r / 2^32 close to 1/2, no stuck bits
    u = ref / 2.0**32
    assert abs(u.mean() - 0.5) < 0.01
    bits = (ref[:, None] >> np.arange(32, dtype=np.uint64)) & np.uint64(1)
    assert np.all(np.abs(bits.mean(axis=0) - 0.5) < 0.03)


def test_threshold_accepts_exactly_with_probability_p():
    thr = _rng.threshold(np.array([0.0, 0.25, 1.0, 3.0]))
    assert thr.tolist() == [0, 2**30, 2**32, 2**32]


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: repr(s)[:30])
def test_numba_and_torch_metropolis_are_identical(system):
    T = [0.8, 2.3, 5.0]
    chains = [
        ll.Chain(system, T, n_chains=3, algorithm="metropolis", backend=b, seed=11, start="hot") for b in ("numba", "torch")
    ]
    for c in chains:
        c.step(25)
    a, b = (c.configs for c in chains)
    assert a.shape == (3, 3, system.L, system.L) and a.dtype == np.int8
    assert np.array_equal(a, b)
    np.testing.assert_allclose(chains[0].energy(), chains[1].energy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_same_seed_reproduces_and_other_seed_differs(backend):
    def run(seed):
        c = ll.Chain(ll.Ising(8), [2.0, 3.0], n_chains=2, algorithm="metropolis", backend=backend, seed=seed)
        return c.step(10).configs

    assert np.array_equal(run(4), run(4))
    assert not np.array_equal(run(4), run(5))


def test_wolff_reproduces_and_does_not_touch_global_rng():
    state = np.random.get_state()
    torch_state = torch.get_rng_state()
    runs = [ll.Chain(ll.Potts(8, 3), [0.9, 1.2], n_chains=2, algorithm="wolff", seed=2).step(15).configs for _ in range(2)]
    assert np.array_equal(*runs)
    assert np.array_equal(np.random.get_state()[1], state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)


@pytest.mark.gpu
def test_cuda_matches_numba():
    for system in SYSTEMS:
        chains = [
            ll.Chain(system, [1.0, 2.5], n_chains=2, algorithm="metropolis", backend=b, device=d, seed=1, start="hot")
            for b, d in (("numba", None), ("torch", "cuda"))
        ]
        for c in chains:
            c.step(20)
        assert np.array_equal(chains[0].configs, chains[1].configs), system
