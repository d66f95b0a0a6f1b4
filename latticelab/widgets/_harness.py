"""Drive the apps in a real browser: a Voila server in a subprocess and headless Chromium.

Shared by ``tests/browser`` and ``benchmarks/voila_fps.py``. The server runs ``serve`` on a free
loopback port in its own process group and is always stopped on exit: SIGTERM (Voila shuts its
kernels down), then SIGKILL for the group and for any kernel left behind.

Playwright drives the system's Chromium (Debian package ``chromium``), since ``playwright install``
cannot download browsers everywhere; ``LATTICELAB_CHROMIUM`` overrides the executable.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .serve import free_port

CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage")
# Console lines Voila prints for a failing cell, with and without --show_tracebacks
PAGE_ERRORS = ("Traceback (most recent call last)", "There was an error when executing cell")
# an init script for test and benchmark browsers: ``window.latticelabTrace`` lists the page's kernel websockets,
# widget-state replies (and which shown widgets they lacked) and comms the kernel closed (see the script)
PAGE_TRACE = (Path(__file__).with_name("js") / "page_trace.js").read_text()


def chromium_path():
    """The Chromium executable to drive, or None."""
    env = os.environ.get("LATTICELAB_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_chromium(playwright, **kwargs):
    """A headless Chromium browser from a ``sync_playwright()`` handle."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS), headless=True,
                                      **kwargs)


@dataclasses.dataclass
class AppServer:
    url: str  # with a trailing slash
    process: subprocess.Popen
    log_path: Path

    def page_url(self, notebook: str, query: str = "") -> str:
        return f"{self.url}voila/render/{notebook}" + (f"?{query}" if query else "")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _children(pid: int) -> list:
    """Pids whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _is_kernel(pid: int) -> bool:
    try:
        return b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _wait_http(url: str, proc, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the Voila server did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def _serving(cmd: list, port: int, *, preset: str, timeout: float, env: dict | None, name: str):
    """Run a Voila or JupyterLab server ``cmd`` listening on ``port``; yields a ``AppServer``; always stops it."""
    full_env = dict(os.environ, LATTICELAB_PRESET=preset, **(env or {}))
    log = Path(tempfile.mkstemp(prefix=f"latticelab-{name}-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    kernels = []
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, proc, timeout)
        yield AppServer(url, proc, log)
    finally:
        kernels = [pid for pid in _children(proc.pid) if _is_kernel(pid)]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for pid in kernels:  # kernels run in their own sessions; none may outlive the test
            if not _is_kernel(pid):
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def voila_server(notebooks_dir=None, *, preset: str = "smoke", show_tracebacks: bool = True, timeout: float = 60,
                 env: dict | None = None):
    """Run ``latticelab serve`` (the README's command) on a free 127.0.0.1 port; yields a ``AppServer``."""
    port = free_port("127.0.0.1", start=random.randint(20000, 40000))
    cmd = [sys.executable, "-m", "latticelab.cli", "serve", "--port", str(port), "--no-browser", "--ip", "127.0.0.1"]
    if notebooks_dir is not None:
        cmd += ["--notebooks-dir", str(notebooks_dir)]
    if show_tracebacks:
        cmd.append("--show-tracebacks")
    with _serving(cmd, port, preset=preset, timeout=timeout, env=env, name="voila") as server:
        yield server


@contextlib.contextmanager
def stock_voila_server(notebooks_dir, *, preset: str = "smoke", timeout: float = 60):
    """Voila itself (no latticelab page scripts or kernel manager) over ``notebooks_dir``: the control that
    shows what a fix in ``latticelab serve`` changes. Yields a ``AppServer``."""
    port = free_port("127.0.0.1", start=random.randint(20000, 40000))
    cmd = [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", str(notebooks_dir)]
    with _serving(cmd, port, preset=preset, timeout=timeout, env=None, name="stock-voila") as server:
        yield server


@contextlib.contextmanager
def lab_server(notebooks_dir, *, preset: str = "smoke", timeout: float = 90, env: dict | None = None):
    """JupyterLab over ``notebooks_dir`` on a free 127.0.0.1 port, no token (loopback only, for tests);
    ``server.url + 'lab/tree/<name>.ipynb'`` opens a notebook. Lab autosaves what it runs: pass a copy."""
    port = free_port("127.0.0.1", start=random.randint(40001, 60000))
    workspaces = tempfile.mkdtemp(prefix="latticelab-lab-workspaces-")  # no tabs restored from earlier runs
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
           f"--LabApp.workspaces_dir={workspaces}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={Path(notebooks_dir).resolve()}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root"]
    with _serving(cmd, port, preset=preset, timeout=timeout, env=env, name="lab") as server:
        yield server


# -- kernels of pages: class mode, leaks and faults (tests/serving) ------------------------------------------
@contextlib.contextmanager
def serve_with(notebooks_dir, *serve_args: str, port: int | None = None, preset: str = "smoke",
               timeout: float = 60, env: dict | None = None):
    """``latticelab serve`` with extra options (``"--class"``, ``"--orphan-grace", "4"``, ...) on ``port``
    (default: a free one); yields a ``AppServer``. Starting it again on the same port is a server restart."""
    port = free_port("127.0.0.1", start=random.randint(20000, 40000)) if port is None else int(port)
    cmd = [sys.executable, "-m", "latticelab.cli", "serve", "--port", str(port), "--no-browser", "--ip", "127.0.0.1",
           "--notebooks-dir", str(notebooks_dir), "--show-tracebacks", *serve_args]
    with _serving(cmd, port, preset=preset, timeout=timeout, env=env, name="voila") as server:
        yield server


def page_kernel_id(page) -> str:
    """The kernel id of the Voila page open in ``page`` (from its page config)."""
    return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def kernel_state(server: AppServer, kernel_id: str) -> dict:
    """What the server says about a page's kernel: {'state': 'alive' | 'gone' | 'unknown', ...}."""
    import json
    import urllib.error

    try:
        with urllib.request.urlopen(f"{server.url}latticelab/api/kernels/{kernel_id}", timeout=10) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as err:
        return json.loads(err.read())


def kernel_pids(server: AppServer) -> dict:
    """{kernel id: pid} of the server's kernels (their command lines name ``kernel-<id>.json``)."""
    pids = {}
    for pid in _children(server.process.pid):
        if not _is_kernel(pid):
            continue
        with contextlib.suppress(OSError):
            for arg in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                name = Path(arg.decode(errors="replace")).name
                if name.startswith("kernel-") and name.endswith(".json"):
                    pids[name[len("kernel-"):-len(".json")]] = pid
    return pids


def wait_for(condition, timeout: float, interval: float = 0.25):
    """Call ``condition()`` until it returns something truthy; returns (value, seconds waited) or raises."""
    t0 = time.monotonic()
    while True:
        value = condition()
        if value:
            return value, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"still not true after {timeout} s: {getattr(condition, '__doc__', None) or condition}")
        time.sleep(interval)


@contextlib.contextmanager
def chromium_process(playwright):
    """A headless Chromium in its own process group, driven over CDP; yields (browser, Popen) so a test can
    kill it with SIGKILL (what a crash or a closed laptop's lost connection looks like to the server)."""
    profile = tempfile.mkdtemp(prefix="latticelab-chromium-")
    proc = subprocess.Popen([chromium_path(), "--headless=new", "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", *CHROMIUM_ARGS, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        endpoint, t0 = None, time.monotonic()
        while endpoint is None and time.monotonic() - t0 < 30:
            line = proc.stderr.readline().decode(errors="replace")
            if not line and proc.poll() is not None:
                raise RuntimeError(f"Chromium exited with code {proc.returncode} before it listened")
            if "DevTools listening on " in line:
                endpoint = line.split("DevTools listening on ", 1)[1].strip()
        if endpoint is None:
            raise TimeoutError("Chromium did not print its DevTools address within 30 s")
        import threading

        threading.Thread(target=proc.stderr.read, daemon=True).start()  # a full pipe would stall Chromium
        yield playwright.chromium.connect_over_cdp(endpoint), proc
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
