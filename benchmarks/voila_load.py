"""A class at once: N students open the index page, then the live viewer, and press Play (Voila, headless Chromium).

    python benchmarks/voila_load.py --students 1 5            # development
    python benchmarks/voila_load.py --students 20 --class     # a class, with `latticelab serve --class`
    python benchmarks/voila_load.py --students 5 --serve-arg=--pool=2 --serve-arg=--orphan-grace=20

Each N runs on a fresh ``latticelab serve`` (laptop preset). N browser contexts of one headless Chromium (one
per student: own cookies, own kernels) open ``index.ipynb`` and then, in the same tab, ``viewer_demo.ipynb``,
all at the same moment, and make sure the viewer plays. Measured:

- pages rendered: pages (2 per student) that finished their notebook with no Python error shown;
- first frame p50 / p95: seconds from the viewer page's navigation to its first drawn lattice frame (the
  canvas's ``data-first-frame-ms``); a student whose viewer never drew counts as infinitely slow;
- fps: frames each student's canvas drew per second over ``--window`` seconds, all students playing
  (counted from the ``frames`` readout, as ``benchmarks/voila_fps.py`` does); min and median over students;
- memory: sum of RSS (and PSS, which counts shared pages once) of the server and all its kernels, peak of 1 s
  samples over the run;
- kernels left 5 s after every tab closed (``page.close(run_before_unload=True)``, as a user closing tabs),
  beyond the warm pool the server keeps on purpose (counted before the students came);
- a killed browser: a fresh Chromium opens N viewers, is SIGKILLed, and the benchmark polls until the
  students' kernels are gone (``--cull-wait`` s at most): kernels left 5 s after, and when the last went;
- preheat: one viewer page's first frame on a server with no warm kernels (``--pool 0``) and on one with a
  warm kernel waiting for the page (``--pool 1``), same other options, in the same run. Needs a ``latticelab
  serve`` with ``--pool`` (class mode); reported as unavailable otherwise.

The server runs with serve's own defaults plus ``--class`` if given, ``--cull-idle-timeout`` if given and any
``--serve-arg``. (A killed browser's kernels are freed after serve's ``--orphan-grace``, 60 s; servers
without it free them by idle culling only, so give those a short ``--cull-idle-timeout``.) Options that the installed
``latticelab serve`` does not list in its ``--help`` are refused before anything starts. Before each N the
benchmark waits (up to ``--load-wait`` s) for the 1-minute load average to fall below ``--max-load``, and prints
the machine (cores, memory, load) with the table. The browser shares this machine's cores with the server and
the kernels; in a real class every student's browser runs on the student's own computer.

``--clients socket`` replaces the browser by students that cost (almost) nothing: each renders the viewer page
over HTTP and speaks to its kernel over the websocket as the page does (``latticelab.widgets._kernel_client``):
finds the viewer, says hello, acknowledges frames as they arrive, as often as the frames ask (a browser that
draws instantly; ``--ack-every`` overrides it). What
it measures is the server's own capacity, the number a class whose browsers run on their own laptops sees:
pages served, first frame (from the page request to the first frame received), frames per second each
student receives, memory, and the cores the server and these clients used. No index page, tab close or
killed browser in this mode (a socket student's kernel is freed by the collector when its socket closes).

Goals (issue 12, 20 students): all render; p95 first frame <= 10 s; every viewer >= 10 fps; memory <= 8 GB;
no student kernel 5 s after the tabs close; all freed within the cull window after a killed browser; a
preheated first frame >= 3x faster than a cold one.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from latticelab.widgets import _harness
from latticelab.widgets.serve import free_port

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
INDEX, VIEWER = "index.ipynb", "viewer_demo.ipynb"
# Text each page prints once its notebook ran (as tests/browser/test_apps.py waits for)
DONE = {INDEX: "setup checked", VIEWER: "exact (Kaufman, L ="}
ROOT_SEL = ".ll-viewer"
GB = 1e9


# ---- the server: latticelab serve with options, its kernels and their memory -----------------------------

def serve_options() -> set:
    """The long options the installed ``latticelab serve --help`` lists."""
    out = subprocess.run([sys.executable, "-m", "latticelab.cli", "serve", "--help"], capture_output=True,
                         text=True, timeout=120).stdout
    return {word.rstrip(",=") for word in out.split() if word.startswith("--")}


def check_options(args: list, known: set) -> None:
    unknown = [a.split("=")[0] for a in args if a.startswith("--") and a.split("=")[0] not in known]
    if unknown:
        raise SystemExit(f"latticelab serve here has no {', '.join(unknown)} (its --help lists: "
                         f"{', '.join(sorted(known))}); drop those options or update latticelab")


@contextlib.contextmanager
def server(serve_args: list, preset: str):
    """``latticelab serve`` over notebooks/ on a free loopback port with ``serve_args``; yields an AppServer."""
    port = free_port("127.0.0.1", start=random.randint(20000, 40000))
    cmd = [sys.executable, "-m", "latticelab.cli", "serve", "--port", str(port), "--no-browser", "--ip", "127.0.0.1",
           "--notebooks-dir", str(NOTEBOOKS), "--show-tracebacks", *serve_args]
    with _harness._serving(cmd, port, preset=preset, timeout=120, env=None, name="voila-load") as srv:
        yield srv


def tree(pid: int) -> list:
    """``pid`` and all its descendants (psutil.Process objects, or pids without psutil)."""
    try:
        import psutil
    except ImportError:
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += _harness._children(p)
        return out
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _pid(p) -> int:
    return p if isinstance(p, int) else p.pid


def kernels(srv) -> list:
    """Pids of the server's kernel processes."""
    return [_pid(p) for p in tree(srv.process.pid)[1:] if _harness._is_kernel(_pid(p))]


def memory(srv) -> tuple:
    """(RSS, PSS) in bytes summed over the server and its kernels (PSS is NaN where it cannot be read)."""
    rss = pss = 0.0
    for p in tree(srv.process.pid):
        pid = _pid(p)
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            fields = {line.split(":")[0]: line.split()[1] for line in rollup[1:] if ":" in line}
            rss += int(fields["Rss"]) * 1024
            pss += int(fields["Pss"]) * 1024
        except (OSError, KeyError, ValueError, IndexError):
            try:
                rss += p.memory_info().rss if not isinstance(p, int) else \
                    int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                pss = float("nan")
            except Exception:  # noqa: BLE001 - the process just exited
                pass
    return rss, pss


def cpu_seconds(srv) -> float:
    return tree_cpu(srv.process.pid)


def wait_quiet(srv, min_kernels: int = 0, timeout: float = 300.0, quiet_s: float = 3.0) -> float:
    """Until the server has ``min_kernels`` kernels and it and they used < 10% of a core for ``quiet_s``
    seconds (warm kernels finished running their notebooks); returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if len(kernels(srv)) >= min_kernels:
            c0 = cpu_seconds(srv)
            time.sleep(quiet_s)
            if cpu_seconds(srv) - c0 < 0.1 * quiet_s and len(kernels(srv)) >= min_kernels:
                return time.monotonic() - t0
        else:
            time.sleep(0.5)
    print(f"  (the server was not quiet after {timeout:.0f} s; measuring anyway)", flush=True)
    return time.monotonic() - t0


class MemorySampler:
    """Samples ``memory(srv)`` every ``every`` seconds in a thread; ``peak`` is the largest (RSS, PSS)."""

    def __init__(self, srv, every: float = 1.0):
        self.srv, self.every, self.samples = srv, every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), *memory(self.srv)))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> tuple:
        if not self.samples:
            return float("nan"), float("nan")
        return max(s[1] for s in self.samples), max(s[2] for s in self.samples)


# ---- the browser: one Chromium we can kill, students as contexts ----------------------------------------

@contextlib.asynccontextmanager
async def chromium(pw):
    """A headless Chromium in its own process group, driven over CDP; yields (browser, Popen)."""
    profile = tempfile.mkdtemp(prefix="latticelab-load-chromium-")
    proc = subprocess.Popen([_harness.chromium_path(), "--headless=new", "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", *_harness.CHROMIUM_ARGS, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        endpoint, t0 = None, time.monotonic()
        while endpoint is None and time.monotonic() - t0 < 60:
            line = (await asyncio.to_thread(proc.stderr.readline)).decode(errors="replace")
            if not line and proc.poll() is not None:
                raise RuntimeError(f"Chromium exited with code {proc.returncode} before it listened")
            if "DevTools listening on " in line:
                endpoint = line.split("DevTools listening on ", 1)[1].strip()
        if endpoint is None:
            raise TimeoutError("Chromium did not print its DevTools address within 60 s")
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # a full pipe would stall Chromium
        browser = await pw.chromium.connect_over_cdp(endpoint)
        yield browser, proc
    finally:
        kill_browser(proc)
        shutil.rmtree(profile, ignore_errors=True)


def kill_browser(proc) -> None:
    """SIGKILL the Chromium we started (its whole process group, by its id)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


PAGE_ERRORS_JS = """(errors) => {
  const text = document.body ? document.body.innerText : "";
  const found = errors.filter((e) => text.includes(e));
  for (const e of document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]'))
    if (/Error|Traceback/.test(e.innerText)) found.push(e.innerText.slice(0, 200));
  for (const e of document.querySelectorAll('[data-ll="error"]')) if (e.textContent) found.push(e.textContent);
  return found;
}"""


async def open_page(page, url: str, notebook: str, timeout_s: float) -> list:
    """Navigate and wait until the notebook ran (or a Python error shows); returns the errors shown."""
    await page.goto(url, wait_until="load", timeout=timeout_s * 1e3)
    await page.wait_for_function(
        "([done, errors]) => { const t = document.body.innerText; return t.includes(done) || errors.some(e => t.includes(e)); }",
        arg=[DONE[notebook], list(_harness.PAGE_ERRORS)], timeout=timeout_s * 1e3)
    return await page.evaluate(PAGE_ERRORS_JS, list(_harness.PAGE_ERRORS))


WIDGETS_JS = """() => ({
  views: document.querySelectorAll('.jupyter-widgets').length,
  viewers: document.querySelectorAll('.ll-viewer').length,
  placeholders: [...document.querySelectorAll('.jupyter-widgets, .widget-error, .jp-RenderedText')]
      .map((e) => e.innerText).filter((t) => /Loading widget|Error displaying widget|widget/i.test(t))
      .map((t) => t.slice(0, 120)).slice(0, 3),
})"""


async def page_kernel(page) -> str | None:
    with contextlib.suppress(Exception):
        return await page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    return None


async def start_viewer(page, timeout_s: float) -> dict:
    """Press Play unless it plays already, wait for the first drawn frame; its timings in seconds."""
    play = f'{ROOT_SEL} [data-ll="play"]'
    await page.wait_for_selector(play, timeout=timeout_s * 1e3)  # the viewer widget rendered
    if await page.get_attribute(play, "data-playing") != "true":
        await page.click(play)
    await page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}')?.dataset.firstFrameMs",
                                 timeout=timeout_s * 1e3)
    first = float(await page.get_attribute(ROOT_SEL, "data-first-frame-ms")) / 1e3
    executed = await page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd") / 1e3
    return {"first_frame_s": first, "executed_s": executed}


async def frames(page) -> tuple:
    value = await page.get_attribute(f'{ROOT_SEL} [data-ll="frames"]', "data-value", timeout=5_000)
    return time.monotonic(), int(value or 0)


async def student(i: int, browser, srv, a, *, with_index: bool) -> dict:
    """One student: (index, then) the viewer page in one tab, Play. A page counts as rendered when its notebook
    ran with no Python error shown and, for the viewer, its viewer widget appeared."""
    rec = {"student": i, "pages": 0, "pages_ok": 0, "errors": [], "console": [], "page": None, "context": None}
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    await context.add_init_script(_harness.PAGE_TRACE)  # what the widget manager went through, kept on failure
    page = await context.new_page()
    page.on("pageerror", lambda exc: rec["errors"].append(f"js: {exc}"[:200]))
    page.on("console", lambda m: rec["console"].append(m.text[:200]) if m.type == "error" else None)
    rec["page"], rec["context"] = page, context
    try:
        for notebook in ([INDEX] if with_index else []) + [VIEWER]:
            rec["pages"] += 1
            errors = await open_page(page, srv.page_url(notebook), notebook, a.page_timeout)
            rec["errors"] += [f"{notebook}: {e}" for e in errors]
            if errors:
                continue
            if notebook == VIEWER:
                rec["kernel"] = await page_kernel(page)
                rec.update(await start_viewer(page, a.widget_timeout))
            rec["pages_ok"] += 1
    except Exception as err:  # noqa: BLE001 - a page that fails is a measurement, not a crash
        rec["errors"].append(f"{type(err).__name__}: {str(err).splitlines()[0][:200]}")
        with contextlib.suppress(Exception):
            rec["widgets_seen"] = await page.evaluate(WIDGETS_JS)
        with contextlib.suppress(Exception):
            rec["trace"] = await page.evaluate("window.latticelabTrace || []")
    rec["console"] = rec["console"][-5:]
    return rec


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its descendants."""
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{_pid(p)}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return total


async def fps_window(recs: list, warmup: float, window: float) -> None:
    """Each playing student's drawn frames per second over the same ``window`` (after ``warmup``)."""
    live = [r for r in recs if "first_frame_s" in r]
    await asyncio.sleep(warmup)

    async def read(r):
        try:
            return await frames(r["page"])
        except Exception:  # noqa: BLE001
            return None

    before = await asyncio.gather(*(read(r) for r in live))
    await asyncio.sleep(window)
    after = await asyncio.gather(*(read(r) for r in live))
    for r, b, a in zip(live, before, after):
        r["fps"] = (a[1] - b[1]) / (a[0] - b[0]) if a and b else 0.0


def preheated_ids(log: str) -> set:
    """Kernels the server's log says it handed to viewer pages from its warm pool."""
    return set(re.findall(r"Using pre-heated kernel: ([0-9a-f-]+) for " + re.escape(VIEWER), log))


def socket_student(rec: dict, srv, a, start: threading.Barrier, stop: threading.Event) -> None:
    """One student without a browser, filling ``rec``: render the viewer page, open its kernel socket, play,
    acknowledge frames as they arrive, as often as the frames ask (``frame_times``: when each came,
    monotonic) until ``stop``."""
    from latticelab.widgets import _kernel_client as kc

    sock = None
    try:
        start.wait()
        t0 = time.monotonic()
        page = kc.render(srv.page_url(VIEWER), timeout=a.page_timeout)
        rec.update(kernel=page.kernel_id, executed_s=page.served_s)
        sock = page.connect(timeout=a.widget_timeout)
        viewer, state = kc.find_model(sock, page.model_ids, "sizes", timeout=a.widget_timeout)
        if not state.get("playing"):
            sock.comm(viewer, {"method": "update", "state": {"playing": True}, "buffer_paths": []})
        kc.custom(sock, viewer, {"type": "hello"})
        drawn, acked, deadline = 0, 0, time.monotonic() + a.widget_timeout
        while not stop.is_set():
            msg = sock.receive(timeout=0.5)
            if msg is None:
                if not drawn and time.monotonic() > deadline:
                    raise TimeoutError(f"no frame within {a.widget_timeout:g} s of the page")
                continue
            for frame in kc.frames([msg]):
                drawn += 1
                rec["frame_times"].append(time.monotonic())
                if drawn == 1:
                    rec["first_frame_s"], rec["pages_ok"] = rec["frame_times"][0] - t0, 1
                every = a.ack_every or frame.get("ack_every", 1)  # as the page does (no late ack: never pauses)
                if frame["seq"] - acked >= every:
                    acked = frame["seq"]
                    kc.custom(sock, viewer, {"type": "ack", "seq": acked, "fps": 0, "drawn": drawn})
    except Exception as err:  # noqa: BLE001 - a page that fails is a measurement, not a crash
        rec["errors"].append(f"{type(err).__name__}: {str(err)[:200]}")
    finally:
        rec["done"] = True
        if sock is not None:
            with contextlib.suppress(Exception):
                sock.close()


def own_cpu() -> float:
    """CPU seconds this process (the socket students' threads) has used."""
    t = os.times()
    return t.user + t.system


def socket_run(n: int, serve_args: list, a) -> dict:
    """N socket students on a fresh server, all at once: render, play, frames received over the same window."""
    out = {"students": n, "serve_args": serve_args, "clients": "socket", "cull_wait": a.cull_wait,
           "killed_browser": {}, "left_5s_after_close": None}
    recs = [{"student": i, "pages": 1, "pages_ok": 0, "errors": [], "console": [], "frame_times": []} for i in range(n)]
    with server(serve_args, a.preset) as srv:
        out["quiet_wait_s"] = wait_quiet(srv, timeout=a.page_timeout)
        out["warm_kernels"] = len(kernels(srv))
        out["load_before"] = os.getloadavg()[0]
        start, stop = threading.Barrier(n + 1), threading.Event()
        threads = [threading.Thread(target=socket_student, args=(r, srv, a, start, stop), daemon=True) for r in recs]
        with MemorySampler(srv) as mem:
            for t in threads:
                t.start()
            start.wait()
            t0 = time.monotonic()
            while (not all("first_frame_s" in r or r.get("done") for r in recs)
                   and time.monotonic() - t0 < a.page_timeout + a.widget_timeout):
                time.sleep(0.2)
            out["all_loaded_s"] = time.monotonic() - t0
            time.sleep(a.warmup)
            c0 = (time.monotonic(), cpu_seconds(srv), own_cpu())
            time.sleep(a.window)
            c1 = (time.monotonic(), cpu_seconds(srv), own_cpu())
            out["cores_server"] = (c1[1] - c0[1]) / (c1[0] - c0[0])
            out["cores_browser"] = (c1[2] - c0[2]) / (c1[0] - c0[0])  # the clients: this process
            out["load_during"] = os.getloadavg()[0]
            out["kernels_playing"] = len(kernels(srv))
            out["mem_playing"] = memory(srv)
            stop.set()
            for t in threads:
                t.join(timeout=30)
        out["mem_peak"] = mem.peak
        out["log_path"] = str(srv.log_path)
        log = srv.log()
    warm = preheated_ids(log)
    for r in recs:
        times = r.pop("frame_times")
        r["fps"] = sum(c0[0] <= t <= c1[0] for t in times) / (c1[0] - c0[0])
        r["frames"] = len(times)
        r["preheated"] = r.get("kernel") in warm if r.get("kernel") else None
    out["records"] = recs
    return out


def wait_freed(srv, baseline: int, limit: float) -> tuple:
    """(kernels beyond the baseline 5 s after now, seconds until none was left or None, left at the end)."""
    t0, at5, freed = time.monotonic(), None, None
    while True:
        t = time.monotonic() - t0
        left = len(kernels(srv)) - baseline
        if at5 is None and t >= 5:
            at5 = left
        if left <= 0 and freed is None:
            freed = t
        if (freed is not None and at5 is not None) or t > limit:
            return (left if at5 is None else at5), freed, left
        time.sleep(1.0)


# ---- one run -----------------------------------------------------------------------------------------------

def percentile(values: list, q: float) -> float:
    """Nearest-rank percentile; inf entries (failures) count as slowest."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def class_run(pw, n: int, serve_args: list, a) -> dict:
    """N students on a fresh server: load, play, close tabs, then a killed browser."""
    out = {"students": n, "serve_args": serve_args, "cull_wait": a.cull_wait}
    with server(serve_args, a.preset) as srv:
        out["quiet_wait_s"] = wait_quiet(srv, timeout=a.page_timeout)
        baseline = len(kernels(srv))  # warm kernels the server keeps on purpose
        out["warm_kernels"] = baseline
        out["load_before"] = os.getloadavg()[0]
        with MemorySampler(srv) as mem:
            async with chromium(pw) as (browser, bproc):
                t0 = time.monotonic()
                recs = await asyncio.gather(*(student(i, browser, srv, a, with_index=True)
                                              for i in range(n)))
                out["all_loaded_s"] = time.monotonic() - t0
                c0 = (time.monotonic(), cpu_seconds(srv), tree_cpu(bproc.pid))
                await fps_window(recs, a.warmup, a.window)
                c1 = (time.monotonic(), cpu_seconds(srv), tree_cpu(bproc.pid))
                # cores used while playing: the server and its kernels, and the browser drawing every student's page
                out["cores_server"] = (c1[1] - c0[1]) / (c1[0] - c0[0])
                out["cores_browser"] = (c1[2] - c0[2]) / (c1[0] - c0[0])
                out["load_during"] = os.getloadavg()[0]
                out["kernels_playing"] = len(kernels(srv))
                out["mem_playing"] = memory(srv)
                await asyncio.gather(*(r["page"].close(run_before_unload=True) for r in recs), return_exceptions=True)
                left5, freed, left = await asyncio.to_thread(wait_freed, srv, baseline, a.cull_wait)
                out.update(left_5s_after_close=left5, closed_freed_s=freed, closed_left_at_end=left)
                await asyncio.gather(*(r["context"].close() for r in recs), return_exceptions=True)
            killed = {}
            if not a.no_kill:
                await asyncio.to_thread(wait_quiet, srv, baseline, a.page_timeout)
                baseline_kill = len(kernels(srv))
                async with chromium(pw) as (browser, proc):
                    krecs = await asyncio.gather(*(student(i, browser, srv, a, with_index=False)
                                                   for i in range(n)))
                    killed["viewers_drawing"] = sum("first_frame_s" in r for r in krecs)
                    killed["kernels_before_kill"] = len(kernels(srv)) - baseline_kill
                    kill_browser(proc)
                    left5, freed, left = await asyncio.to_thread(wait_freed, srv, baseline_kill, a.cull_wait)
                    killed.update(left_5s=left5, freed_s=freed, left_at_end=left, waited_s=a.cull_wait,
                                  records=[{k: v for k, v in r.items() if k not in ("page", "context")} for r in krecs])
        out["killed_browser"] = killed
        out["mem_peak"] = mem.peak
        log = srv.log()
        out["log_path"] = str(srv.log_path)
    warm = preheated_ids(log)
    for r in recs:
        r.pop("page"), r.pop("context")
    for r in recs + killed.get("records", []):
        r["preheated"] = r.get("kernel") in warm if r.get("kernel") else None
    out["records"] = recs
    return out


async def preheat_run(pw, serve_args: list, a) -> dict:
    """First frame of one viewer page: a server with no warm kernel vs one with a warm kernel for the page."""
    base = [s for s in serve_args if not s.startswith("--pool")]
    out = {}
    for label, pool in [("cold", "0"), ("warm", "1")] * a.preheat_repeats:
        with server([*base, "--pool", pool], a.preset) as srv:
            await asyncio.to_thread(wait_quiet, srv, 1 if pool != "0" else 0, a.page_timeout)
            async with chromium(pw) as (browser, _):
                rec = await student(0, browser, srv, a, with_index=False)
                await rec.pop("context").close()
                rec.pop("page")
        out.setdefault(label, []).append(rec)
        print(f"  preheat {label}: page served after {rec.get('executed_s', float('nan')):.2f} s, first frame "
              f"{rec.get('first_frame_s', float('nan')):.2f} s {'; '.join(rec['errors'])}", flush=True)
    return out


# ---- reporting -----------------------------------------------------------------------------------------------

def machine() -> dict:
    mem = {line.split(":")[0]: int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
           if line.split(":")[0] in ("MemTotal", "MemAvailable")}
    head = subprocess.run(["git", "log", "-1", "--format=%h %cs"], capture_output=True, text=True,
                          cwd=NOTEBOOKS.parent).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "latticelab/widgets"], capture_output=True, text=True,
                           cwd=NOTEBOOKS.parent).stdout.strip()
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="minutes"), "cores": os.cpu_count(),
            "mem_total_gb": mem.get("MemTotal", 0) * 1024 / GB, "mem_available_gb": mem.get("MemAvailable", 0) * 1024 / GB,
            "load": os.getloadavg(), "commit": head, "widgets_uncommitted": bool(dirty)}


def fmt_s(x) -> str:
    return "fail" if x == float("inf") else ("-" if x is None or x != x else f"{x:.1f}")


def summarize(run: dict) -> dict:
    recs, n = run["records"], run["students"]
    firsts = [r.get("first_frame_s", float("inf")) for r in recs]
    fps = [r.get("fps", 0.0) for r in recs]
    k = run["killed_browser"]
    return {
        "N": n,
        "rendered": f"{sum(r['pages_ok'] for r in recs)}/{(1 if run.get('clients') == 'socket' else 2) * n}",
        "first p50 s": fmt_s(percentile(firsts, 50)),
        "first p95 s": fmt_s(percentile(firsts, 95)),
        "fps min": f"{min(fps):.1f}",
        "fps median": f"{statistics.median(fps):.1f}",
        ">=10 fps": f"{sum(f >= 10 for f in fps)}/{n}",
        "peak RSS GB": f"{run['mem_peak'][0] / GB:.2f}",
        "peak PSS GB": f"{run['mem_peak'][1] / GB:.2f}",
        "cores srv/clients": f"{run.get('cores_server', float('nan')):.1f}/{run.get('cores_browser', float('nan')):.1f}",
        "left 5s after close": "-" if run["left_5s_after_close"] is None else str(run["left_5s_after_close"]) + (
            "" if not run["left_5s_after_close"] else
            f" (0 at {run['closed_freed_s']:.0f} s)" if run.get("closed_freed_s") is not None
            else f" ({run.get('closed_left_at_end')} at {run['cull_wait']:.0f} s)"),
        "kill: drawing": "-" if not k else f"{k['viewers_drawing']}/{n}",
        "left 5s after kill": "-" if not k else str(k["left_5s"]),
        "all freed after kill": "-" if not k else (f"{k['freed_s']:.0f} s" if k["freed_s"] is not None
                                                   else f"no: {k['left_at_end']} left at {k['waited_s']:.0f} s"),
        "load 1m": f"{run['load_before']:.1f}/{run['load_during']:.1f}",
    }


def print_table(rows: list) -> None:
    if not rows:
        return
    cols = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in cols]
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths)))
    for r in rows:
        print("  ".join(str(r[c]).rjust(w) for c, w in zip(cols, widths)))


def wait_for_load(max_load: float, limit: float) -> float:
    t0 = time.monotonic()
    while os.getloadavg()[0] > max_load and time.monotonic() - t0 < limit:
        print(f"  load average {os.getloadavg()[0]:.1f} > {max_load:g}: waiting (others are running)", flush=True)
        time.sleep(30)
    return os.getloadavg()[0]


async def amain(a) -> dict:
    from playwright.async_api import async_playwright

    known = serve_options()
    serve_args = ((["--class"] if a.class_mode else [])
                  + ([f"--cull-idle-timeout={a.cull_idle_timeout}"] if a.cull_idle_timeout else []) + a.serve_arg)
    check_options(serve_args, known)
    result = {"machine": machine(), "serve_args": serve_args, "runs": [], "preheat": None}
    async with async_playwright() as pw:
        if not a.no_preheat:
            if "--pool" in known:
                wait_for_load(a.max_load, a.load_wait)
                result["preheat"] = await preheat_run(pw, serve_args, a)
            else:
                result["preheat"] = "unavailable: this latticelab serve has no --pool (warm kernels)"
                print(f"  preheat: {result['preheat']}", flush=True)
        for n in a.students:
            load = wait_for_load(a.max_load, a.load_wait)
            print(f"  {n} student(s), serve {' '.join(serve_args)} (load {load:.1f}) ...", flush=True)
            if a.clients == "socket":
                run = await asyncio.to_thread(socket_run, n, serve_args, a)
            else:
                run = await class_run(pw, n, serve_args, a)
            result["runs"].append(run)
            print_table([summarize(run)])
            recs = run["records"] + [dict(r, student=f"{r['student']} (kill phase)")
                                     for r in run["killed_browser"].get("records", [])]
            bad = [f"student {r['student']} ({'pre-heated' if r.get('preheated') else 'fresh'} kernel "
                   f"{(r.get('kernel') or '?')[:8]}): {'; '.join(r['errors'])}; widgets {r.get('widgets_seen')}; "
                   f"console errors {r['console'][-1:]}" for r in recs if r["errors"]]
            for line in bad[:8]:
                print(f"    {line}")
            print(f"    server log: {run['log_path']}")
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, nargs="+", default=[1, 5, 10, 20], help="class sizes to run, one server each")
    p.add_argument("--clients", choices=("browser", "socket"), default="browser",
                   help="students as headless Chromium pages (default) or as kernel-socket clients without a "
                        "browser (the server's own capacity; see above)")
    p.add_argument("--ack-every", type=int, default=None, metavar="K",
                   help="socket students acknowledge every K-th frame (an ack covers every earlier frame; default: "
                        "what the frames ask, as the page does; K = 1 is the protocol before it; K must not exceed "
                        "the viewer's max_in_flight, 2, or the stream waits for its 1 s ack timeout)")
    p.add_argument("--class", dest="class_mode", action="store_true", help="pass --class to latticelab serve")
    p.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                   help="another latticelab serve option, e.g. --serve-arg=--orphan-grace=20 (repeatable)")
    p.add_argument("--cull-idle-timeout", type=int, default=None,
                   help="passed to serve (seconds); default: serve's own. Below the time a warm kernel waits for "
                        "its page it culls warm kernels (seen with 60 s)")
    p.add_argument("--preset", default="laptop", help="LATTICELAB_PRESET of the kernels (default laptop)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of playing before the fps window")
    p.add_argument("--window", type=float, default=10.0, help="fps window, seconds")
    p.add_argument("--page-timeout", type=float, default=300.0, help="seconds a page may take to run its notebook")
    p.add_argument("--widget-timeout", type=float, default=120.0,
                   help="seconds the viewer widget and its first frame may take after the notebook ran")
    p.add_argument("--cull-wait", type=float, default=180.0, help="seconds to wait for kernels after a killed browser")
    p.add_argument("--no-kill", action="store_true", help="skip the killed-browser phase")
    p.add_argument("--no-preheat", action="store_true", help="skip the cold vs preheated first frame")
    p.add_argument("--preheat-repeats", type=int, default=1, help="cold/warm pairs to measure")
    p.add_argument("--max-load", type=float, default=3.0, help="wait for the 1-minute load average to fall below this")
    p.add_argument("--load-wait", type=float, default=600.0, help="wait at most this long for it (then run anyway)")
    p.add_argument("--json", type=Path, default=None, help="write every measurement to this file")
    a = p.parse_args(argv)
    if _harness.chromium_path() is None:
        raise SystemExit("needs Chromium (apt-get install chromium) and playwright")

    def stop(signum, frame):  # a SIGTERM (timeout, kill) unwinds like Ctrl-C: servers, kernels, browsers stopped
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    result = asyncio.run(amain(a))
    m = result["machine"]
    print(f"\nvoila_load: {m['date']}, {m['cores']} cores, {m['mem_total_gb']:.1f} GB RAM "
          f"({m['mem_available_gb']:.1f} GB free at start), load at start {m['load'][0]:.1f}, commit {m['commit']}"
          + (" + uncommitted widget changes" if m["widgets_uncommitted"] else ""))
    print(f"serve options: {' '.join(result['serve_args'])}; preset {a.preset}; fps over {a.window:g} s")
    print_table([summarize(run) for run in result["runs"]])
    pre = result["preheat"]
    if isinstance(pre, dict) and pre.get("cold") and pre.get("warm"):
        med = {k: {q: statistics.median(r.get(q, float("inf")) for r in pre[k]) for q in ("executed_s", "first_frame_s")}
               for k in ("cold", "warm")}
        cold, warm = med["cold"]["first_frame_s"], med["warm"]["first_frame_s"]
        print(f"preheat ({len(pre['cold'])} pair(s), medians): first frame cold {fmt_s(cold)} s (page served after "
              f"{fmt_s(med['cold']['executed_s'])} s), warm (--pool 1) {fmt_s(warm)} s (served after "
              f"{fmt_s(med['warm']['executed_s'])} s): {cold / warm if warm and math.isfinite(cold) else float('nan'):.1f}x")
    elif pre:
        print(f"preheat: {pre}")
    if a.json:
        a.json.write_text(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    main()
