"""Backend and device choice: ``numba`` (CPU) or ``torch`` (CPU or CUDA)."""
from __future__ import annotations

import dataclasses

from . import _validate

BACKENDS = ("auto", "numba", "torch")


@dataclasses.dataclass(frozen=True)
class Backend:
    """A resolved backend: ``name`` is 'numba' or 'torch'; ``device`` a torch device string or None."""

    name: str
    device: str | None = None

    def __str__(self):
        return self.name if self.device is None else f"{self.name}:{self.device}"


def _no_nvidia_driver() -> bool:
    """True on a Linux machine with no NVIDIA driver loaded (no /dev/nvidiactl, no /proc/driver/nvidia)."""
    import os
    import sys

    return sys.platform.startswith("linux") and not (os.path.exists("/dev/nvidiactl")
                                                     or os.path.exists("/proc/driver/nvidia"))


def cuda_available() -> bool:
    """True when torch sees a CUDA device. Where torch is not loaded yet and a Linux machine has no NVIDIA
    driver, the answer is False without importing torch (~150 MB of a page's kernel, for backend='auto')."""
    import sys

    if "torch" not in sys.modules and _no_nvidia_driver():
        return False
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a core dependency
        return False
    return torch.cuda.is_available()


def _check_device(device) -> str | None:
    if device is None:
        return None
    dev = str(device)
    kind = dev.split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"unknown device={device!r}; use device='cpu', 'cuda' or 'cuda:0' (or leave it None)")
    if kind == "cuda" and not cuda_available():
        raise ValueError(
            f"device={device!r} was asked for but CUDA is not available on this machine; "
            "use device='cpu' (or leave device=None) and backend='numba' or 'torch'"
        )
    return dev


def resolve(backend: str = "auto", device=None) -> Backend:
    """Pick the backend: 'auto' is torch on CUDA when a GPU is present (or asked for), numba otherwise."""
    _validate.choice(backend, "backend", BACKENDS)
    dev = _check_device(device)
    if backend == "numba":
        if dev is not None and dev != "cpu":
            raise ValueError(f"backend='numba' runs on the CPU only; drop device={device!r} or use backend='torch'")
        return Backend("numba")
    if backend == "torch":
        if dev is None:
            dev = "cuda" if cuda_available() else "cpu"
        return Backend("torch", dev)
    # auto
    if dev is not None:
        return Backend("torch", dev) if dev.startswith("cuda") else Backend("numba")
    return Backend("torch", "cuda") if cuda_available() else Backend("numba")


TRAIN_DEVICES = ("cpu", "cuda", "auto")


def train_device(name: str) -> str:
    """Where a paper app's networks train: 'cpu', 'cuda', or 'auto' (cuda when torch sees a GPU)."""
    _validate.choice(name, "device", TRAIN_DEVICES)
    if name == "auto":
        return "cuda" if cuda_available() else "cpu"
    if name == "cuda" and not cuda_available():
        raise ValueError("device='cuda' was asked for but torch sees no GPU; use device='auto' or 'cpu'")
    return name
