"""``serve``: the latticelab apps — Voila over ``notebooks/``, sources stripped, kernels bounded and freed.

    latticelab serve [--port N] [--no-browser]          # the CLI wires to serve()
    latticelab serve --class --ip 0.0.0.0 --no-browser  # a class on the local network (README: Serving a class)
    python -m latticelab.widgets.serve --port 8866 --no-browser

Open the printed URL: the tree lists the notebooks, ``/voila/render/index.ipynb`` is the landing page.
Each page gets its own kernel. It is shut down when the page closes (reload, navigating away, closing the
tab) or, failing that, ``--orphan-grace`` seconds after its browser left (a killed browser, a closed
laptop); at most ``--max-kernels`` run at once. ``--class`` also limits each kernel to one compute thread
and keeps warm kernels for the app pages (``_class_mode``, ``_page_kernels``, ``_voila_app``).
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

DEFAULT_PORT = 8866
DEFAULT_IP = "127.0.0.1"


def find_notebooks_dir(notebooks_dir=None) -> Path:
    """``notebooks_dir`` if given, else ``./notebooks``, else the ``notebooks/`` of a source checkout."""
    if notebooks_dir is not None:
        path = Path(notebooks_dir).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"notebooks_dir={str(notebooks_dir)!r} is not a directory")
        return path.resolve()
    candidates = [Path.cwd() / "notebooks", Path(__file__).resolve().parents[2] / "notebooks"]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    raise FileNotFoundError(
        "no notebooks/ directory found (looked in " + ", ".join(str(p) for p in candidates)
        + "); run from the latticelab checkout or pass notebooks_dir=..."
    )


def free_port(ip: str = DEFAULT_IP, start: int = DEFAULT_PORT, tries: int = 50) -> int:
    """The first port from ``start`` that can be bound on ``ip``."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((ip, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {start}..{start + tries - 1} on {ip}; pass port=...")


def voila_argv(notebooks_dir: Path, port: int, *, ip: str = DEFAULT_IP, open_browser: bool = True,
               show_tracebacks: bool = False, cull_idle_timeout: int = 600, progressive: bool = False) -> list:
    """The Voila command line ``serve`` runs (without the program name)."""
    argv = [
        str(notebooks_dir),
        f"--port={int(port)}",
        "--Voila.port_retries=0",
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        # Progressive rendering (cells shown as they run) is off: under Voila 0.5.13 it drops, at random,
        # text a cell prints after displaying a widget (seen in headless Chromium, 3 of 4 loads).
        f"--VoilaConfiguration.progressive_rendering={bool(progressive)}",
        f"--show_tracebacks={bool(show_tracebacks)}",
        # a kernel idle this long with no browser attached is shut down; connected pages keep theirs
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, int(cull_idle_timeout) // 2))}",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
    ]
    if not open_browser:
        argv.append("--no-browser")
    return argv


def url(port: int, ip: str = DEFAULT_IP, page: str = "") -> str:
    host = "localhost" if ip in ("127.0.0.1", "0.0.0.0", "") else ip
    return f"http://{host}:{int(port)}/{page}"


def serve(port=None, open_browser=True, notebooks_dir=None, *, ip=DEFAULT_IP, show_tracebacks=False,
          cull_idle_timeout=None, class_mode=False, max_kernels=None, pool=None, kernel_threads=None,
          orphan_grace=None, pool_for=(), ack_every=None):
    """Start Voila over ``notebooks_dir`` (default: ``notebooks/``) and block until it is stopped (Ctrl-C).

    port: default the first free port from 8866;  open_browser: open the landing page;
    ip: interface to listen on (loopback by default);  show_tracebacks: for development only;
    class_mode and the kernel options: see ``_class_mode.ServeSettings`` (None: the mode's default);
    pool_for: ("viewer_demo=20", ...) warm kernels for named pages (its ``page_pools``)."""
    from ._class_mode import ServeSettings

    settings = ServeSettings.choose(class_mode, max_kernels=max_kernels, pool=pool, kernel_threads=kernel_threads,
                                    orphan_grace=orphan_grace, cull_idle_timeout=cull_idle_timeout,
                                    page_pools=pool_for, ack_every=ack_every)
    from ._voila_app import LatticeVoila

    root = find_notebooks_dir(notebooks_dir)
    port = free_port(ip) if port is None else int(port)
    landing = "voila/render/index.ipynb" if (root / "index.ipynb").exists() else ""
    print(f"latticelab apps: {url(port, ip, landing)}  (notebooks: {root}; Ctrl-C stops)", flush=True)
    print(settings.summary(root), flush=True)
    argv = voila_argv(root, port, ip=ip, open_browser=False, show_tracebacks=show_tracebacks,
                      cull_idle_timeout=settings.cull_idle_timeout)
    # The kernels inherit this: idle OpenMP threads sleep instead of spinning between the live viewer's short
    # parallel sweeps (measured at L=512: 86% of a core spinning vs 20%), leaving the CPU to the browser and
    # server. The kernel environment is the place because OpenMP reads it once, at a process's first parallel
    # kernel; a live chain started elsewhere sets it itself (_runner.prefer_sleeping_threads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Thread limits and frames per ack (class mode) go to every kernel, warm or not, the same way: Voila copies
    # this environment.
    os.environ.update(settings.kernel_env())
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.5, webbrowser.open, args=(url(port, ip, landing),)).start()
    LatticeVoila.launch_instance(argv=argv, config=settings.voila_config(root))


def main(argv=None, prog="python -m latticelab.widgets.serve"):
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=None, help="port (default: first free from 8866)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--notebooks-dir", default=None, help="directory of app notebooks (default: notebooks/)")
    p.add_argument("--ip", default=DEFAULT_IP, help="interface to listen on (default: 127.0.0.1; 0.0.0.0: the network)")
    p.add_argument("--show-tracebacks", action="store_true", help="show Python tracebacks on pages (development)")
    k = p.add_argument_group("kernels (defaults in brackets: single user / --class)")
    k.add_argument("--class", dest="class_mode", action="store_true",
                   help="class mode: one compute thread per kernel, warm kernels for the app pages, idle kernels "
                        "culled after 5 minutes")
    k.add_argument("--max-kernels", type=int, default=None, metavar="N",
                   help="most kernels at once, warm ones included; more pages get a 'server full' page "
                        "[what free memory allows, at ~500 MB a kernel]")
    k.add_argument("--pool", type=int, default=None, metavar="N",
                   help="warm kernels kept ready for each of index, viewer_demo and ising_playground [0 / 1]")
    k.add_argument("--pool-for", action="append", default=[], metavar="PAGE=N",
                   help="warm kernels for one page, over --pool (repeatable), e.g. --pool-for viewer_demo=20 "
                        "before a class opens that page at once; each costs that page's kernel memory")
    k.add_argument("--kernel-threads", type=int, default=None, metavar="N",
                   help="compute threads per kernel (numba, torch, BLAS); 0: one per core [0 / 1]")
    k.add_argument("--orphan-grace", type=float, default=None, metavar="S",
                   help="seconds a kernel survives without a browser connected (closed laptop, killed browser, "
                        "network drop) [60 / 60]")
    k.add_argument("--cull-idle-timeout", type=int, default=None, metavar="S",
                   help="seconds before an idle kernel with no browser is shut down [600 / 300]")
    k.add_argument("--ack-every", type=int, default=None, metavar="K",
                   help="live lattice pages acknowledge every K-th frame: fewer messages for the server to relay "
                        "when many students watch at once [1 / 2]")
    a = p.parse_args(argv)
    try:
        from ._class_mode import ServeSettings

        ServeSettings.choose(a.class_mode, max_kernels=a.max_kernels, pool=a.pool, kernel_threads=a.kernel_threads,
                             orphan_grace=a.orphan_grace, cull_idle_timeout=a.cull_idle_timeout, available_mib=None,
                             page_pools=a.pool_for, ack_every=a.ack_every).pools(find_notebooks_dir(a.notebooks_dir))
    except (ValueError, FileNotFoundError) as err:
        p.error(str(err))
    serve(port=a.port, open_browser=not a.no_browser, notebooks_dir=a.notebooks_dir, ip=a.ip,
          show_tracebacks=a.show_tracebacks, cull_idle_timeout=a.cull_idle_timeout, class_mode=a.class_mode,
          max_kernels=a.max_kernels, pool=a.pool, kernel_threads=a.kernel_threads, orphan_grace=a.orphan_grace,
          pool_for=a.pool_for, ack_every=a.ack_every)


if __name__ == "__main__":
    sys.exit(main())
