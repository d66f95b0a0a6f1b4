"""Restricted Boltzmann machines: binary (0/1) units, and one-hot q-state (Potts) visible units.

    rbm = RBM(n_visible=100, n_hidden=64, seed=0)
    history = train_rbm(rbm, v, epochs=100, batch_size=100, lr=0.01, k=1)    # v: float 0/1 (n, 100)
    path = rbm.flow(v0, steps=40)          # (41, B, 100): v0, then mean-field v -> h -> v reconstructions

Energy E(v, h) = -b.v - c.h - h.W.v, so p(v) ∝ exp(-F(v)) with the free energy
F(v) = -b.v - sum_a softplus(c_a + (W v)_a). ``PottsRBM`` is the same machine whose visible units
come in groups of q (one group per site) holding a one-hot vector: p(v_i = e_s | h) is a softmax over
the q states of site i. Both train by contrastive divergence (CD-k) or persistent CD through
``latticelab.nn.fit`` (so a ``TrainingMonitor`` watches them): the loss ``F(v_data) - F(v_model)``
has the CD gradient. Spins map to units as v = (s + 1) / 2 (``spins_to_visible``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .. import _validate

MAX_EXACT_HIDDEN = 20  # log_partition enumerates 2^n_hidden hidden states


class RBM(torch.nn.Module):
    """A binary RBM: ``W`` (n_hidden, n_visible), visible bias ``b`` (n_visible,), hidden bias ``c`` (n_hidden,).

    Weights start as N(0, weight_std^2) from a private generator seeded by ``seed``; biases at 0.
    Every method takes visible vectors float (B, n_visible) with entries in [0, 1] (0/1 for samples,
    probabilities for mean-field reconstructions).
    """

    def __init__(self, n_visible: int, n_hidden: int, *, seed: int = 0, weight_std: float = 0.01):
        super().__init__()
        self.n_visible = _validate.positive_int(n_visible, "n_visible")
        self.n_hidden = _validate.positive_int(n_hidden, "n_hidden")
        gen = torch.Generator().manual_seed(_validate.seed(seed))
        std = _validate.finite_float(weight_std, "weight_std")
        self.W = torch.nn.Parameter(std * torch.randn(self.n_hidden, self.n_visible, generator=gen))
        self.b = torch.nn.Parameter(torch.zeros(self.n_visible))
        self.c = torch.nn.Parameter(torch.zeros(self.n_hidden))

    # -- shapes ----------------------------------------------------------------------------
    def _check(self, v: torch.Tensor) -> torch.Tensor:
        if not isinstance(v, torch.Tensor):
            v = torch.as_tensor(v)
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError(
                f"{type(self).__name__} takes visible vectors of shape (B, {self.n_visible}), got {tuple(v.shape)}; "
                "flatten a lattice batch with x.reshape(len(x), -1) (and map spins with spins_to_visible)")
        return v.to(dtype=self.W.dtype, device=self.W.device)

    # -- conditionals ----------------------------------------------------------------------
    def hidden_field(self, v: torch.Tensor) -> torch.Tensor:
        """c + W v: float (B, n_hidden)."""
        return F.linear(self._check(v), self.W, self.c)

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        """p(h_a = 1 | v) = sigmoid(c + W v): float (B, n_hidden)."""
        return torch.sigmoid(self.hidden_field(v))

    def visible_field(self, h: torch.Tensor) -> torch.Tensor:
        """b + W^T h: float (B, n_visible)."""
        return h @ self.W + self.b

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        """p(v_i = 1 | h) = sigmoid(b + W^T h): float (B, n_visible)."""
        return torch.sigmoid(self.visible_field(h))

    def sample_hidden(self, v: torch.Tensor, generator=None) -> torch.Tensor:
        """h ~ p(h | v): float 0/1 (B, n_hidden)."""
        return torch.bernoulli(self.hidden_probs(v), generator=generator)

    def sample_visible(self, h: torch.Tensor, generator=None) -> torch.Tensor:
        """v ~ p(v | h): float 0/1 (B, n_visible)."""
        return torch.bernoulli(self.visible_probs(h), generator=generator)

    def _visible_log_norm(self, field: torch.Tensor) -> torch.Tensor:
        """log sum_v exp(field . v) over all visible states: float (...,) of field (..., n_visible)."""
        return F.softplus(field).sum(-1)

    # -- energies ----------------------------------------------------------------------------
    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) = -b.v - sum_a softplus(c_a + (W v)_a): float (B,), with p(v) = exp(-F(v)) / Z."""
        v = self._check(v)
        return -(v @ self.b) - F.softplus(F.linear(v, self.W, self.c)).sum(-1)

    def log_partition(self) -> torch.Tensor:
        """log Z by enumerating the 2^n_hidden hidden states (n_hidden <= 20): a scalar tensor."""
        if self.n_hidden > MAX_EXACT_HIDDEN:
            raise ValueError(f"log_partition enumerates 2^n_hidden states; n_hidden={self.n_hidden} is above "
                             f"{MAX_EXACT_HIDDEN}. Use it on small machines only (tests, tutorials)")
        codes = torch.arange(2 ** self.n_hidden, device=self.W.device)
        h = ((codes[:, None] >> torch.arange(self.n_hidden, device=self.W.device)) & 1).to(self.W.dtype)
        return torch.logsumexp(h @ self.c + self._visible_log_norm(self.visible_field(h)), dim=0)

    def log_likelihood(self, v: torch.Tensor) -> torch.Tensor:
        """log p(v) = -F(v) - log Z (exact; small n_hidden only): float (B,)."""
        return -self.free_energy(v) - self.log_partition()

    # -- chains --------------------------------------------------------------------------------
    def step(self, v: torch.Tensor, sample: bool = False, generator=None) -> torch.Tensor:
        """One v -> h -> v step: mean-field ``visible_probs(hidden_probs(v))``, or sampled both ways."""
        if sample:
            return self.sample_visible(self.sample_hidden(v, generator), generator)
        return self.visible_probs(self.hidden_probs(v))

    @torch.no_grad()
    def flow(self, v: torch.Tensor, steps: int, sample: bool = False, generator=None) -> torch.Tensor:
        """The RBM flow: float (steps + 1, B, n_visible) with ``flow[0] = v`` and ``flow[n] = step(flow[n-1])``.

        Mean-field (probabilities) by default; ``sample=True`` samples h and v at every step
        (``generator``: a torch.Generator for reproducible samples)."""
        steps = _validate.positive_int(steps, "steps", minimum=0)
        v = self._check(v)
        out = torch.empty((steps + 1, *v.shape), dtype=v.dtype, device=v.device)
        out[0] = v
        for n in range(steps):
            out[n + 1] = self.step(out[n], sample, generator)
        return out

    def gibbs(self, v: torch.Tensor, k: int, generator=None) -> torch.Tensor:
        """k sampled v -> h -> v steps (no gradient): float 0/1 (B, n_visible)."""
        with torch.no_grad():
            for _ in range(k):
                v = self.step(v, True, generator)
        return v

    def random_visible(self, batch: int, generator=None) -> torch.Tensor:
        """Uniformly random visible states (T = infinity): float 0/1 (batch, n_visible)."""
        return torch.bernoulli(torch.full((batch, self.n_visible), 0.5, dtype=self.W.dtype, device=self.W.device),
                               generator=generator)


class PottsRBM(RBM):
    """An RBM whose visible layer is ``n_sites`` one-hot groups of ``q`` units (a q-state Potts site each).

    ``n_visible = n_sites * q``; a visible vector is float (B, n_sites * q), site-major (unit i * q + s is
    site i in state s). ``W`` (n_hidden, n_sites * q), ``b`` (n_sites * q,), ``c`` (n_hidden,).
    p(v_i = e_s | h) = softmax_s(b + W^T h)_{i, s}: each site's conditional is normalised over its q states.
    """

    def __init__(self, n_sites: int, q: int, n_hidden: int, *, seed: int = 0, weight_std: float = 0.01):
        self.n_sites = _validate.positive_int(n_sites, "n_sites")
        self.q = _validate.positive_int(q, "q", minimum=2)
        super().__init__(self.n_sites * self.q, n_hidden, seed=seed, weight_std=weight_std)

    def _groups(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(*x.shape[:-1], self.n_sites, self.q)

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        """p(v_i = e_s | h): float (B, n_sites * q), summing to 1 over each site's q units."""
        return torch.softmax(self._groups(self.visible_field(h)), dim=-1).flatten(-2)

    def sample_visible(self, h: torch.Tensor, generator=None) -> torch.Tensor:
        """One-hot v ~ p(v | h): float (B, n_sites * q)."""
        p = self._groups(self.visible_probs(h))
        u = torch.rand((*p.shape[:-1], 1), generator=generator, dtype=p.dtype, device=p.device)
        states = (p.cumsum(-1) < u).sum(-1).clamp_(max=self.q - 1)  # inverse CDF: one uniform per site
        return F.one_hot(states, self.q).to(p.dtype).flatten(-2)

    def _visible_log_norm(self, field: torch.Tensor) -> torch.Tensor:
        return torch.logsumexp(self._groups(field), dim=-1).sum(-1)

    def random_visible(self, batch: int, generator=None) -> torch.Tensor:
        """Uniformly random one-hot states: float (batch, n_sites * q)."""
        states = torch.randint(0, self.q, (batch, self.n_sites), generator=generator, device=self.W.device)
        return F.one_hot(states, self.q).to(self.W.dtype).flatten(-2)

    def states(self, v: torch.Tensor) -> torch.Tensor:
        """The most probable state of each site: int64 (..., n_sites) of v float (..., n_sites * q)."""
        return self._groups(v).argmax(-1)


# -- data <-> units ---------------------------------------------------------------------------
def spins_to_visible(spins) -> torch.Tensor:
    """+-1 spins (..., L, L) (numpy or torch) -> float32 0/1 visible vectors (..., L * L)."""
    s = torch.as_tensor(spins)
    return ((s.flatten(-2).to(torch.float32) + 1) / 2)


def states_to_visible(states, q: int) -> torch.Tensor:
    """Potts states 0..q-1 (..., L, L) -> float32 one-hot visible vectors (..., L * L * q), site-major."""
    s = torch.as_tensor(states).to(torch.int64).flatten(-2)
    if s.numel() and (s.min() < 0 or s.max() >= q):
        raise ValueError(f"Potts states must lie in 0..{q - 1}; got values from {int(s.min())} to {int(s.max())}")
    return F.one_hot(s, q).to(torch.float32).flatten(-2)


# -- training -------------------------------------------------------------------------------------
class ContrastiveDivergence:
    """A ``fit`` loss for an RBM: ``F(v_data).mean() - F(v_model).mean()``, whose gradient is the CD-k one.

    k: Gibbs steps from the data (CD-k), or from persistent chains (``persistent=True``: PCD, one
    chain per row of the first batch, carried across batches). ``last_reconstruction_error`` is
    the mean squared difference between a batch and its one-step mean-field reconstruction.
    Random numbers come from torch's global generator (``fit(seed=...)`` seeds it for the run only).
    """

    def __init__(self, k: int = 1, persistent: bool = False):
        self.k = _validate.positive_int(k, "k")
        self.persistent = bool(persistent)
        self.chains = None  # float (B, n_visible): the persistent chains (PCD)
        self.last_reconstruction_error = float("nan")

    def __call__(self, model: RBM, batch) -> torch.Tensor:
        v = batch[0] if isinstance(batch, (tuple, list)) else batch
        v = model._check(v)
        with torch.no_grad():
            field_v = F.linear(v, model.W, model.c)  # (B, n_hidden)
            ph_v = torch.sigmoid(field_v)
            if self.persistent:
                if self.chains is None or self.chains.shape[0] != v.shape[0]:
                    self.chains = v.detach().clone()
                neg = model.gibbs(self.chains, self.k)
                self.chains = neg
            else:  # the first step reuses p(h | v), drawing the same random numbers as model.gibbs(v, k)
                neg = model.sample_visible(torch.bernoulli(ph_v))
                neg = model.gibbs(neg, self.k - 1) if self.k > 1 else neg
            field_n = F.linear(neg, model.W, model.c)
            ph_n = torch.sigmoid(field_n)
            self.last_reconstruction_error = float(((model.visible_probs(ph_v) - v) ** 2).mean())
            B = v.shape[0]
            gap = (F.softplus(field_n).sum(-1) - F.softplus(field_v).sum(-1) + (neg - v) @ model.b).mean()
            grads = ((ph_n.T @ neg - ph_v.T @ v) / B, (neg - v).mean(0), (ph_n - ph_v).mean(0))
        return _FreeEnergyGap.apply(model.W, model.b, model.c, gap, *grads)


class _FreeEnergyGap(torch.autograd.Function):
    """``mean F(v_data) - mean F(v_model)`` with its gradient in closed form (dF/dW = -p(h|v) v^T, dF/db = -v,
    dF/dc = -p(h|v)): the same CD gradient autograd would give through ``free_energy``, 3-4x cheaper per batch."""

    @staticmethod
    def forward(ctx, W, b, c, gap, grad_W, grad_b, grad_c):
        ctx.save_for_backward(grad_W, grad_b, grad_c)
        return gap.clone()

    @staticmethod
    def backward(ctx, g):
        grad_W, grad_b, grad_c = ctx.saved_tensors
        return g * grad_W, g * grad_b, g * grad_c, None, None, None, None


class TensorBatches:
    """Shuffled mini-batches of a tensor, as a ``DataLoader(TensorDataset(x), shuffle=True, drop_last=True)``
    yields them (the same permutations from the same global seed) without its per-item collation: tuples
    ``(x[idx],)`` of float (batch_size, ...). ``generator`` is None (shuffling follows torch's global
    generator, which ``fit(seed=...)`` seeds), so ``fit``'s checkpoints restore it."""

    generator = None

    def __init__(self, x: torch.Tensor, batch_size: int):
        self.x, self.batch_size = x, int(batch_size)

    def __len__(self) -> int:
        return len(self.x) // self.batch_size

    def __iter__(self):
        n = len(self.x)
        torch.empty((), dtype=torch.int64).random_()  # the DataLoader iterator's base seed
        seed = int(torch.empty((), dtype=torch.int64).random_().item())  # the RandomSampler's
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        for i in range(len(self)):
            yield (self.x[perm[i * self.batch_size:(i + 1) * self.batch_size]],)


def train_rbm(rbm: RBM, v, *, epochs: int, batch_size: int = 100, lr: float = 0.01, k: int = 1,
              persistent: bool = False, momentum: float = 0.0, seed: int = 0, callbacks=(), device=None,
              checkpoint=None) -> dict:
    """Train ``rbm`` on visible vectors ``v`` float (n, n_visible) by CD-k (or PCD) with SGD; returns fit's history.

    Batches of ``batch_size`` are drawn shuffled (seeded); ``callbacks`` go to ``fit`` (e.g. a
    ``TrainingMonitor``). The history's train_loss is the free-energy gap F(data) - F(model).
    ``checkpoint``: a file for ``fit``'s per-epoch checkpoint, so a killed run continues where it stopped.
    """
    from .fit import fit

    v = rbm._check(torch.as_tensor(v)).detach().cpu()
    if v.shape[0] < 1:
        raise ValueError("train_rbm needs at least one visible vector")
    batch_size = _validate.positive_int(batch_size, "batch_size")
    lr = _validate.finite_float(lr, "lr")
    if not lr > 0 or not math.isfinite(lr):
        raise ValueError(f"lr must be a positive learning rate, e.g. lr=0.01; got {lr}")
    loader = TensorBatches(v, min(batch_size, len(v)))
    optimizer = torch.optim.SGD(rbm.parameters(), lr=lr, momentum=momentum)
    return fit(rbm, loader, epochs=epochs, loss_fn=ContrastiveDivergence(k, persistent), optimizer=optimizer,
               device=device, callbacks=callbacks, seed=seed, checkpoint=checkpoint)
