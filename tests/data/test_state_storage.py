"""The store holds whatever state a system declares (dtype, shape, site_kind), asking only the system."""
import hashlib
import warnings

import numpy as np
import pytest

import latticelab as ll
from _data_fakes import Clock, LinkField, RealField
from latticelab.data import Codec, DatasetSpec, codec_for, generate, generation, load, store




def test_codec_comes_from_what_the_system_declares():
    assert codec_for(LinkField(3)) == Codec("raw", 0, "int32")
    assert codec_for(LinkField(3, dtype="int64")) == Codec("raw", 0, "int64")
    assert codec_for(RealField(3)) == Codec("raw", 0, "float32")
    assert codec_for(Clock(3)) == Codec("state", 5, "int8") and codec_for(Clock(3)).bits == 4
    assert codec_for(ll.Ising(3)) == Codec("spin", 2, "int8")
    assert codec_for(ll.Potts(3, 3)) == Codec("state", 3, "int8")


@pytest.mark.parametrize("system", [LinkField(3), LinkField(3, dtype="int64"), RealField(3), Clock(3)])
def test_codec_round_trip_is_lossless(system):
    codec = codec_for(system)
    x = system.hot(np.random.default_rng(1), 7)
    packed = codec.encode(x)
    assert packed.dtype == np.uint8 and packed.size == codec.packed_nbytes(x.size)
    out = codec.decode(packed, x.shape)
    assert out.dtype == system.state_dtype and out.flags.writeable
    np.testing.assert_array_equal(out, x)  # NaN == NaN here, and exact bits otherwise
    assert Codec.from_json(codec.to_json()) == codec


def test_raw_codec_is_little_endian_and_refuses_lossy_input():
    codec = Codec("raw", 0, "int32")
    assert codec.encode(np.array([1, -2], np.int32)).tobytes() == b"\x01\x00\x00\x00\xfe\xff\xff\xff"
    np.testing.assert_array_equal(codec.encode(np.array([5], ">i4")), codec.encode(np.array([5], "<i4")))
    with pytest.raises(ValueError, match="without loss"):
        codec.encode(np.array([2**40], np.int64))
    with pytest.raises(ValueError, match="without loss"):
        codec.encode(np.array([0.5]))
    with pytest.raises(ValueError, match="bytes cannot hold"):
        codec.decode(np.zeros(7, np.uint8), (2,))
    with pytest.raises(TypeError, match="integer or float"):
        Codec("raw", 0, "complex128")


@pytest.mark.parametrize("system", [LinkField(3), LinkField(3, dtype="int64"), RealField(3), Clock(3)])
def test_generate_store_load_round_trip(tmp_path, calls, system):
    spec = DatasetSpec(system, T=[1.0, 2.0], n_samples=4, seed=3, backend="numba")
    first = generate(spec, cache_dir=tmp_path, progress=False)
    assert first.configs.shape == (2, 4, *system.state_shape) and first.configs.dtype == system.state_dtype
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid entry loads without a CacheWarning
        again = generate(spec, cache_dir=tmp_path, progress=False)
    assert calls["n"] == 1 and again.path == first.path
    assert again.configs.dtype == system.state_dtype
    np.testing.assert_array_equal(again.configs, first.configs)
    np.testing.assert_array_equal(again.energy, first.energy)
    assert again.flat_configs().shape == (8, *system.state_shape)
    assert again.at(-1).configs.shape == (1, 4, *system.state_shape)
    meta, _ = store.read(first.path, spec.key())
    assert meta["configs"]["dtype"] == system.state_dtype.name and meta["configs"]["codec"] == codec_for(system).to_json()


def test_entry_with_another_state_dtype_is_not_loaded(tmp_path, calls):
    """An entry written for int32 states never loads as int64 states, even under the right name."""
    narrow = DatasetSpec(LinkField(3), T=[1.0], n_samples=2, backend="numba")
    wide = DatasetSpec(LinkField(3, dtype="int64"), T=[1.0], n_samples=2, backend="numba")
    generate(narrow, cache_dir=tmp_path, progress=False)
    generation.cache_path(narrow, tmp_path).rename(generation.cache_path(wide, tmp_path))
    with pytest.warns(generation.CacheWarning):
        assert load(wide, tmp_path) is None


def test_store_sections_hold_plain_numbers_only():
    arrays = {"i4": np.arange(-3, 3, dtype=np.int32), "u2": np.arange(4, dtype=">u2"), "f4": np.ones(2, np.float32),
              "b": np.array([True, False])}
    meta, out = store.decode(b"".join(store.encode({"key": "k"}, arrays)), "k")
    for name, arr in arrays.items():
        assert out[name].dtype == arr.dtype.newbyteorder("<")
        np.testing.assert_array_equal(out[name], arr)
    for bad in (np.array([object()]), np.array([1j]), np.array(["text"])):
        with pytest.raises(TypeError, match="bool, integer or float"):
            store.encode({"key": "k"}, {"x": bad})
    # a re-signed header that asks for Python objects is refused
    data = b"".join(store.encode({"key": "k"}, {"x": np.zeros(1, np.int64)}))
    forged = data[:-32].replace(b'"<i8"', b'"|O8"')
    with pytest.raises(store.CorruptEntry, match="dtype"):
        store.decode(forged + hashlib.sha256(forged).digest(), "k")


def test_torch_dataset_asks_the_system(calls):
    import torch

    from latticelab.data import TorchDataset

    clock = generate(Clock(3), T=[1.0, 2.0], n_samples=2, cache_dir=False, progress=False)
    x, _ = TorchDataset(clock, one_hot=True)[0]
    assert x.shape == (5, 3, 3)
    np.testing.assert_array_equal(x.argmax(0).numpy(), clock.configs[0, 0])
    links = generate(LinkField(3), T=[1.0], n_samples=2, cache_dir=False, progress=False)
    x, _ = TorchDataset(links)[1]
    assert x.shape == (2, 3, 3) and x.dtype == torch.float32  # k and l are its two channels
    with pytest.raises(ValueError, match="site_kind"):
        TorchDataset(links, one_hot=True)
