"""Every public entry point rejects bad input with a message that says how to fix the call."""
import numpy as np
import pytest

import latticelab as ll


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: ll.Ising(1), ValueError, "L >= 2"),
        (lambda: ll.Ising(2.5), TypeError, "integer"),
        (lambda: ll.Ising(8, h=float("nan")), ValueError, "finite"),
        (lambda: ll.Potts(8, 1), ValueError, ">= 2"),
        (lambda: ll.Potts(8, 200), ValueError, "int8"),
        (lambda: ll.EdwardsAnderson(4), ValueError, "seed"),
        (lambda: ll.EdwardsAnderson(4, Jh=np.ones((3, 3)), Jv=np.ones((4, 4))), ValueError, r"\(4, 4\)"),
        (lambda: ll.EdwardsAnderson(4, Jh=np.ones((4, 4)), Jv=np.full((4, 4), np.inf)), ValueError, "finite"),
    ],
)
def test_bad_systems(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(T=0.0), ValueError, "positive"),
        (dict(T=-1.0), ValueError, "positive"),
        (dict(T=float("inf")), ValueError, "finite"),
        (dict(T=[]), ValueError, "empty"),
        (dict(T="hot"), TypeError, "number"),
        (dict(n_samples=0), ValueError, ">= 1"),
        (dict(n_samples=2.5), TypeError, "integer"),
        (dict(algorithm="gibbs"), ValueError, "metropolis"),
        (dict(backend="jax"), ValueError, "numba"),
        (dict(burn_in=-1), ValueError, ">= 0"),
        (dict(thin=0), ValueError, ">= 1"),
        (dict(n_chains=3), ValueError, "divide"),
        (dict(seed=-3), TypeError, "seed"),
        (dict(device="tpu"), ValueError, "device"),
        (dict(backend="numba", device="cuda:0"), ValueError, "CUDA|CPU"),
        (dict(h=[0.1, 0.2]), ValueError, "one entry per temperature"),
    ],
)
def test_bad_sample_arguments(kwargs, exc, match):
    args = dict(system=ll.Ising(4), T=2.0, n_samples=4, burn_in=1, thin=1)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        ll.sample(**args)


def test_odd_lattice_with_checkerboard_says_what_to_do():
    with pytest.raises(ValueError, match="even.*wolff"):
        ll.sample(ll.Ising(5), 2.0, 4, algorithm="metropolis")


def test_wolff_refuses_spin_glass_and_torch():
    with pytest.raises(ValueError, match="metropolis"):
        ll.sample(ll.EdwardsAnderson(4, seed=0), 1.0, 4, algorithm="wolff")
    with pytest.raises(ValueError, match="numba"):
        ll.sample(ll.Ising(4), 1.0, 4, algorithm="wolff", backend="torch")


def test_field_only_for_ising():
    with pytest.raises(ValueError, match="Ising"):
        ll.sample(ll.Potts(4, 3), 1.0, 4, h=0.5)


def test_not_a_system():
    with pytest.raises(TypeError, match="ll.Ising"):
        ll.sample("ising", 2.0, 4)


def test_cuda_without_cuda_is_a_clear_error():
    if ll.backend.cuda_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="CUDA is not available"):
        ll.sample(ll.Ising(4), 2.0, 4, device="cuda")


def test_chain_rejects_changing_the_number_of_temperatures():
    c = ll.Chain(ll.Ising(4), [1.0, 2.0])
    with pytest.raises(ValueError, match="number of temperatures"):
        c.T = [1.0]


def test_auto_backend_does_not_import_torch_without_an_nvidia_driver():
    """backend='auto' on a CPU-only Linux machine answers without loading torch (a page's kernel stays small);
    with an NVIDIA driver it asks torch, as before."""
    import subprocess
    import sys

    from latticelab import backend

    if backend._no_nvidia_driver():
        check = "assert r.name == 'numba', r; assert 'torch' not in sys.modules, 'torch was imported'"
    else:
        check = "import torch; assert (r.name == 'torch') == torch.cuda.is_available(), r"
    subprocess.run([sys.executable, "-c", f"import sys, latticelab.backend as b; r = b.resolve('auto'); {check}"],
                   check=True)
