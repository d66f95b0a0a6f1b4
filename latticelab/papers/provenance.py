"""Where and how a headless run ran: commit, machine, load and times, for the notes of its results.json.

    start = provenance.snapshot()
    ... run ...
    text = provenance.describe(start, provenance.snapshot())
"""
from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
from pathlib import Path


def _commit() -> str:
    """The git commit of the package's checkout, '+ uncommitted changes' where the tree differs; else 'not a checkout'."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return head + (" + uncommitted changes" if dirty else "")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def snapshot() -> dict:
    """The time (wall, this process's CPU and its children's) and the machine's load now."""
    self_, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"utc": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "wall": time.time(),
            "cpu": self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime, "load": load,
            "commit": _commit()}


def describe(start: dict, end: dict) -> str:
    """One paragraph: commit (at the start; and at the end where the checkout moved meanwhile), machine,
    start and end, wall and CPU time, load averages at both ends."""
    wall, cpu = end["wall"] - start["wall"], end["cpu"] - start["cpu"]
    load = lambda s: "/".join(f"{x:.2f}" for x in s["load"])  # noqa: E731
    moved = "" if end["commit"] == start["commit"] else f" (the checkout was at {end['commit']} when it ended)"
    return (f"Provenance: latticelab commit {start['commit']} at the start{moved}; {os.cpu_count()} cores ({_cpu()}), "
            f"Python {platform.python_version()} on {platform.system()}; ran {start['utc']} to {end['utc']}: "
            f"{wall:.0f} s wall, {cpu:.0f} s CPU (this process and its children) in this invocation; load average "
            f"(1/5/15 min) {load(start)} at the start, {load(end)} at the end.")
