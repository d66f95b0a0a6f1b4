"""Linear, bias-free networks for comparing decimation RG with autoencoders (Shukla & Thakur, arXiv 2108.06157).

Every network here is a stack of bias-free linear layers with no activation, acting on flattened
(row-major) lattices, so a forward pass is ``y = x @ W1 @ W2 @ ...`` with the paper's matrices
``Wk`` of shape (n_in, n_out) (``LinearNet.matrices()``; torch stores their transposes).

    autoencoder_sizes(32)         (1024, 512, 256, 512, 1024): the common architecture (Table 1)
    LinearNet((1024, 512))        a shallow coarse-graining net (CG-1024-512), trainable
    hard_coded(M)                 a frozen shallow net whose weight is a 0/1 decimation matrix (HCG)
    model_1(L)                    the autoencoder: every layer trained end to end
    model_2(L)                    encoder = the hard-coded decimations (frozen), decoder trainable
    model_3(shallow_nets)         every layer transferred from trained shallow CG/UP nets (frozen)
    transfer(deep, k, shallow)    copy a shallow net's weight into layer k of a deep net, frozen

Training: ``loss_fn(name, l1)`` is a ``fit`` loss for (x, target) batches: a reconstruction loss
(``LOSSES``: the paper's 'hinge', or 'squared_hinge', 'mse', 'l1') plus ``l1 * sum |W|`` over the
trainable layers (the paper's L1 regularisation) while training only, so ``fit``'s validation loss
is the data term alone.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .. import _validate


def autoencoder_sizes(L: int) -> tuple:
    """(L^2, L^2/2, L^2/4, L^2/2, L^2): layer widths of the paper's deep nets for an L x L lattice (L even)."""
    from ..lattice import check_size

    L = check_size(L, even=True, minimum=2, what="L")
    n = L * L
    return (n, n // 2, n // 4, n // 2, n)


def _flat(x: torch.Tensor, n_in: int) -> torch.Tensor:
    if x.ndim >= 2 and x.shape[-1] == n_in:
        return x
    if x.ndim >= 3 and x.shape[-1] * x.shape[-2] == n_in:
        return x.reshape(*x.shape[:-2], n_in)
    raise ValueError(f"this network takes lattices flattened to {n_in} sites, (n, {n_in}), or (n, rows, cols) with "
                     f"rows * cols = {n_in}; got shape {tuple(x.shape)}")


class LinearNet(torch.nn.Module):
    """Bias-free linear layers with no activation: x float (n, sizes[0]) (or (n, rows, cols)) -> float (n, sizes[-1]).

    The weights are drawn from ``seed`` with a private generator, Glorot-uniform like Keras's default
    (bound sqrt(6 / (n_in + n_out))); the global torch RNG is neither used nor seeded.
    """

    def __init__(self, sizes, *, seed: int = 0):
        super().__init__()
        sizes = tuple(_validate.positive_int(int(s) if isinstance(s, np.integer) else s, "layer size") for s in sizes)
        if len(sizes) < 2:
            raise ValueError(f"a network needs at least two layer sizes (input, output), got {sizes}; e.g. (1024, 512)")
        self.sizes = sizes
        gen = torch.Generator().manual_seed(_validate.seed(seed))
        self.layers = torch.nn.ModuleList()
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layer = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out, bias=False)  # no global RNG draw
            bound = math.sqrt(6.0 / (n_in + n_out))
            with torch.no_grad():
                layer.weight.copy_((2.0 * torch.rand((n_out, n_in), generator=gen) - 1.0) * bound)
            self.layers.append(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _flat(x, self.sizes[0])
        for layer in self.layers:
            x = layer(x)
        return x

    def encode(self, x: torch.Tensor, depth: int) -> torch.Tensor:
        """The activations after the first ``depth`` layers: float (n, sizes[depth])."""
        x = _flat(x, self.sizes[0])
        for layer in self.layers[:depth]:
            x = layer(x)
        return x

    def matrices(self) -> list:
        """The paper's weight matrices W_k, float64 numpy (sizes[k], sizes[k + 1]), with y = x @ W_1 @ W_2 ..."""
        return [layer.weight.detach().double().cpu().numpy().T.copy() for layer in self.layers]

    def frozen(self) -> list:
        """[bool per layer]: True where the layer is not trained (transferred or hard-coded)."""
        return [not layer.weight.requires_grad for layer in self.layers]

    def l1_penalty(self) -> torch.Tensor:
        """sum |W| over the trainable layers (0 when all are frozen)."""
        terms = [layer.weight.abs().sum() for layer in self.layers if layer.weight.requires_grad]
        return torch.stack(terms).sum() if terms else torch.zeros((), device=self.layers[0].weight.device)

    @torch.no_grad()
    def apply(self, configs, shape=None) -> np.ndarray:  # noqa: A003 - numpy-in, numpy-out convenience
        """Run the net on lattices (numpy or torch, (..., rows, cols) or (..., n_in)) -> float32 numpy,
        reshaped to ``shape`` (e.g. (L, L)) per sample when given, else (..., sizes[-1])."""
        w = self.layers[0].weight
        x = torch.as_tensor(np.asarray(configs) if not torch.is_tensor(configs) else configs)
        lead = x.shape[:-1] if x.shape[-1] == self.sizes[0] else x.shape[:-2]
        y = self(x.reshape(-1, self.sizes[0]).to(device=w.device, dtype=w.dtype)).float().cpu().numpy()
        return y.reshape(*lead, *(shape if shape is not None else (self.sizes[-1],)))


def hard_coded(matrix) -> LinearNet:
    """A frozen shallow net whose weight is ``matrix`` (n_in, n_out), e.g. ``ll.lattice.decimation_matrix(32)``
    (the paper's HCG-1024-512)."""
    m = torch.as_tensor(np.asarray(matrix, dtype=np.float32))
    if m.ndim != 2:
        raise ValueError(f"a hard-coded layer takes one matrix (n_in, n_out), got shape {tuple(m.shape)}")
    net = LinearNet(tuple(m.shape))
    with torch.no_grad():
        net.layers[0].weight.copy_(m.T)
    net.layers[0].weight.requires_grad_(False)
    return net


def transfer(deep: LinearNet, k: int, shallow: LinearNet, *, freeze: bool = True) -> LinearNet:
    """Copy the single layer of ``shallow`` into layer ``k`` of ``deep`` (frozen unless ``freeze=False``); returns deep."""
    if len(shallow.layers) != 1:
        raise ValueError(f"transfer takes a shallow net (one layer), got {len(shallow.layers)} layers; pass net.layers[i] nets one by one")
    if not 0 <= k < len(deep.layers):
        raise ValueError(f"layer index k={k} is out of range for a net with {len(deep.layers)} layers (0..{len(deep.layers) - 1})")
    src, dst = shallow.layers[0].weight, deep.layers[k].weight
    if src.shape != dst.shape:
        raise ValueError(f"layer {k} of the deep net is {dst.shape[1]} -> {dst.shape[0]} but the shallow net is "
                         f"{src.shape[1]} -> {src.shape[0]}; train the shallow net with the matching sizes")
    with torch.no_grad():
        dst.copy_(src)
    dst.requires_grad_(not freeze)
    return deep


def model_1(L: int, *, seed: int = 0) -> LinearNet:
    """Model 1, the autoencoder: (L^2, L^2/2, L^2/4, L^2/2, L^2), every layer trainable."""
    return LinearNet(autoencoder_sizes(L), seed=seed)


def model_2(L: int, *, seed: int = 0) -> LinearNet:
    """Model 2: the encoder is the hard-coded decimation (HCG-L^2-L^2/2, HCG-L^2/2-L^2/4, frozen); the decoder trains."""
    from ..lattice.decimation import decimation_matrix

    net = model_1(L, seed=seed)
    transfer(net, 0, hard_coded(decimation_matrix(L, 1)))
    return transfer(net, 1, hard_coded(decimation_matrix(L, 2)))


def model_3(cg1: LinearNet, cg2: LinearNet, up1: LinearNet, up2: LinearNet) -> LinearNet:
    """Model 3: all four layers transferred (frozen) from the trained shallow nets
    CG-L^2-L^2/2, CG-L^2/2-L^2/4, UP-L^2/4-L^2/2 and UP-L^2/2-L^2; nothing left to train."""
    sizes = (cg1.sizes[0], cg1.sizes[1], cg2.sizes[1], up1.sizes[1], up2.sizes[1])
    net = LinearNet(sizes)
    for k, shallow in enumerate((cg1, cg2, up1, up2)):
        transfer(net, k, shallow)
    return net


def _hinge(pred, target):
    return F.relu(1.0 - pred * target).mean()


def _squared_hinge(pred, target):
    return F.relu(1.0 - pred * target).square().mean()


#: Reconstruction losses for +-1 targets: name -> fn(pred, target) -> scalar (Keras's definitions).
LOSSES = {"hinge": _hinge, "squared_hinge": _squared_hinge, "mse": F.mse_loss, "l1": F.l1_loss}


def loss_fn(name: str = "hinge", l1: float = 0.0):
    """A ``fit`` loss for (x, target) batches: ``LOSSES[name](model(x), target flattened)`` plus
    ``l1 * model.l1_penalty()`` in training mode only (so validation reports the data term alone)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(repr(k) for k in LOSSES)}")
    l1 = _validate.finite_float(l1, "l1")
    if l1 < 0:
        raise ValueError(f"l1 must be >= 0 (0 switches the regularisation off), got {l1}")
    base = LOSSES[name]

    def fn(model, batch):
        x, target = batch
        pred = model(x)
        loss = base(pred, target.reshape(pred.shape))
        if l1 and model.training:
            loss = loss + l1 * model.l1_penalty()
        return loss

    fn.__name__ = f"{name}+l1({l1:g})"
    return fn
