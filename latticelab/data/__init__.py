"""Generate, cache and load labelled sample sets; torch adapters.

    ds = ll.data.generate(ll.Ising(L=16), T=[1.5, 2.27, 3.0], n_samples=1000, seed=0)
    train, val = ll.data.train_val_split(ds, 0.8)
    loader = DataLoader(ll.data.TorchDataset(train, target="T_index"), batch_size=100)

Entries live in ``$LATTICELAB_CACHE`` (default ``~/.cache/latticelab/datasets``), keyed
by a sha256 of every parameter that affects the samples (the latticelab version and the
file format's included), stored as the system's codec says (bit-packed spins and states, raw
numbers for any other state), checksummed and written atomically. ``TorchDataset`` is imported lazily (torch only when used).
"""
from .dataset import LABELS, Dataset
from .generation import CacheWarning, cache_path, generate, load, resolve_cache_dir, save
from .packing import Codec, codec_for
from .spec import FORMAT_VERSION, DatasetSpec
from .split import split_indices, train_val_split
from .store import clean_temp_files, default_cache_dir

__all__ = [
    "CacheWarning",
    "Codec",
    "Dataset",
    "DatasetSpec",
    "FORMAT_VERSION",
    "LABELS",
    "TorchDataset",
    "cache_path",
    "clean_temp_files",
    "codec_for",
    "default_cache_dir",
    "generate",
    "load",
    "resolve_cache_dir",
    "save",
    "split_indices",
    "train_val_split",
]


def __getattr__(name):
    if name == "TorchDataset":
        from .torch_dataset import TorchDataset

        return TorchDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
