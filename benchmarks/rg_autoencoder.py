"""RG-versus-autoencoder throughput, all in this one run (ratios against the first row of each table):

1. Training the paper's deep linear nets (L = 32: 1024-512-256-512-1024, hinge + L1, Adam): lattices per
   second over an epoch, Model 1 (all layers train) and Model 2 (frozen hard-coded encoder), for several
   batch sizes, on 1 torch thread, torch's default thread count, and the GPU when there is one.
2. Decimating a batch of 32 x 32 lattices twice: ``decimate`` on numpy and torch, the same map as the
   paper's hard-coded matrices (a dense matrix product, as in the network), and numpy slicing x[:, ::2, ::2].

    python benchmarks/rg_autoencoder.py [--quick]     (or: latticelab bench rg_autoencoder)
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from latticelab.lattice.decimation import decimate, decimation_matrix
from latticelab.nn import fit
from latticelab.nn.autoencoder import loss_fn, model_1, model_2

L = 32


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def training_rate(build, n, batch, device, epochs=1) -> float:
    """Lattices per second of ``fit`` (hinge + L1, Adam) over ``epochs`` epochs of ``n`` random lattices."""
    x = torch.sign(torch.randn(n, L * L, generator=torch.Generator().manual_seed(0))).to(device)
    model = build().to(device)
    loader = DataLoader(TensorDataset(x, x), batch_size=batch, shuffle=True)
    fit(model, DataLoader(TensorDataset(x[:batch], x[:batch]), batch_size=batch), epochs=1,
        loss_fn=loss_fn("hinge", 1e-5))  # warm-up
    _sync(device)
    t = time.perf_counter()
    fit(model, loader, epochs=epochs, loss_fn=loss_fn("hinge", 1e-5))
    _sync(device)
    return n * epochs / (time.perf_counter() - t)


def rate(fn, n, repeats) -> float:
    fn()
    t = time.perf_counter()
    for _ in range(repeats):
        fn()
    return n * repeats / (time.perf_counter() - t)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = p.parse_args(argv)
    n = 500 if args.quick else 2000
    batches = (100,) if args.quick else (10, 100, 1000)
    default_threads = torch.get_num_threads()
    settings = [("cpu", 1), ("cpu", default_threads)] + ([("cuda", None)] if torch.cuda.is_available() else [])
    if default_threads == 1:
        settings = settings[:1] + settings[2:]

    print(f"1. training the L = {L} deep linear nets ({n} lattices, one epoch), lattices / s")
    print(f"{'device':14s} {'batch':>6s} {'Model 1':>10s} {'Model 2':>10s} {'ratio':>7s}")
    base = None
    for device, threads in settings:
        if threads:
            torch.set_num_threads(threads)
        for batch in batches:
            r1 = training_rate(lambda: model_1(L), n, batch, device)
            r2 = training_rate(lambda: model_2(L), n, batch, device)
            base = base or r1
            label = device if threads is None else f"cpu x{threads}"
            print(f"{label:14s} {batch:6d} {r1:10.0f} {r2:10.0f} {r1 / base:6.2f}x", flush=True)
    torch.set_num_threads(default_threads)

    m = 1000 if args.quick else 10000
    x = np.sign(np.random.default_rng(0).normal(size=(m, L, L))).astype(np.int8)
    t = torch.from_numpy(x)
    xf = torch.from_numpy(x.reshape(m, -1).astype(np.float32))
    w = torch.from_numpy(decimation_matrix(L, 1) @ decimation_matrix(L, 2))
    repeats = 3 if args.quick else 10
    rows = [("numpy x[:, ::2, ::2] (copy)", lambda: x[:, ::2, ::2].copy()),
            ("decimate twice, numpy", lambda: decimate(decimate(x))),
            ("decimate twice, torch", lambda: decimate(decimate(t))),
            ("hard-coded matrices (dense)", lambda: xf @ w)]
    print(f"\n2. decimating {m} lattices {L}x{L} twice, lattices / s")
    base = None
    for name, fn in rows:
        r = rate(fn, m, repeats)
        base = base or r
        print(f"{name:30s} {r:12.0f} {r / base:6.2f}x", flush=True)


if __name__ == "__main__":
    main()
