"""latticelab.data.memo.cached_arrays: a computation's arrays cached by key, verified on load, never trusted corrupt."""
import numpy as np
import pytest

from latticelab.data import memo


def test_computed_once_then_read_back_read_only(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(5.0), "n": 3}

    a = memo.cached_arrays({"k": 1}, compute, cache_dir=tmp_path)
    b = memo.cached_arrays({"k": 1}, compute, cache_dir=tmp_path)
    assert len(calls) == 1 and np.array_equal(a["x"], b["x"]) and a["n"].tolist() == b["n"].tolist() == [3]
    assert not b["x"].flags.writeable
    memo.cached_arrays({"k": 2}, compute, cache_dir=tmp_path)
    memo.cached_arrays({"k": 1}, compute, cache_dir=tmp_path, recompute=True)
    assert len(calls) == 3, "another key, and recompute, compute again"


def test_a_corrupt_entry_is_computed_again_with_a_warning(tmp_path):
    memo.cached_arrays({"k": 1}, lambda: {"x": np.ones(100)}, cache_dir=tmp_path)
    path = memo.memo_path({"k": 1}, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.warns(RuntimeWarning, match="corrupt"):
        got = memo.cached_arrays({"k": 1}, lambda: {"x": np.zeros(100)}, cache_dir=tmp_path)
    assert np.array_equal(got["x"], np.zeros(100))
    assert np.array_equal(memo.cached_arrays({"k": 1}, lambda: pytest.fail("rewritten"), cache_dir=tmp_path)["x"],
                          np.zeros(100))


def test_compute_must_return_arrays(tmp_path):
    with pytest.raises(TypeError, match="non-empty dict of arrays"):
        memo.cached_arrays({"k": 1}, lambda: [1, 2], cache_dir=tmp_path)
    with pytest.raises(TypeError, match="store bool, integer or float"):
        memo.cached_arrays({"k": 3}, lambda: {"s": np.array(["a"])}, cache_dir=tmp_path)
