"""latticelab.nn.autoencoder and beta_predictor: the paper's shapes, no biases, frozen transferred layers,
hard-coded layers that decimate exactly, losses, and the beta predictor's contract."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from latticelab.lattice.decimation import decimate, decimation_matrix
from latticelab.nn import fit
from latticelab.nn.autoencoder import (LOSSES, LinearNet, autoencoder_sizes, hard_coded, loss_fn, model_1, model_2,
                                       model_3, transfer)
from latticelab.nn.beta_predictor import BetaPredictor


def _spins(n, L, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (2 * torch.randint(0, 2, (n, L, L), generator=g) - 1).float()


def test_the_papers_shapes_and_no_biases():
    assert autoencoder_sizes(32) == (1024, 512, 256, 512, 1024)
    for net in (model_1(32), model_2(32)):
        assert [tuple(w.shape) for w in net.matrices()] == [(1024, 512), (512, 256), (256, 512), (512, 1024)]
        assert all(layer.bias is None for layer in net.layers)
        assert all(name.endswith("weight") for name, _ in net.named_parameters())
        assert net(_spins(3, 32)).shape == (3, 1024)


def test_the_net_is_the_product_of_its_matrices():
    net = LinearNet((16, 8, 4), seed=1).double()
    x = _spins(5, 4).double()
    w1, w2 = net.matrices()
    assert np.allclose(net(x).detach().numpy(), x.reshape(5, 16).numpy() @ w1 @ w2)
    assert np.allclose(net.encode(x, 1).detach().numpy(), x.reshape(5, 16).numpy() @ w1)


def test_weights_come_from_the_seed_only():
    state = torch.random.get_rng_state()
    a, b, c = LinearNet((16, 8), seed=3), LinearNet((16, 8), seed=3), LinearNet((16, 8), seed=4)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert np.array_equal(a.matrices()[0], b.matrices()[0]) and not np.array_equal(a.matrices()[0], c.matrices()[0])


def test_model_2_encodes_by_decimation_exactly_and_freezes_its_encoder():
    net = model_2(8)
    assert net.frozen() == [True, True, False, False]
    x = _spins(4, 8)
    assert torch.equal(net.encode(x, 1), decimate(x).reshape(4, -1))
    assert torch.equal(net.encode(x, 2), x[:, ::2, ::2].reshape(4, -1))
    assert np.array_equal(net.matrices()[0], decimation_matrix(8))
    assert [p.shape for p in net.parameters() if p.requires_grad] == [(32, 16), (64, 32)]


def test_model_3_is_entirely_transferred_and_frozen():
    L = 8
    shallow = [LinearNet((64, 32), seed=1), LinearNet((32, 16), seed=2), LinearNet((16, 32), seed=3), LinearNet((32, 64), seed=4)]
    net = model_3(*shallow)
    assert net.frozen() == [True] * 4 and not any(p.requires_grad for p in net.parameters())
    for w, s in zip(net.matrices(), shallow):
        assert np.array_equal(w, s.matrices()[0])
    assert float(net.l1_penalty()) == 0.0


def test_training_leaves_frozen_layers_unchanged():
    net = model_2(4, seed=0)
    before = net.matrices()
    x = _spins(64, 4)
    loader = DataLoader(TensorDataset(x, x.reshape(64, -1)), batch_size=16)
    fit(net, loader, epochs=3, loss_fn=loss_fn("hinge", l1=1e-3), lr=1e-2, seed=0)
    after = net.matrices()
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    assert not np.array_equal(before[2], after[2]) and not np.array_equal(before[3], after[3])


def test_transfer_checks_shapes_and_can_leave_the_layer_trainable():
    net = model_1(4)
    transfer(net, 2, LinearNet((4, 8), seed=9), freeze=False)
    assert net.frozen() == [False] * 4
    with pytest.raises(ValueError, match="matching sizes"):
        transfer(net, 0, LinearNet((16, 4)))
    with pytest.raises(ValueError, match="out of range"):
        transfer(net, 4, LinearNet((8, 16)))
    with pytest.raises(ValueError, match="one layer"):
        transfer(net, 0, LinearNet((16, 8, 4)))


def test_hinge_loss_and_l1_are_the_papers():
    x = _spins(6, 4)
    hcg = hard_coded(np.eye(16))  # the identity reconstructs +-1 spins perfectly: hinge 0
    assert float(loss_fn("hinge")(hcg, (x, x.reshape(6, -1)))) == 0.0
    pred, target = torch.tensor([[0.5, -2.0, 0.0]]), torch.tensor([[1.0, -1.0, 1.0]])
    assert float(LOSSES["hinge"](pred, target)) == pytest.approx((0.5 + 0 + 1) / 3)
    assert float(LOSSES["squared_hinge"](pred, target)) == pytest.approx((0.25 + 0 + 1) / 3)
    net = LinearNet((16, 16), seed=0)
    fn, data = loss_fn("mse", l1=0.1), (x, x.reshape(6, -1))
    penalty = 0.1 * np.abs(net.matrices()[0]).sum()
    net.train()
    train = float(fn(net, data).detach())
    net.eval()
    assert train == pytest.approx(float(fn(net, data).detach()) + penalty, rel=1e-5)  # L1 only while training
    with pytest.raises(ValueError, match="choose one of"):
        loss_fn("cross_entropy")
    with pytest.raises(ValueError, match=">= 0"):
        loss_fn("hinge", l1=-1.0)


def test_bad_shapes_say_how_to_fix_the_call():
    with pytest.raises(ValueError, match="flattened to 1024"):
        model_1(32)(_spins(2, 16))
    with pytest.raises(ValueError, match="odd"):
        autoencoder_sizes(31)
    with pytest.raises(ValueError, match="at least two"):
        LinearNet((16,))


def test_apply_keeps_leading_axes_and_lattice_shape():
    net = hard_coded(decimation_matrix(8))
    configs = np.sign(np.random.default_rng(0).normal(size=(2, 3, 8, 8))).astype(np.int8)
    out = net.apply(configs, shape=(8, 4))
    assert out.shape == (2, 3, 8, 4) and out.dtype == np.float32
    assert np.array_equal(out, decimate(configs).astype(np.float32))


def test_beta_predictor_contract():
    model = BetaPredictor(64, hidden=16, seed=0)
    x = _spins(5, 8)
    out = model(x)
    assert out.shape == (5,) and bool((out >= 0).all())
    p = model.predict(x.numpy().astype(np.int8).reshape(1, 5, 8, 8))
    assert p.shape == (1, 5) and p.dtype == np.float64 and np.allclose(p[0], out.detach().numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="one per lattice size"):
        model(_spins(2, 4))
    assert sum(p.numel() for p in model.parameters()) == 64 * 16 + 16 + 16 + 1


def test_beta_predictor_learns_a_linear_rule():
    """Lattices whose fraction of aligned neighbours encodes beta: a few hundred steps fit it to MSE < 1e-3."""
    g = np.random.default_rng(0)
    beta = g.uniform(0.05, 0.55, 256)
    x = np.where(g.random((256, 16)) < (0.5 + beta[:, None]), 1.0, -1.0).astype(np.float32)
    data = TensorDataset(torch.from_numpy(x), torch.from_numpy(beta.astype(np.float32)))
    model = BetaPredictor(16, hidden=32, seed=0)
    from latticelab.nn import supervised
    import torch.nn.functional as F
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny net: more threads only add OpenMP overhead on a busy machine
    try:
        hist = fit(model, DataLoader(data, batch_size=64, shuffle=True), epochs=25, loss_fn=supervised(F.mse_loss),
                   lr=3e-3, seed=0)
    finally:
        torch.set_num_threads(threads)
    assert hist["train_loss"][-1] < 0.5 * np.var(beta)


def test_beta_predictor_is_flip_symmetric_unless_asked_not_to_be():
    x = _spins(6, 8)
    sym, plain = BetaPredictor(64, 16, beta_init=5.0, seed=1), BetaPredictor(64, 16, beta_init=5.0, flip_symmetric=False, seed=1)
    assert torch.allclose(sym(x), sym(-x))
    assert not torch.allclose(plain(x), plain(-x))
