"""Unwrapping orders: bijections of the lattice sites, exactly inverted by rewrap, on numpy and torch."""
import numpy as np
import pytest
import torch

import latticelab as ll
from latticelab.lattice.orders import ORDERS, permutation


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("L", [2, 3, 4, 5, 8])
def test_every_order_is_a_permutation_that_rewrap_inverts(order, L):
    perm = permutation(L, order)
    assert sorted(perm.tolist()) == list(range(L * L))
    x = np.random.default_rng(L).integers(-5, 5, size=(3, 2, L, L)).astype(np.int8)
    seq = ll.lattice.unwrap(x, order)
    assert seq.shape == (3, 2, L * L) and seq.dtype == np.int8
    assert np.array_equal(ll.lattice.rewrap(seq, L, order), x)
    t = torch.as_tensor(x)
    assert torch.equal(ll.lattice.unwrap(t, order), torch.as_tensor(seq))
    assert torch.equal(ll.lattice.rewrap(ll.lattice.unwrap(t, order), L, order), t)


@pytest.mark.parametrize("order", ORDERS)
def test_consecutive_sites_are_lattice_neighbours_where_the_order_promises_it(order):
    L = 6
    rows, cols = np.divmod(permutation(L, order), L)
    steps = np.abs(np.diff(rows)) + np.abs(np.diff(cols))
    if order == "raster":
        assert np.sum(steps != 1) == L - 1  # only the jumps to the next row
    else:
        assert np.all(steps == 1)  # snake and spiral walk from neighbour to neighbour


def test_the_orders_are_the_documented_ones():
    assert permutation(3, "raster").tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert permutation(3, "snake").tolist() == [0, 1, 2, 5, 4, 3, 6, 7, 8]
    assert permutation(3, "spiral").tolist() == [4, 3, 6, 7, 8, 5, 2, 1, 0]  # centre outwards
    assert permutation(4, "spiral")[0] in (5, 6, 9, 10)  # starts in the central 2x2


def test_bad_calls_say_how_to_fix_them():
    with pytest.raises(ValueError, match="choose one of 'raster', 'snake', 'spiral'"):
        ll.lattice.unwrap(np.zeros((4, 4)), "zigzag")
    with pytest.raises(ValueError, match="square lattices"):
        ll.lattice.unwrap(np.zeros((4, 5)), "snake")
    with pytest.raises(ValueError, match="length L\\*L = 16"):
        ll.lattice.rewrap(np.zeros((2, 15)), 4, "snake")
