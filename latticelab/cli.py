"""``latticelab`` command line: ``serve`` (the apps), ``reproduce`` (a paper, headless), ``demo`` (a sweep table), ``bench``."""
from __future__ import annotations

import argparse
import os
import runpy
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


def _serve(argv):
    """``latticelab serve ...`` is ``python -m latticelab.widgets.serve ...`` (one parser for its options)."""
    try:
        from .widgets import serve
    except ImportError as err:
        sys.exit(f"latticelab serve needs the app extras ({err}); install them with: pip install -e '.[app]'")
    return serve.main(argv, prog="latticelab serve")


def _demo(args):
    import numpy as np

    import latticelab as ll

    system = ll.Ising(args.L)
    T = np.linspace(args.tmin, args.tmax, args.n_T)
    t0 = time.perf_counter()
    s = ll.sample(system, T, args.n_samples, seed=args.seed, backend=args.backend, progress=True)
    dt = time.perf_counter() - t0
    print(f"{s!r}  ({dt:.1f} s)")
    print(ll.observables.table(s))
    exact = ll.exact.ising_energy_per_spin(T, L=args.L)
    print("\nexact energy per spin (Kaufman, L=%d): %s" % (args.L, np.array2string(exact, precision=4)))


def _reproduce(argv):
    """``latticelab reproduce <name> [--preset P] [--out DIR] [paper options]``: run, print the table, write results.json."""
    # OpenMP threads that spin between the many small numba/torch kernels of a pipeline starve the other
    # core (measured on the equivariance laptop run: 295 s spinning, 89 s sleeping); unless the user chose
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from .papers import registry

    names = registry.names()
    p = argparse.ArgumentParser(prog="latticelab reproduce", description=_reproduce.__doc__)
    p.add_argument("name", help=f"the paper: {', '.join(names) or 'none yet'}")
    p.add_argument("--preset", default=None, help="smoke, laptop, paper-cpu (where the paper has one) or paper "
                   "(default: $LATTICELAB_PRESET, else laptop)")
    p.add_argument("--out", default=None, help="folder for results.json (default: results/<name>-<preset>)")
    first, _ = p.parse_known_args(argv)
    try:
        module = registry.load(first.name)
    except ValueError as err:
        sys.exit(str(err))
    if hasattr(module, "add_arguments"):
        module.add_arguments(p)
    args = p.parse_args(argv)
    options = {k: v for k, v in vars(args).items() if k not in ("name", "preset", "out")}
    try:
        config = module.Config.get(args.preset) if args.preset else module.Config.from_env()
    except ValueError as err:
        sys.exit(f"latticelab reproduce {first.name}: {err}")
    if config.name == "paper":
        from .backend import cuda_available

        if not cuda_available():
            print("latticelab reproduce: the paper preset is sized for one GPU and none is visible here, so it runs "
                  "on the CPU and may take hours (Ctrl-C stops it; finished datasets and models stay cached). "
                  "On a CPU, --preset laptop shows the same result in minutes.", file=sys.stderr, flush=True)
    from dataclasses import replace

    from .papers import provenance

    start = provenance.snapshot()
    results = module.reproduce(config, progress=True, **options)
    results = replace(results, notes=" ".join(filter(None, (results.notes, provenance.describe(start, provenance.snapshot())))))
    print(results.table())
    path = results.write(args.out or Path("results") / f"{first.name}-{config.name}")
    print(f"wrote {path}")
    return results


def _bench(args):
    scripts = sorted(BENCH_DIR.glob("*.py")) if BENCH_DIR.is_dir() else []
    if not scripts:
        sys.exit(f"no benchmarks found in {BENCH_DIR}; run `latticelab bench` from a source checkout (pip install -e .)")
    chosen = [p for p in scripts if not args.names or p.stem in args.names]
    if not chosen:
        sys.exit(f"unknown benchmark(s) {args.names}; available: {', '.join(p.stem for p in scripts)}")
    for path in chosen:
        print(f"\n== {path.stem} ==", flush=True)
        sys.argv = [str(path)] + (["--quick"] if args.quick else [])
        runpy.run_path(str(path), run_name="__main__")


def main(argv=None):
    p = argparse.ArgumentParser(prog="latticelab", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    # listed here for the help; its options (--port, --no-browser, --ip, ...) belong to widgets.serve
    sub.add_parser("serve", help="start the Voila apps over notebooks/ (latticelab serve --help)", add_help=False)
    # its options depend on the paper (latticelab reproduce <name> --help)
    sub.add_parser("reproduce", help="reproduce a paper headless: print its table, write results.json", add_help=False)

    d = sub.add_parser("demo", help="sample an Ising temperature sweep and print a table")
    d.add_argument("--L", type=int, default=16)
    d.add_argument("--tmin", type=float, default=1.5)
    d.add_argument("--tmax", type=float, default=3.5)
    d.add_argument("--n-T", dest="n_T", type=int, default=9)
    d.add_argument("--n-samples", dest="n_samples", type=int, default=1000)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--backend", default="auto", choices=["auto", "numba", "torch"])
    d.set_defaults(fn=_demo)

    b = sub.add_parser("bench", help="run the benchmarks in benchmarks/ and print their tables")
    b.add_argument("names", nargs="*", help="benchmark file stems (default: all)")
    b.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    b.set_defaults(fn=_bench)

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    if argv[:1] == ["reproduce"]:
        return _reproduce(argv[1:])
    args = p.parse_args(argv)
    args.fn(args)


def script():
    """The console entry point: exit status 0 after a command ran (``main`` returns what it made, for tests)."""
    main()


if __name__ == "__main__":  # pragma: no cover
    script()
