"""Equivariance app throughput: the dual worm sampler (closed worms/s, sweeps/s, head moves/s) at 8 x 8 and
64 x 64, and CNN training throughput (configurations/s) of EQ, ST and FL on 8 x 8 inputs (CPU; the GPU too when
there is one).

    python benchmarks/equivariance.py [--quick]     (or: latticelab bench equivariance)
"""
from __future__ import annotations

import argparse
import os
import time

# numba's and torch's OpenMP runtimes spin-wait between parallel regions by default; on a shared 2-core machine the
# spinning threads slowed CNN training ~10x after a parallel worm kernel (measured: ~190 -> ~1700-3400 configs/s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

import latticelab.samplers.worm  # noqa: F401  (registers algorithm='worm')
from latticelab.nn.cnn_families import FAMILIES
from latticelab.samplers.chain import Chain
from latticelab.systems.phi4 import ComplexPhi4


def worm_rate(L, mu, n_chains, seconds):
    c = Chain(ComplexPhi4(L, L, eta=4.01, lam=1.0, mu=mu), 1.0, n_chains, algorithm="worm", seed=0)
    c.step(10)
    while c.learning:
        c.step(1)
    c.step(20)  # equilibrate a little
    sweeps = worms = moves = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        c.step(1)
        sweeps += 1
        worms += int(c.update.worms.sum())
        moves += int(c.update.moves.sum())
    dt = time.perf_counter() - t0
    return sweeps * n_chains / dt, worms / dt, moves / dt, c.update.worms_per_sweep


def train_rate(family, device, n=2048, batch=64, epochs=2):
    x = torch.randint(-2, 3, (n, 4, 8, 8)).float().to(device)
    y = torch.randn(n, 2, device=device)
    cls = FAMILIES[family]
    model = (cls(size=(8, 8)) if family == "FL" else cls()).to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    t0 = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, n, batch):
            loss = torch.nn.functional.mse_loss(model(x[i:i + batch]), y[i:i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    if device != "cpu":
        torch.cuda.synchronize()
    return n * epochs / (time.perf_counter() - t0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="shorter timings")
    args = p.parse_args(argv)
    seconds = 1.0 if args.quick else 5.0
    print("worm sampler (numba, eta = 4.01, lam = 1; a sweep = one l pass + the learned worms per chain)")
    print(f"{'L':>4} {'mu':>5} {'chains':>6} {'worms/sweep':>11} {'chain-sweeps/s':>15} {'closed worms/s':>15} {'head moves/s':>13}")
    for L, chains in ((8, 16), (64, 16)):
        for mu in (0.0, 1.0, 1.5):
            s, w, m, per = worm_rate(L, mu, chains, seconds)
            print(f"{L:>4} {mu:>5} {chains:>6} {per:>11} {s:>15.0f} {w:>15.0f} {m:>13.3g}")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print("\nCNN training on 8 x 8 (Adam, batch 64), configurations/s")
    for device in devices:
        for fam in ("EQ", "ST", "FL"):
            print(f"{device:>5} {fam}: {train_rate(fam, device, n=512 if args.quick else 2048):.0f}")


if __name__ == "__main__":
    main()
