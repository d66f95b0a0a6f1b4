"""``TorchDataset``: a ``Dataset`` as a ``torch.utils.data.Dataset`` (the only torch import in data/).

Each item is ``(config, target)`` (just ``config`` when ``target=None``):

- config: ``dtype`` tensor with a channel axis, (1, L, L) — ready for Conv2d; use
  ``x.flatten(1)`` on a batch for an MLP. Spins are +-1; states (``site_kind='state'``, e.g.
  Potts) are 0..n_states-1 as floats, or one-hot (n_states, L, L) with ``one_hot=True``. A
  state that already has a leading axis, (C, L, L), is used as it is (C channels).
- target: any ``Dataset.labels`` kind. Index-like kinds ('T_index', 'h_index', 'point',
  'ordered') are int64 scalars (for cross-entropy); the others ('T', 'h', 'beta',
  'energy', 'magnetization') are ``dtype`` scalars.
"""
from __future__ import annotations

import torch
from torch.utils.data import Dataset as _TorchBase

from .dataset import LABELS, Dataset
from .split import train_val_split

INDEX_LABELS = ("point", "T_index", "h_index", "ordered")


class TorchDataset(_TorchBase):
    """Configurations and labels of a ``Dataset`` for a torch DataLoader.

    split: None (everything), 'train' or 'val' — ``train_val_split(dataset,
    split_fraction, split_seed)`` applied first. ``transform`` maps the config tensor
    (after one-hot) to whatever the model wants.
    """

    def __init__(
        self,
        dataset: Dataset,
        target="T",
        transform=None,
        dtype=torch.float32,
        split=None,
        *,
        one_hot: bool = False,
        split_fraction: float = 0.8,
        split_seed: int = 0,
    ):
        if not isinstance(dataset, Dataset):
            raise TypeError(f"TorchDataset wraps an ll.data.Dataset (from ll.data.generate), got {type(dataset).__name__}")
        if target is not None and target not in LABELS:
            raise ValueError(f"unknown target {target!r}; choose None or one of {', '.join(map(repr, LABELS))}")
        if split not in (None, "train", "val"):
            raise ValueError(f"split must be None, 'train' or 'val', got {split!r}")
        if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise TypeError(f"dtype must be a floating torch dtype such as torch.float32, got {dtype!r}")
        if split is not None:
            dataset = train_val_split(dataset, split_fraction, split_seed)[0 if split == "train" else 1]
        self.n_states = dataset.system.n_states
        if one_hot and dataset.system.site_kind != "state":
            raise ValueError(
                f"one_hot=True is for systems of discrete states (site_kind 'state', e.g. Potts); "
                f"{type(dataset.system).__name__} has site_kind {dataset.system.site_kind!r}"
            )
        self.dataset = dataset
        self.target = target
        self.transform = transform
        self.dtype = dtype
        self.one_hot = bool(one_hot)
        self._configs = torch.from_numpy(dataset.flat_configs().copy())  # state_dtype (n, *state_shape)
        self._site_dims = len(dataset.configs.shape) - 2  # 2 for (L, L) states
        if target is None:
            self._targets = None
        else:
            t = torch.from_numpy(dataset.labels(target).copy())
            self._targets = t.to(torch.int64) if target in INDEX_LABELS else t.to(dtype)

    def __len__(self) -> int:
        return self._configs.shape[0]

    def _features(self, configs: torch.Tensor) -> torch.Tensor:
        """(..., L, L) -> dtype (..., C, L, L) with C = 1, or n_states when one-hot; (..., C, L, L) states stay."""
        if self.one_hot:
            x = torch.nn.functional.one_hot(configs.to(torch.int64), self.n_states)  # (..., *state_shape, q)
            return x.movedim(-1, -1 - self._site_dims).to(self.dtype)
        return (configs.unsqueeze(-3) if self._site_dims == 2 else configs).to(self.dtype)

    def __getitem__(self, i):
        x = self._features(self._configs[i])
        if self.transform is not None:
            x = self.transform(x)
        if self._targets is None:
            return x
        return x, self._targets[i]

    def tensors(self, device=None) -> tuple:
        """All items at once, (configs (n, C, L, L), targets (n,)) — for full-batch training.

        ``transform`` is not applied here (it acts on single items).
        """
        x = self._features(self._configs).to(device)
        if self._targets is None:
            return x, None
        return x, self._targets.to(device)
