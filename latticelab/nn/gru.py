"""``AutoregressiveGRU``: an exactly normalised autoregressive model of lattice configurations.

The lattice is unwrapped into a sequence (``latticelab.lattice.unwrap``, order 'spiral' by default)
and a GRU reads it site by site; at every site a softmax over the ``n_states`` states gives
P(s_k | s_<k), so P(sigma) = prod_k P(s_k | s_<k) sums to one over all configurations by
construction (the original work regressed the next spin with a squared error instead, which is
not a normalised distribution). Trained by maximum likelihood: ``loss = -log_prob(x).mean()``.

States are integer indices 0..n_states-1; Ising spins +-1 map to them by (s + 1) // 2.
"""
from __future__ import annotations

import torch
from torch import nn

from .._validate import positive_int
from ..lattice.orders import ORDERS, permutation


class AutoregressiveGRU(nn.Module):
    """P(sigma) of (L, L) configurations with ``n_states`` states per site, for any L.

    Input at step k: a one-hot of the previous site's state (n_states channels) plus a start channel
    that is on at k = 0 only; output: logits (n_states,) of site k.
    """

    def __init__(self, n_states: int = 2, hidden: int = 64, layers: int = 1, order: str = "spiral", *, seed=0):
        super().__init__()
        self.n_states = positive_int(n_states, "n_states", minimum=2)
        self.hidden = positive_int(hidden, "hidden")
        self.layers = positive_int(layers, "layers")
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}; choose one of {', '.join(map(repr, ORDERS))}")
        self.order = order
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0 if seed is None else int(seed))
            self.gru = nn.GRU(self.n_states + 1, self.hidden, self.layers, batch_first=True)
            self.head = nn.Linear(self.hidden, self.n_states)

    def extra_repr(self) -> str:
        return f"n_states={self.n_states}, hidden={self.hidden}, layers={self.layers}, order={self.order!r}"

    def _device(self):
        return self.head.weight.device

    def _states(self, configs) -> torch.Tensor:
        """configs (B, L, L) integer states -> int64 tensor (B, L*L) in sequence order."""
        x = torch.as_tensor(configs, device=self._device())
        if x.ndim != 3 or x.shape[-1] != x.shape[-2]:
            raise ValueError(f"log_prob needs integer states of shape (B, L, L), got shape {tuple(x.shape)}")
        if x.dtype.is_floating_point or x.dtype == torch.bool:
            raise TypeError(f"log_prob needs integer state indices 0..{self.n_states - 1}, got dtype {x.dtype}; "
                            "map Ising spins with (s + 1) // 2")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.n_states):
            raise ValueError(f"states must lie in 0..{self.n_states - 1}, got {int(x.min())}..{int(x.max())}; "
                             "map Ising spins +-1 with (s + 1) // 2")
        L = x.shape[-1]
        perm = torch.tensor(permutation(L, self.order), device=x.device)
        return x.reshape(x.shape[0], L * L)[:, perm].long()

    def _inputs(self, seq: torch.Tensor) -> torch.Tensor:
        """seq int64 (B, N) -> float inputs (B, N, n_states + 1): start token, then the previous states one-hot."""
        B, N = seq.shape
        inp = torch.zeros(B, N, self.n_states + 1, device=seq.device, dtype=self.head.weight.dtype)
        inp[:, 0, self.n_states] = 1.0
        if N > 1:
            inp[:, 1:, : self.n_states] = nn.functional.one_hot(seq[:, :-1], self.n_states).to(inp.dtype)
        return inp

    def conditional_log_probs(self, configs) -> torch.Tensor:
        """log P(s_k = a | s_<k): float (B, L*L, n_states), in sequence order."""
        seq = self._states(configs)
        out, _ = self.gru(self._inputs(seq))
        return torch.log_softmax(self.head(out), dim=-1)

    def log_prob(self, configs) -> torch.Tensor:
        """Natural log P(sigma): float (B,) for integer states configs (B, L, L) in 0..n_states-1."""
        seq = self._states(configs)
        out, _ = self.gru(self._inputs(seq))
        logp = torch.log_softmax(self.head(out), dim=-1)
        return logp.gather(-1, seq.unsqueeze(-1)).squeeze(-1).sum(-1)

    forward = log_prob

    def nll(self, configs) -> torch.Tensor:
        """The maximum-likelihood loss: mean of -log P over the batch (a scalar)."""
        return -self.log_prob(configs).mean()

    @torch.no_grad()
    def sample(self, n: int, L: int, *, seed=None, batch_size: int = 8192) -> torch.Tensor:
        """Exact samples by ancestral sampling: int64 states (n, L, L), drawn ``batch_size`` at a time
        from a generator seeded with ``seed`` (the global torch RNG is not touched)."""
        n, L = positive_int(n, "n", minimum=0), positive_int(L, "L")
        gen = torch.Generator(device=self._device())
        gen.manual_seed(0 if seed is None else int(seed))
        was_training = self.training
        self.eval()
        parts = [self._sample_batch(min(batch_size, n - k), L, gen) for k in range(0, n, batch_size)]
        self.train(was_training)
        seq = torch.cat(parts) if parts else torch.zeros(0, L * L, dtype=torch.long, device=self._device())
        inv = torch.tensor(permutation(L, self.order).argsort(), device=seq.device)
        return seq[:, inv].reshape(n, L, L)

    def _sample_batch(self, B: int, L: int, gen) -> torch.Tensor:
        dev, dtype = self._device(), self.head.weight.dtype
        inp = torch.zeros(B, 1, self.n_states + 1, device=dev, dtype=dtype)
        inp[:, 0, self.n_states] = 1.0
        h, seq = None, torch.empty(B, L * L, dtype=torch.long, device=dev)
        for k in range(L * L):
            out, h = self.gru(inp, h)
            probs = torch.softmax(self.head(out[:, 0]), dim=-1)
            seq[:, k] = torch.multinomial(probs, 1, generator=gen).squeeze(-1)
            inp = nn.functional.one_hot(seq[:, k : k + 1], self.n_states + 1).to(dtype)
        return seq
