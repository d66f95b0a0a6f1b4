"""RBM throughput: CD-1 training (configurations per second over an epoch) and flow steps per second for a
batch of 1000 chains, at 100 visible units and several hidden sizes; torch on the CPU with one thread and
with torch's default thread count, and on the GPU when there is one. All in this one run.

    python benchmarks/rbm_flow.py [--quick]     (or: latticelab bench rbm_flow)
"""
from __future__ import annotations

import argparse
import time

import torch

from latticelab.nn.rbm import RBM, train_rbm

N_VISIBLE = 100


def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def training_rate(n_hidden, n_data, epochs, device, batch=100) -> float:
    """Configurations per second of CD-1 (SGD, batch ``batch``) over ``epochs`` epochs of ``n_data``."""
    v = torch.bernoulli(torch.full((n_data, N_VISIBLE), 0.5), generator=torch.Generator().manual_seed(0))
    rbm = RBM(N_VISIBLE, n_hidden, seed=0).to(device)
    train_rbm(rbm, v[:batch], epochs=1, batch_size=batch, device=device)  # warm-up
    _sync(device)
    t = time.perf_counter()
    train_rbm(rbm, v, epochs=epochs, batch_size=batch, device=device)
    _sync(device)
    return n_data * epochs / (time.perf_counter() - t)


def flow_rate(n_hidden, chains, steps, device, sample) -> float:
    """Flow steps (v -> h -> v for the whole batch of ``chains``) per second."""
    rbm = RBM(N_VISIBLE, n_hidden, seed=0).to(device)
    v = rbm.random_visible(chains)
    rbm.flow(v, 2, sample=sample)
    _sync(device)
    t = time.perf_counter()
    rbm.flow(v, steps, sample=sample)
    _sync(device)
    return steps / (time.perf_counter() - t)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = p.parse_args(argv)
    n_data, epochs, steps = (2_000, 1, 20) if args.quick else (12_000, 3, 200)
    hidden = (16, 64) if args.quick else (16, 36, 64, 100)
    default_threads = torch.get_num_threads()
    setups = [("cpu", 1), ("cpu", default_threads)] + ([("cuda", 0)] if torch.cuda.is_available() else [])
    print(f"RBM, {N_VISIBLE} visible; CD-1 batch 100 over {n_data} configurations x {epochs} epochs; "
          f"flows of 1000 chains x {steps} steps")
    head = f"{'device':<12}{'hidden':>7}{'train (configs/s)':>19}{'flow mean-field (steps/s)':>27}{'flow sampled (steps/s)':>24}"
    print(head)
    print("-" * len(head))
    rows = {}
    try:
        for device, threads in setups:
            if threads:
                torch.set_num_threads(threads)
            name = f"{device} x{threads}" if threads else device
            for n_h in hidden:
                r = (training_rate(n_h, n_data, epochs, device), flow_rate(n_h, 1000, steps, device, False),
                     flow_rate(n_h, 1000, steps, device, True))
                rows[name, n_h] = r
                print(f"{name:<12}{n_h:>7}{r[0]:>19,.0f}{r[1]:>27,.0f}{r[2]:>24,.0f}", flush=True)
    finally:
        torch.set_num_threads(default_threads)
    if default_threads > 1:
        base = f"cpu x{default_threads}"
        ratios = [rows["cpu x1", n][0] / rows[base, n][0] for n in hidden]
        print(f"training, 1 thread / {default_threads} threads: " + ", ".join(f"{r:.2f}" for r in ratios)
              + f" (hidden {', '.join(map(str, hidden))})")
    if not torch.cuda.is_available():
        print("no CUDA device here: the GPU rows are missing (run this on a GPU machine for them)")


if __name__ == "__main__":
    main()
