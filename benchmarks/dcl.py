"""Watch-and-learn throughput, all measured in this one run:

- AutoregressiveGRU (hidden 64): maximum-likelihood training (configurations/s, Adam, batch 256) and ancestral
  sampling (samples/s, batch 1024) at L = 8 and 16; on the CPU with one torch thread, and on the GPU when
  there is one;
- learned-energy Metropolis with an EDNN (f = 2, c = 1, 32 -> 64) at L = 16 and 64: single-site energy
  changes per second with the local update (only the tiles around the site) against full re-evaluation of
  both lattices, and their ratio; and the proposals per second of a whole Chain (its loop included);
- the observation's true-Hamiltonian sampler with the torch backend (on the GPU when there is one, else
  the CPU): time per chain-sweep of 8x8 Potts and spin glass at 16 and at 1000 chains side by side (the
  paper row's ``observe_chains``), and their ratio.

    python benchmarks/dcl.py [--quick]
"""
from __future__ import annotations

import argparse
import time

import torch

import latticelab as ll
from latticelab.nn.ednn import EDNN, FullReevaluation
from latticelab.nn.gru import AutoregressiveGRU


def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, seconds):
    """Calls of fn() per second over at least ``seconds`` (after one warm-up call); returns (calls, s)."""
    fn()
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        fn()
        n += 1
    return n, time.perf_counter() - t


def gru_rates(L, device, seconds, hidden=64, batch=256, sample_batch=1024):
    """(training configurations/s, samples/s) of a GRU on L x L Ising states."""
    model = AutoregressiveGRU(2, hidden).to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.randint(0, 2, (batch, L, L), device=device)

    def step():
        loss = model.nll(x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        _sync(device)

    n, s = _timed(step, seconds)
    m, s2 = _timed(lambda: (model.sample(sample_batch, L, seed=0), _sync(device)), seconds)
    return n * batch / s, m * sample_batch / s2


def flip_rates(L, chains, seconds):
    """(local, full) single-site energy changes per second of an EDNN on a batch of ``chains`` lattices:
    what each learned_metropolis proposal costs (one delta_energy call moves every chain once)."""
    import numpy as np

    model, system = EDNN(), ll.Ising(L)
    rng = np.random.default_rng(0)
    x = system.hot(rng, chains)
    out = []
    for energy in (model, FullReevaluation(model)):
        sites = rng.integers(0, L, size=(chains, 2))
        new = -x[np.arange(chains), sites[:, 0], sites[:, 1]]
        n, s = _timed(lambda: energy.delta_energy(x, sites, new), seconds)
        out.append(n * chains / s)
    return out


def chain_rate(L, chains, sweeps):
    """Proposals per second of a whole learned_metropolis Chain with the EDNN's local update (loop included)."""
    chain = ll.Chain(ll.Ising(L), [2.5], chains, algorithm="learned_metropolis", energy=EDNN(), seed=0, start="hot")
    chain.step(1)
    t = time.perf_counter()
    chain.step(sweeps)
    return sweeps * L * L * chains / (time.perf_counter() - t)


def observe_sweep_us(system, chains, device, sweeps=50):
    """Microseconds per chain-sweep of the torch Metropolis sampler at T_O = 4 with ``chains`` chains."""
    chain = ll.Chain(system, [4.0], chains, backend="torch", device=device, seed=0)
    chain.step(5)
    _sync(device)
    t = time.perf_counter()
    chain.step(sweeps)
    _sync(device)
    return (time.perf_counter() - t) / (sweeps * chains) * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="shorter timings (noisier)")
    args = p.parse_args(argv)
    seconds = 1.0 if args.quick else 3.0
    torch.set_num_threads(1)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print("AutoregressiveGRU, hidden 64 (torch threads: 1 on the CPU)")
    print(f"{'device':8s} {'L':>4s} {'train configs/s':>16s} {'samples/s':>12s}")
    for device in devices:
        for L in (8, 16):
            train, samples = gru_rates(L, device, seconds)
            print(f"{device:8s} {L:4d} {train:16.0f} {samples:12.0f}")
    print("\nEDNN (f=2, c=1) energy changes for learned-energy Metropolis, CPU, one torch thread")
    print(f"{'L':>4s} {'chains':>7s} {'local flips/s':>14s} {'full flips/s':>13s} {'local/full':>11s}")
    for L, chains in ((16, 64), (64, 64)):
        local, full = flip_rates(L, chains, seconds)
        print(f"{L:4d} {chains:7d} {local:14.0f} {full:13.0f} {local / full:11.1f}")
    print(f"\nwhole Chain, L=16, 64 chains, local update: {chain_rate(16, 64, 1 if args.quick else 3):.0f} proposals/s")
    from latticelab.papers.dcl.stages import make_system

    device = devices[-1]
    print(f"\nobservation sampler (torch on {device}), 8x8 at T_O = 4: microseconds per chain-sweep")
    print(f"{'system':8s} {'16 chains':>10s} {'1000 chains':>12s} {'ratio':>6s}")
    for name in ("potts", "glass"):
        few, many = (observe_sweep_us(make_system(name, 8, 1), c, device) for c in (16, 1000))
        print(f"{name:8s} {few:10.1f} {many:12.1f} {few / many:6.1f}")

if __name__ == "__main__":
    main()
