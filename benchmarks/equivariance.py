"""Equivariance app throughput: the dual worm sampler (closed worms/s, sweeps/s, head moves/s) at 8 x 8 and
64 x 64, CNN training throughput (configurations/s) of EQ, ST and FL on 8 x 8 inputs, one network and R
retrainings side by side (nn.Ensemble, as the app trains them), per task (CPU; the GPU too when there is one).

    python benchmarks/equivariance.py [--quick]     (or: latticelab bench equivariance)
    python benchmarks/equivariance.py --estimate paper [--scale 10]

``--estimate P`` runs the preset P's pipeline (fresh caches) with its epochs divided by ``scale`` and prints each
stage's time, the part spent training, and the estimated full time: rest + scale x training.
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
from latticelab.nn.cnn_families import FAMILIES, Ensemble
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


def ensemble_rate(task, family, device, R, batch, steps):
    """Member-configurations/s and ms per optimizer step of R networks trained side by side on 8 x 8 inputs."""
    from latticelab.papers.equivariance.training import ARCHS, build

    model = build(family, ARCHS[task][family], (8, 8), range(R)).to(device)
    out = 2 if task == "regression" else 1
    x = torch.randint(-2, 3, (batch * 8, 4, 8, 8)).float().to(device)
    y = torch.rand(batch * 8, out, device=device)
    opt = torch.optim.Adam(model.parameters(), 1e-3)

    def step(i):
        xb, yb = x[(i % 8) * batch:(i % 8 + 1) * batch], y[(i % 8) * batch:(i % 8 + 1) * batch]
        loss = ((model(xb) - yb[:, None]) ** 2).mean(dim=(0, 2)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())  # fit() reads every step's loss: one device sync per step, as here

    for i in range(5):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    dt = time.perf_counter() - t0
    return steps * batch * R / dt, 1e3 * dt / steps


def estimate(preset, scale):
    """Time the pipeline of ``preset`` with epochs / scale (fresh caches); print stages and the estimate."""
    import dataclasses
    import tempfile

    from latticelab.papers import equivariance as E
    from latticelab.papers.equivariance import training

    tmp = tempfile.mkdtemp(prefix="ll-estimate-")
    os.environ["LATTICELAB_CACHE"], os.environ["LATTICELAB_MODELS"] = f"{tmp}/data", f"{tmp}/models"
    c = E.Config.get(preset)
    small = dataclasses.replace(c, epochs=max(1, c.epochs // scale), detect_epochs=max(1, c.detect_epochs // scale),
                                count_epochs=max(1, c.count_epochs // scale))
    spent = {"train": 0.0}
    fit = training.fit

    def timed_fit(*a, **k):
        t = time.perf_counter()
        try:
            return fit(*a, **k)
        finally:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            spent["train"] += time.perf_counter() - t

    training.fit = timed_fit
    print(f"preset {preset} on {training.device(c)}, epochs {c.epochs} -> {small.epochs}, detect_epochs "
          f"{c.detect_epochs} -> {small.detect_epochs}, count_epochs {c.count_epochs} -> {small.count_epochs}; "
          f"numba threads {os.environ.get('NUMBA_NUM_THREADS', 'all')}")
    total_rest = total_train = 0.0
    for name, stage in (("worm check", E.worm_check), ("regression", E.regression), ("detection", E.detection),
                        ("counting", E.counting)):
        spent["train"] = 0.0
        t = time.perf_counter()
        stage(small)
        dt = time.perf_counter() - t
        rest, tr = dt - spent["train"], spent["train"]
        total_rest, total_train = total_rest + rest, total_train + tr
        print(f"{name:>11}: {dt:7.1f} s, of which training {tr:6.1f} s -> full: {rest + scale * tr:7.1f} s", flush=True)
    print(f"estimated full {preset} run: {total_rest + scale * total_train:.0f} s "
          f"(data, tests and start-up {total_rest:.0f} s + training {scale * total_train:.0f} s)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="shorter timings")
    p.add_argument("--estimate", choices=("smoke", "laptop", "paper"), help="time a preset's pipeline (see above)")
    p.add_argument("--scale", type=int, default=10, help="--estimate divides the epochs by this")
    p.add_argument("--no-worm", action="store_true", help="skip the worm table")
    p.add_argument("--gpu-only", action="store_true", help="CNN throughput on the GPU only")
    args = p.parse_args(argv)
    if args.estimate:
        return estimate(args.estimate, args.scale)
    seconds = 1.0 if args.quick else 5.0
    if not args.no_worm:
        print("worm sampler (numba, eta = 4.01, lam = 1; a sweep = one l pass + the learned worms per chain)")
        print(f"{'L':>4} {'mu':>5} {'chains':>6} {'worms/sweep':>11} {'chain-sweeps/s':>15} {'closed worms/s':>15} "
              f"{'head moves/s':>13}")
        for L, chains in ((8, 16), (64, 16)):
            for mu in (0.0, 1.0, 1.5):
                s, w, m, per = worm_rate(L, mu, chains, seconds)
                print(f"{L:>4} {mu:>5} {chains:>6} {per:>11} {s:>15.0f} {w:>15.0f} {m:>13.3g}")
    devices = ([] if args.gpu_only else ["cpu"]) + (["cuda"] if torch.cuda.is_available() else [])
    print("\nCNN training on 8 x 8 (Adam, batch 64), configurations/s")
    for device in devices:
        for fam in ("EQ", "ST", "FL"):
            print(f"{device:>5} {fam}: {train_rate(fam, device, n=512 if args.quick else 2048):.0f}")
    print("\nR retrainings side by side (nn.Ensemble), 8 x 8: member-configurations/s, ms per optimizer step")
    for device in devices:
        cpu_rows = ((1, 64), (3, 64)) if args.quick else ((1, 64), (3, 64), (10, 100))
        for R, batch in cpu_rows if device == "cpu" else ((1, 100), (10, 100), (10, 200)):
            for task in ("regression", "detection", "counting"):
                cells = [ensemble_rate(task, fam, device, R, batch, 10 if args.quick else 40) for fam in ("EQ", "ST", "FL")]
                print(f"{device:>5} R={R:<2} batch {batch:<3} {task:>10}: " +
                      "  ".join(f"{fam} {r:7.0f}/s {ms:6.2f} ms" for fam, (r, ms) in zip(("EQ", "ST", "FL"), cells)))


if __name__ == "__main__":
    main()
