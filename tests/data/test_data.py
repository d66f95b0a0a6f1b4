"""latticelab.data: packing, spec keys, the verified atomic cache, labels, splits, torch adapters."""
import dataclasses
import os
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

import latticelab as ll
from latticelab.data import (
    CacheWarning,
    Codec,
    Dataset,
    DatasetSpec,
    cache_path,
    codec_for,
    generate,
    load,
    save,
    split_indices,
    train_val_split,
)
from latticelab import _atomic
from latticelab.data import generation, store
from _data_fakes import fake_sample





def small(system=None, **kw):
    """A tiny spec; keywords override its fields."""
    args = dict(T=[1.5, 2.5, 3.5], n_samples=10, seed=0, backend="numba")
    return DatasetSpec(system or ll.Ising(4), **dict(args, **kw))


def assert_same(a: Dataset, b: Dataset):
    for name in ("configs", "energy", "magnetization", "T", "h", "tau"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.burn_in, a.thin, a.n_chains, a.key) == (b.burn_in, b.thin, b.n_chains, b.key)


# --- packing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "system, bits",
    [(ll.Ising(5), 1), (ll.EdwardsAnderson(5, seed=1), 1), (ll.Potts(5, 2), 1), (ll.Potts(5, 3), 2),
     (ll.Potts(5, 4), 2), (ll.Potts(5, 5), 4), (ll.Potts(5, 16), 4), (ll.Potts(5, 17), 8)],
)
def test_pack_round_trip(system, bits):
    codec = codec_for(system)
    assert codec.bits == bits
    configs = fake_sample(system, [1.0, 2.0, 3.0], 7, seed=3).configs  # 3*7*25 sites: not a multiple of 8
    packed = codec.encode(configs)
    assert packed.dtype == np.uint8 and packed.size == -(-configs.size * bits // 8)
    out = codec.decode(packed, configs.shape)
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, configs)
    # every state present at every packing position survives
    if codec.kind == "state":
        every = np.arange(3 * codec.n_states, dtype=np.int8) % codec.n_states
        np.testing.assert_array_equal(codec.decode(codec.encode(every), every.shape), every)


def test_pack_rejects_bad_values():
    with pytest.raises(ValueError, match="-1 and \\+1"):
        Codec("spin", 2).encode(np.array([1, 0, -1], np.int8))
    with pytest.raises(ValueError, match="states 0..2"):
        Codec("state", 3).encode(np.array([0, 3], np.int8))
    with pytest.raises(ValueError, match="exceed"):  # code 3 cannot be a q = 3 state
        Codec("state", 3).decode(np.array([0b11], np.uint8), (1,))


# --- spec and key ----------------------------------------------------------------------------------

def test_spec_validation_messages():
    with pytest.raises(ValueError, match="needs a system with a field"):
        DatasetSpec(ll.Potts(4, 3), T=[1.0], n_samples=5, h=[0.1])
    with pytest.raises(ValueError, match="same length as T"):
        DatasetSpec(ll.Ising(4), T=[1.0, 2.0], n_samples=5, h=[0.1], points=True)
    with pytest.raises(ValueError, match="repeated"):
        DatasetSpec(ll.Ising(4), T=[1.0, 1.0], n_samples=5)
    with pytest.raises(ValueError, match="positive"):
        DatasetSpec(ll.Ising(4), T=[-1.0], n_samples=5)
    with pytest.raises(TypeError, match="seed=0"):
        DatasetSpec(ll.Ising(4), T=[1.0], n_samples=5, seed=None)
    with pytest.raises(ValueError, match="backend"):
        DatasetSpec(ll.Ising(4), T=[1.0], n_samples=5, backend="jax")
    with pytest.raises(ValueError, match="algorithm"):
        DatasetSpec(ll.Ising(4), T=[1.0], n_samples=5, algorithm="heatbath")
    with pytest.raises(TypeError, match="n_samples"):
        generate(ll.Ising(4), T=[1.0])


def test_key_changes_with_every_parameter():
    base = small()
    variants = {
        "system L": small(system=ll.Ising(6)),
        "system J": small(system=ll.Ising(4, J=0.5)),
        "system h": small(system=ll.Ising(4, h=0.1)),
        "system kind": small(system=ll.Potts(4, 2)),
        "Potts q": small(system=ll.Potts(4, 3)),
        "EA couplings": small(system=ll.EdwardsAnderson(4, seed=1)),
        "T value": small(T=[1.5, 2.5, 3.5000000000000004]),
        "T order": small(T=[2.5, 1.5, 3.5]),
        "T count": small(T=[1.5, 2.5]),
        "h grid": small(h=[0.0, 0.1]),
        "h value": small(h=[0.0, 0.2]),
        "points": small(T=[1.5, 2.5], h=[0.0, 0.1], points=True),
        "n_samples": small(n_samples=11),
        "seed": small(seed=1),
        "burn_in": small(burn_in=100),
        "thin": small(thin=2),
        "algorithm": small(algorithm="metropolis"),
        "backend": small(backend="torch"),
        "n_chains": small(n_chains=2),
        "start": small(start="cold"),
        "symmetrize": small(symmetrize=False),
    }
    keys = {name: s.key() for name, s in variants.items()}
    assert base.key() not in keys.values()
    assert len(set(keys.values())) == len(keys), "two different specs share a key"
    assert small(system=ll.EdwardsAnderson(4, seed=1)).key() != small(system=ll.EdwardsAnderson(4, seed=2)).key()


def test_generate_accepts_every_spec_field():
    import inspect

    fields = {f.name for f in dataclasses.fields(DatasetSpec)} - {"system"}
    assert fields <= set(inspect.signature(generate).parameters)


def test_key_is_canonical_and_stable():
    a = small()
    b = DatasetSpec(ll.Ising(4, J=1, h=-0.0), T=np.array([1.5, 2.5, 3.5]), n_samples=10, seed=0, backend="numba")
    assert a == b and a.key() == b.key()
    assert len(a.key()) == 64 and a.filename().startswith("ising-L4-")
    # a fresh interpreter (different hash seed) computes the same key
    code = (
        "import latticelab as ll; from latticelab.data import DatasetSpec; "
        "print(DatasetSpec(ll.Ising(4), T=[1.5, 2.5, 3.5], n_samples=10, seed=0, backend='numba').key())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONHASHSEED="123"), cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.strip() == a.key()


# --- the cache -------------------------------------------------------------------------------------

def test_cache_hit_returns_identical_data_without_sampling(tmp_path, calls):
    first = generate(ll.Ising(4), T=[1.5, 2.5, 3.5], n_samples=10, seed=0, backend="numba", cache_dir=tmp_path, progress=False)
    assert calls["n"] == 1 and first.path == cache_path(first.spec, tmp_path) and first.path.is_file()
    second = generate(first.spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 1
    assert_same(first, second)
    assert second.created == first.created and second.configs.dtype == np.int8
    generate(first.spec, seed=1, cache_dir=tmp_path, progress=False)  # keyword replaces a spec field
    assert calls["n"] == 2
    generate(first.spec, cache_dir=False, progress=False)  # no cache: always samples
    assert calls["n"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.spec.filename(), dataclasses.replace(first.spec, seed=1).filename()])


def test_cache_dir_from_environment(tmp_path, monkeypatch, calls):
    monkeypatch.setenv("LATTICELAB_CACHE", str(tmp_path / "env"))
    ds = generate(small(), progress=False)
    assert ds.path.parent == tmp_path / "env"
    assert load(small()) is not None


def _corruptions(path):
    data = path.read_bytes()
    n_head = int.from_bytes(data[8:16], "little")

    def flip(i):
        b = bytearray(data)
        b[i] ^= 0x10
        return bytes(b)

    return {
        "truncated": data[: len(data) // 2],
        "truncated by one byte": data[:-1],
        "empty": b"",
        "flipped payload byte": flip(16 + n_head + 3),
        "flipped header byte": flip(16 + n_head // 2),
        "flipped checksum byte": flip(len(data) - 1),
        "flipped magic": flip(0),
        "garbage": b"not a dataset at all" * 10,
    }


def test_corrupt_entries_are_regenerated_not_trusted(tmp_path, calls):
    spec = small()
    good = generate(spec, cache_dir=tmp_path, progress=False)
    n = calls["n"]
    for name, data in _corruptions(good.path).items():
        good.path.write_bytes(data)
        with pytest.warns(CacheWarning, match="invalid cache entry"):
            again = generate(spec, cache_dir=tmp_path, progress=False)
        n += 1
        assert calls["n"] == n, f"{name}: the sampler was not called again"
        assert_same(again, good)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert_same(load(spec, tmp_path), good)  # the rewritten entry is valid


def test_entry_of_another_spec_under_this_name_is_rejected(tmp_path, calls):
    a, b = small(seed=0), small(seed=1)
    generate(b, cache_dir=tmp_path, progress=False)
    os.replace(cache_path(b, tmp_path), cache_path(a, tmp_path))
    with pytest.warns(CacheWarning, match="key"):
        assert load(a, tmp_path) is None


def test_shape_mismatch_with_valid_checksum_is_rejected(tmp_path, calls):
    spec = small()
    ds = generate(spec, cache_dir=tmp_path, progress=False)
    meta, arrays = store.read(ds.path, spec.key())
    meta = {k: v for k, v in meta.items() if k not in ("sections", "payload_nbytes", "payload_sha256")}
    meta["configs"] = dict(meta["configs"], shape=[3, 9, 4, 4])  # re-signed, but inconsistent with the spec
    _atomic.write_atomic(ds.path, store.encode(meta, dict(arrays)))
    with pytest.warns(CacheWarning, match="shape"):
        assert load(spec, tmp_path) is None


def _temp_name(path, pid, host=None):
    return path.parent / f".{path.name}.{host or _atomic.host_tag()}.{pid}.abc123{_atomic.TEMP_SUFFIX}"


def test_leftover_temp_files_are_ignored_and_cleaned(tmp_path, calls):
    spec = small()
    final = cache_path(spec, tmp_path)
    tmp_path.mkdir(exist_ok=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    # a writer that died mid-write: a valid-looking prefix of a real entry
    chunks = store.encode({"key": spec.key()}, {"x": np.zeros(100, np.uint8)})
    partial = b"".join(chunks)[:60]
    dead_tmp = _temp_name(final, dead.pid)
    dead_tmp.write_bytes(partial)
    old_tmp = _temp_name(final, 1, host="otherhost")
    old_tmp.write_bytes(partial)
    os.utime(old_tmp, (time.time() - 2 * store.STALE_AFTER_S,) * 2)
    live_tmp = _temp_name(final, os.getpid())  # a concurrent writer in this very process: keep
    live_tmp.write_bytes(partial)
    assert load(spec, tmp_path) is None  # temp files are never read
    ds = generate(spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 1 and ds.path == final
    assert not dead_tmp.exists() and not old_tmp.exists() and live_tmp.exists()
    assert_same(load(spec, tmp_path), ds)


def _interrupting_writer(monkeypatch):
    def write_some_then_interrupt(f, chunks):
        data = b"".join(chunks)
        f.write(data[: len(data) // 2])
        f.flush()
        raise KeyboardInterrupt

    monkeypatch.setattr(_atomic, "_write_chunks", write_some_then_interrupt)


def test_interrupted_write_leaves_no_valid_looking_entry(tmp_path, calls, monkeypatch):
    spec = small()
    _interrupting_writer(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        generate(spec, cache_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []  # neither the entry nor the temp file
    monkeypatch.undo()
    monkeypatch.setattr(generation, "_sample", fake_sample)
    assert load(spec, tmp_path) is None
    generate(spec, cache_dir=tmp_path, progress=False)
    assert load(spec, tmp_path) is not None


def test_interrupted_overwrite_keeps_the_old_entry(tmp_path, calls, monkeypatch):
    ds = generate(small(), cache_dir=tmp_path, progress=False)
    before = ds.path.read_bytes()
    _interrupting_writer(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        save(ds, tmp_path)
    assert ds.path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [ds.path.name]


def test_concurrent_writers_of_one_key(tmp_path, calls):
    ds = generate(small(), cache_dir=tmp_path, progress=False)
    threads = [threading.Thread(target=save, args=(ds, tmp_path)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.name for p in tmp_path.iterdir()] == [ds.path.name]
    assert_same(load(ds.spec, tmp_path), ds)


def test_subsets_are_not_cached(tmp_path, calls):
    ds = generate(small(), cache_dir=False, progress=False)
    with pytest.raises(ValueError, match="split or subset"):
        save(train_val_split(ds)[0], tmp_path)


# --- labels, grids, splits -------------------------------------------------------------------------

def test_product_grid_and_labels(tmp_path, calls):
    ds = generate(ll.Ising(4), T=[3.0, 2.0], h=[0.0, 0.5, -0.5], n_samples=4, seed=2, backend="numba", cache_dir=tmp_path,
                  progress=False)
    assert ds.configs.shape == (6, 4, 4, 4) and ds.energy.shape == (6, 4)
    np.testing.assert_array_equal(ds.T, [3.0, 3.0, 3.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(ds.h, [0.0, 0.5, -0.5] * 2)
    np.testing.assert_array_equal(ds.T_values, [3.0, 2.0])
    np.testing.assert_array_equal(ds.T_index, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(ds.h_index, [0, 1, 2, 0, 1, 2])
    assert ds.labels("T_index").shape == (24,) and ds.labels("T", flat=False).shape == (6, 4)
    np.testing.assert_array_equal(ds.labels("point")[:5], [0, 0, 0, 0, 1])
    np.testing.assert_allclose(ds.energy, ll.Ising(4).energy(ds.configs, h=ds.h[:, None]))
    assert ds.flat_configs().shape == (24, 4, 4)
    with pytest.raises(ValueError, match="critical temperature"):
        ds.labels("ordered")
    with pytest.raises(ValueError, match="unknown label"):
        ds.labels("colour")


def test_explicit_points_and_ordered_labels(calls):
    ds = generate(ll.Ising(4), T=[1.0, 3.0, 1.0], h=[0.0, 0.0, 0.1], points=True, n_samples=3, cache_dir=False, progress=False)
    np.testing.assert_array_equal(ds.T_index, [0, 1, 0])
    np.testing.assert_array_equal(ds.h_index, [0, 0, 1])
    zero = generate(ll.Ising(4), T=[1.0, 3.0], n_samples=3, cache_dir=False, progress=False)
    np.testing.assert_array_equal(zero.labels("ordered", flat=False)[:, 0], [1, 0])
    assert zero.to_samples().configs is zero.configs


def test_split_per_temperature(calls):
    ds = generate(ll.Ising(4), T=[1.0, 2.0, 3.0, 4.0], n_samples=25, cache_dir=False, progress=False)
    train, val = train_val_split(ds, 0.8, seed=5)
    assert train.configs.shape == (4, 20, 4, 4) and val.configs.shape == (4, 5, 4, 4)
    for i in range(4):
        both = np.concatenate([train.indices[i], val.indices[i]])
        assert sorted(both) == list(range(25))  # disjoint and complete at every T
        np.testing.assert_array_equal(train.configs[i], ds.configs[i, train.indices[i]])
        np.testing.assert_array_equal(val.energy[i], ds.energy[i, val.indices[i]])
    assert not all(np.array_equal(train.indices[0], train.indices[i]) for i in range(1, 4))  # independent per T
    again, _ = train_val_split(ds, 0.8, seed=5)
    np.testing.assert_array_equal(again.indices, train.indices)
    other, _ = train_val_split(ds, 0.8, seed=6)
    assert not np.array_equal(other.indices, train.indices)
    np.testing.assert_array_equal(train.labels("T_index", flat=False)[:, 0], [0, 1, 2, 3])
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_indices(2, 10, 1.0)
    with pytest.raises(ValueError, match="empty"):
        split_indices(2, 2, 0.9)


# --- torch ---------------------------------------------------------------------------------------

def test_torch_dataset_shapes_dtypes_targets(calls):
    import torch

    from latticelab.data import TorchDataset

    ds = generate(ll.Ising(4), T=[1.0, 2.0, 3.0], n_samples=10, cache_dir=False, progress=False)
    td = TorchDataset(ds, target="T_index")
    assert len(td) == 30
    x, y = td[11]
    assert x.shape == (1, 4, 4) and x.dtype == torch.float32 and y.dtype == torch.int64 and int(y) == 1
    np.testing.assert_array_equal(x[0].numpy(), ds.configs[1, 1])
    x, y = TorchDataset(ds, target="T", dtype=torch.float64)[29]
    assert x.dtype == torch.float64 and y.dtype == torch.float64 and float(y) == 3.0
    _, y = TorchDataset(ds, target="energy")[3]
    assert float(y) == pytest.approx(ds.energy[0, 3])
    x = TorchDataset(ds, target=None, transform=lambda t: t.flatten())[0]
    assert isinstance(x, torch.Tensor) and x.shape == (16,)
    train, val = TorchDataset(ds, split="train"), TorchDataset(ds, split="val")
    assert (len(train), len(val)) == (24, 6)
    xb, yb = next(iter(torch.utils.data.DataLoader(train, batch_size=8, shuffle=True)))
    assert xb.shape == (8, 1, 4, 4) and yb.shape == (8,)
    X, Y = TorchDataset(ds, target="T_index").tensors()
    assert X.shape == (30, 1, 4, 4) and Y.tolist() == [0] * 10 + [1] * 10 + [2] * 10
    with pytest.raises(ValueError, match="one_hot"):
        TorchDataset(ds, one_hot=True)
    with pytest.raises(ValueError, match="unknown target"):
        TorchDataset(ds, target="temperature")


def test_torch_dataset_potts_one_hot(calls):
    import torch

    from latticelab.data import TorchDataset

    ds = generate(ll.Potts(4, 3), T=[0.8, 1.2], n_samples=5, cache_dir=False, progress=False)
    x, y = TorchDataset(ds, target="T_index", one_hot=True)[7]
    assert x.shape == (3, 4, 4) and x.dtype == torch.float32
    torch.testing.assert_close(x.sum(0), torch.ones(4, 4))
    np.testing.assert_array_equal(x.argmax(0).numpy(), ds.configs[1, 2])
    x, _ = TorchDataset(ds)[0]
    assert x.shape == (1, 4, 4) and set(x.unique().tolist()) <= {0.0, 1.0, 2.0}


# --- end to end with the real sampler -----------------------------------------------------------------

@pytest.mark.parametrize(
    "system, backend, h",
    [(ll.Ising(4), "numba", None), (ll.Ising(4), "torch", [0.0, 0.3]), (ll.Potts(4, 3), "torch", None),
     (ll.EdwardsAnderson(4, seed=0), "numba", None)],
)
def test_end_to_end_with_real_sampler(tmp_path, system, backend, h):
    kw = dict(T=[1.5, 3.0], h=h, n_samples=12, burn_in=20, thin=2, algorithm="metropolis", backend=backend, seed=4,
              cache_dir=tmp_path, progress=False)
    ds = generate(system, **kw)
    n_points = 2 if h is None else 4
    assert ds.configs.shape == (n_points, 12, 4, 4) and ds.configs.dtype == np.int8
    assert (ds.burn_in, ds.thin) == (20, 2) and ds.backend.startswith(backend)
    np.testing.assert_array_equal(ds.energy, system.energy(ds.configs, h=ds.h[:, None]))
    np.testing.assert_array_equal(ds.magnetization, system.magnetization(ds.configs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(generate(system, **kw), ds)  # loaded from the cache, bit for bit
    assert_same(generate(system, **dict(kw, cache_dir=False)), ds)  # and the sampler is reproducible
