"""Checkerboard Metropolis throughput: spin-flip attempts per second for each backend.

Runs an Ising batch of temperatures at L = 64, 256, 1024 on the numba backend (one
thread and all threads), the torch backend on the CPU, and a plain vectorised-numpy
reference, all in this one run; with CUDA, also torch on the GPU at L = 4096 (flips/ns).

    python benchmarks/sampler_throughput.py [--quick]     (or: latticelab bench sampler_throughput)
"""
from __future__ import annotations

import argparse
import time

import numba
import numpy as np

import latticelab as ll
from latticelab.backend import cuda_available

TC = 2.0 / np.log(1.0 + np.sqrt(2.0))


def numpy_reference(L: int, T: np.ndarray, seed: int = 0):
    """A plain vectorised-numpy checkerboard Metropolis sweep: the baseline."""
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1, 1], np.int8), size=(T.size, L, L))
    beta = (1.0 / T)[:, None, None]
    masks = [ll.lattice.checkerboard(L), ~ll.lattice.checkerboard(L)]

    def sweep():
        nonlocal x
        for m in masks:
            nn = ll.lattice.neighbour_sum(x.astype(np.int64))
            accept = rng.random(x.shape) < np.exp(-2.0 * beta * x * nn)
            x = np.where(accept & m, -x, x).astype(np.int8)

    return sweep


def chain_sweeper(L, T, backend, device=None):
    c = ll.Chain(ll.Ising(L), T, algorithm="metropolis", backend=backend, device=device, seed=0, start="hot")

    def sweep():
        c.step(1)

    sync = None
    if device and device.startswith("cuda"):
        import torch

        sync = torch.cuda.synchronize
    return sweep, sync


def rate(sweep, n_spins: int, min_time: float, sync=None) -> float:
    """Flip attempts per second, timed over at least ``min_time`` seconds after a warm-up sweep."""
    sweep()
    if sync:
        sync()
    n, t0 = 0, time.perf_counter()
    while True:
        sweep()
        n += 1
        if sync:
            sync()
        dt = time.perf_counter() - t0
        if dt >= min_time and n >= 2:
            return n * n_spins / dt


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    sizes = (64, 256) if args.quick else (64, 256, 1024)
    n_T = 8
    min_time = 0.3 if args.quick else 1.0
    threads = numba.get_num_threads()
    T = np.linspace(0.8 * TC, 1.2 * TC, n_T)
    rows = []
    for L in sizes:
        n = n_T * L * L
        ref = rate(numpy_reference(L, T), n, min_time)
        rows.append(("numpy (reference)", L, ref, ref))
        for t in sorted({1, threads}):
            numba.set_num_threads(t)
            rows.append((f"numba, {t} thread{'s' * (t > 1)}", L, rate(chain_sweeper(L, T, "numba")[0], n, min_time), ref))
        numba.set_num_threads(threads)
        rows.append(("torch cpu", L, rate(chain_sweeper(L, T, "torch", "cpu")[0], n, min_time), ref))
        if cuda_available():
            s, sync = chain_sweeper(L, T, "torch", "cuda")
            rows.append(("torch cuda", L, rate(s, n, min_time, sync), ref))
    print(f"Ising checkerboard Metropolis, batch of {n_T} temperatures, flip attempts per second")
    print(f"{'backend':<22}{'L':>6}{'flips/s':>12}{'x numpy':>10}")
    for name, L, r, ref in rows:
        print(f"{name:<22}{L:>6}{r:>12.3g}{r / ref:>10.1f}")
    if cuda_available():
        for L in (1024, 4096):
            s, sync = chain_sweeper(L, T, "torch", "cuda")
            r = rate(s, n_T * L * L, min_time, sync)
            print(f"torch cuda, L={L}, {n_T} temperatures: {r / 1e9:.1f} flips/ns")


if __name__ == "__main__":
    main()
