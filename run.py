#!/usr/bin/env python3
"""Set up latticelab in ./.venv and run it: the two commands of the README.

    python3 run.py apps    # set up, then start the Voila apps (latticelab serve)
    python3 run.py test    # set up, then run the whole test suite (smoke preset)

Set-up is idempotent: it creates ./.venv, installs a CPU build of torch unless this
machine has an NVIDIA GPU (never several GB of CUDA wheels on a CPU-only machine),
then the package with its app and test extras, pinned by constraints.txt. It is
skipped when nothing it depends on has changed since the last run.
"""
from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
TORCH = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def sh(*cmd, check=True, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=check, **kw)


def pip(*args, check=True, quiet=True):
    return sh(PY, "-m", "pip", "install", *(["-q"] if quiet else []), *args, check=check)


def has_nvidia_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None and sh("nvidia-smi", "-L", check=False, capture_output=True).returncode == 0


def install_torch():
    """A CPU torch unless there is an NVIDIA GPU; a wheel already on disk (pip find-links) wins."""
    if sh(PY, "-c", f"import torch, sys; sys.exit(torch.__version__.split('+')[0] != '{TORCH[7:]}')", check=False).returncode == 0:
        return
    local = pip("--dry-run", "--no-index", "--no-deps", TORCH, check=False).returncode == 0
    if local or has_nvidia_gpu() or platform.system() != "Linux":
        pip(TORCH)  # on disk already, wanted with CUDA, or CPU-only anyway (macOS, Windows)
    else:
        pip("--no-deps", "--index-url", TORCH_CPU_INDEX, TORCH)


def setup():
    stamp = VENV / ".latticelab-setup"
    inputs = b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "constraints.txt", "run.py"))
    digest = hashlib.sha256(inputs + sys.version.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PY.exists():
        return
    if not PY.exists():
        sh(sys.executable, "-m", "venv", VENV)
    pip("--upgrade", "pip")
    install_torch()
    pip("-c", ROOT / "constraints.txt", "-e", f"{ROOT}[app,test]")
    stamp.write_text(digest)


def ensure_chromium():
    """Browser tests drive Debian's chromium (Playwright cannot download browsers here)."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        sh("apt-get", "update", "-qq", check=False)
        sh("apt-get", "install", "-y", "-qq", "chromium", check=False)
    if not shutil.which("chromium"):
        print("note: no chromium on PATH; install your distribution's 'chromium' package to run the browser tests")


def test(extra):
    ensure_chromium()
    env = dict(os.environ, LATTICELAB_PRESET="smoke", PYTHONUNBUFFERED="1")
    cmd = [PY, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", *extra]
    nb = ROOT / "notebooks"
    if nb.is_dir() and any(nb.glob("*.ipynb")):
        cmd += ["--nbval-lax", "--nbval-cell-timeout=300", "notebooks"]
    return sh(*cmd, check=False, cwd=ROOT, env=env).returncode


def apps(extra):
    """``latticelab serve`` (Voila over notebooks/); extra arguments go to it, e.g. --port 9000 --no-browser."""
    return sh(BIN / "latticelab", "serve", *extra, check=False, cwd=ROOT).returncode


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("apps", "test", "setup"):
        sys.exit(__doc__)
    setup()
    cmd, extra = sys.argv[1], sys.argv[2:]
    if cmd == "test":
        sys.exit(test(extra))
    if cmd == "apps":
        sys.exit(apps(extra))


if __name__ == "__main__":
    main()
