"""ll.lattice.decimate / decimation_matrix / majority_block: exact properties on numpy and torch input."""
import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab.lattice.decimation import decimate, decimation_matrix, majority_block


def _spins(shape, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=shape)


@pytest.mark.parametrize("L", [2, 4, 8, 32])
def test_two_steps_keep_every_other_row_and_column(L):
    x = np.arange(3 * L * L).reshape(3, L, L)
    once = decimate(x)
    assert once.shape == (3, L, L // 2)
    assert np.array_equal(decimate(once), x[:, ::2, ::2])


def test_first_step_keeps_the_even_sublattice_row_by_row():
    x = np.arange(64).reshape(1, 8, 8)
    once = decimate(x)
    i, k = np.indices((8, 4))
    assert np.array_equal(once[0], x[0, i, 2 * k + i % 2])
    kept = np.isin(x[0], once)
    assert np.array_equal(kept, ll.lattice.checkerboard(8))  # exactly the sites with i + j even


def test_torch_and_numpy_agree_and_keep_dtype():
    x = _spins((2, 3, 16, 16))
    t = torch.from_numpy(x)
    for step in range(2):
        out_np, out_t = decimate(x), decimate(t)
        assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.int8 and out_np.dtype == np.int8
        assert np.array_equal(out_np, out_t.numpy())
        x, t = out_np, out_t


@pytest.mark.parametrize("L", [4, 16, 32])
def test_matrices_reproduce_decimate_exactly(L):
    x = _spins((5, L, L), seed=L).astype(np.float32)
    m1, m2 = decimation_matrix(L), decimation_matrix(L, step=2)
    assert m1.shape == (L * L, L * L // 2) and m2.shape == (L * L // 2, L * L // 4)
    once = x.reshape(5, -1) @ m1
    assert np.array_equal(once, decimate(x).reshape(5, -1))
    assert np.array_equal(once @ m2, decimate(decimate(x)).reshape(5, -1))
    for m in (m1, m2):
        assert set(np.unique(m)) == {0.0, 1.0} and np.array_equal(m.sum(axis=0), np.ones(m.shape[1]))
        assert np.array_equal(m.T @ m, np.eye(m.shape[1]))


def test_first_matrix_is_the_papers_eq7_pattern():
    """Eq. 7: input site i = 32 r + c is kept (its row of W1 has a 1) when floor(i / 32) + i is even."""
    i = np.arange(1024)
    assert np.array_equal(decimation_matrix(32).sum(axis=1) == 1, (i // 32 + i) % 2 == 0)
    i = np.arange(512)
    assert np.array_equal(decimation_matrix(32, step=2).sum(axis=1) == 1, (i // 16) % 2 == 0)  # eq. 8


def test_lazy_names_resolve_to_this_module():
    assert ll.lattice.decimate is decimate and ll.lattice.majority_block is majority_block
    assert ll.lattice.decimation_matrix is decimation_matrix


def test_majority_on_hand_made_blocks():
    x = np.array([[[1, 1, -1, -1],
                   [1, -1, -1, -1],
                   [-1, 1, 1, -1],
                   [1, -1, -1, 1]]], dtype=np.int8)
    # blocks: sum 2 -> +1; sum -4 -> -1; sum 0 -> tie (corner -1); sum 0 -> tie (corner +1)
    assert np.array_equal(majority_block(x), [[[1, -1], [-1, 1]]])
    assert np.array_equal(majority_block(x, tie="up"), [[[1, -1], [1, 1]]])
    assert majority_block(x).dtype == np.int8
    assert np.array_equal(majority_block(torch.from_numpy(x)).numpy(), majority_block(x))


def test_majority_three_by_three_has_no_ties_and_commutes_with_the_flip():
    x = _spins((4, 9, 9), seed=3)
    out = majority_block(x, b=3)
    expect = np.sign(x.reshape(4, 3, 3, 3, 3).sum(axis=(2, 4)))
    assert np.array_equal(out, expect)
    y = _spins((4, 8, 8), seed=4)
    assert np.array_equal(majority_block(-y), -majority_block(y))  # the 'corner' tie rule keeps the symmetry
    assert np.array_equal(majority_block(np.ones((1, 6, 6), np.int8), b=1), np.ones((1, 6, 6)))


@pytest.mark.parametrize("call, match", [
    (lambda: decimate(np.zeros((3, 5, 5))), "even"),
    (lambda: decimate(np.zeros((3, 6, 4))), "even"),
    (lambda: decimate(np.zeros(4)), "even"),
    (lambda: decimation_matrix(7), "odd"),
    (lambda: decimation_matrix(8, step=3), "step"),
    (lambda: majority_block(np.zeros((1, 6, 6)), b=4), "multiple of b"),
    (lambda: majority_block(np.zeros((1, 6, 6)), b=0), "positive integer"),
    (lambda: majority_block(np.zeros((1, 6, 6)), tie="random"), "corner"),
])
def test_bad_input_says_how_to_fix_it(call, match):
    with pytest.raises(ValueError, match=match):
        call()
