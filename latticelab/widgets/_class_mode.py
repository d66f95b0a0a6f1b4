"""``ServeSettings``: what ``latticelab serve`` runs its kernels with, and what class mode (``--class``) changes.

Always on (they cost a single user nothing): a page's kernel is shut down when the page closes
(reload, navigating away, closing the tab) and, failing that, ``orphan_grace`` seconds after its browser
left (a killed browser, a closed laptop); a kernel whose process died is cleared and its page told; at
most ``max_kernels`` kernels run at once, a limit taken from the machine's free memory unless given.

Class mode (one machine, a room of students) adds what would cost a single user speed or memory:
each kernel gets ``kernel_threads`` (1) compute threads, so 20 kernels share the cores instead of each
starting a thread per core; ``pool`` (1) warm kernels wait per app page (``pool_pages``), so a page
renders from a kernel that has already run its notebook; idle kernels are culled after 5 minutes; live
lattice pages acknowledge every ``ack_every`` (2) frames instead of each (an ack is three messages the
server relays; with 20 students that server, not the kernels, bounds the frame rate: see ``_throttle``).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from traitlets.config import Config

from ._throttle import ACK_EVERY_VAR

# Memory of one app kernel (measured, resident set, one compute thread): viewer ~250 MB, playground ~650 MB.
KERNEL_MIB = 500
RESERVE_MIB = 1024  # left to the server, the browser and the system
MIN_KERNELS = 4
# JupyterLab extensions Voila would list on every page that only work inside Lab: pyviz_comms' (holoviews'
# Lab integration) needs Lab's document manager and throws on every Voila page. Plots reach the page through
# jupyter_bokeh, which stays. (binder/voila.json lists the same for Binder's Voila.)
LAB_ONLY_EXTENSIONS = ("@pyviz/jupyterlab_pyviz",)
POOL_PAGES = ("index.ipynb", "viewer_demo.ipynb", "ising_playground.ipynb")
# Read by OpenMP (torch, numba's omp layer), MKL, OpenBLAS, Accelerate, numexpr and numba at a kernel's start.
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


def parse_page_pool(item) -> tuple:
    """"viewer_demo=20" or ("viewer_demo.ipynb", 20) -> ("viewer_demo.ipynb", 20); ValueError says the form."""
    if isinstance(item, str):
        page, sep, n = item.partition("=")
        try:
            count = int(n)
        except ValueError:
            count = None
        if not sep or not page or count is None:
            raise ValueError(f"a page's pool is NOTEBOOK=N, got {item!r} (--pool-for viewer_demo=20)")
        item = (page, count)
    page, n = item
    page = str(page).strip()
    return (page if page.endswith(".ipynb") else page + ".ipynb", int(n))


def available_memory_mib() -> int | None:
    """Memory the system can give to new processes (Linux MemAvailable), in MiB; None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (ValueError, OSError, AttributeError):
        return None


def default_max_kernels(available_mib: int | None) -> int:
    """As many kernels of ``KERNEL_MIB`` as fit in ``available_mib`` less ``RESERVE_MIB``, at least ``MIN_KERNELS``."""
    if available_mib is None:
        return 16
    return max(MIN_KERNELS, (int(available_mib) - RESERVE_MIB) // KERNEL_MIB)


@dataclasses.dataclass(frozen=True)
class ServeSettings:
    """Kernel settings of the app server. ``ServeSettings.choose(class_mode, ...)`` fills in the defaults.

    max_kernels: most kernels at once, warm ones included;  pool: warm kernels per page of ``pool_pages``;
    page_pools: ((notebook, n), ...) warm kernels for named pages, over ``pool`` (e.g. a class's first page);
    kernel_threads: compute threads per kernel (0: the libraries' default, one per core);
    orphan_grace: seconds a kernel survives without a browser;  cull_idle_timeout: seconds before an idle
    kernel with no browser is culled;  ack_every: frames per acknowledgement of a live lattice page;
    ws_ping_s: websocket ping interval (a dead connection is noticed after three missed pings)."""

    class_mode: bool
    max_kernels: int
    pool: int
    kernel_threads: int
    orphan_grace: float
    cull_idle_timeout: int
    pool_pages: tuple = POOL_PAGES
    page_pools: tuple = ()
    ack_every: int = 1
    ws_ping_s: float = 10.0

    def __post_init__(self):
        if self.max_kernels < 1:
            raise ValueError(f"max_kernels must be at least 1, got {self.max_kernels} (--max-kernels N)")
        if self.pool < 0:
            raise ValueError(f"pool must be >= 0 warm kernels per app page, got {self.pool} (--pool N; 0 turns it off)")
        for page, n in self.page_pools:
            if n < 0 or not str(page).endswith(".ipynb") or "/" in str(page) or str(page).startswith("."):
                raise ValueError(f"a page's pool is NOTEBOOK=N with a notebook of the served folder and N >= 0, got "
                                 f"{page}={n} (--pool-for viewer_demo=20)")
        if self.kernel_threads < 0:
            raise ValueError(f"kernel_threads must be >= 0 (0: one per core), got {self.kernel_threads} "
                             "(--kernel-threads N)")
        if not 1 <= self.orphan_grace <= 3600:
            raise ValueError(f"orphan_grace must be between 1 and 3600 seconds, got {self.orphan_grace} "
                             "(--orphan-grace S; it must outlast a reload and a brief network drop)")
        if self.cull_idle_timeout < 1:
            raise ValueError(f"cull_idle_timeout must be at least 1 second, got {self.cull_idle_timeout} "
                             "(--cull-idle-timeout S)")
        if not 1 <= self.ack_every <= 8:
            raise ValueError(f"ack_every must be between 1 and 8 frames per acknowledgement, got {self.ack_every} "
                             "(--ack-every K; 1: every frame, 2: class mode's)")
        if self.ws_ping_s <= 0:
            raise ValueError(f"ws_ping_s must be > 0 seconds, got {self.ws_ping_s}")

    @classmethod
    def choose(cls, class_mode: bool = False, *, max_kernels=None, pool=None, kernel_threads=None,
               orphan_grace=None, cull_idle_timeout=None, pool_pages=None, page_pools=(), ack_every=None,
               available_mib="measure"):
        """Settings with every ``None`` replaced by the default of the mode (see the module). ``page_pools``:
        (notebook, n) pairs or "notebook=n" strings (".ipynb" may be left out)."""
        if max_kernels is None:
            max_kernels = default_max_kernels(available_memory_mib() if available_mib == "measure" else available_mib)
        return cls(
            class_mode=bool(class_mode), max_kernels=int(max_kernels),
            pool=int((1 if class_mode else 0) if pool is None else pool),
            kernel_threads=int((1 if class_mode else 0) if kernel_threads is None else kernel_threads),
            orphan_grace=float(60.0 if orphan_grace is None else orphan_grace),
            cull_idle_timeout=int((300 if class_mode else 600) if cull_idle_timeout is None else cull_idle_timeout),
            pool_pages=tuple(POOL_PAGES if pool_pages is None else pool_pages),
            page_pools=tuple(parse_page_pool(x) for x in page_pools or ()),
            ack_every=int((2 if class_mode else 1) if ack_every is None else ack_every),
        )

    def kernel_env(self) -> dict:
        """Environment variables the kernels need: the thread limits (none when kernel_threads is 0) and the
        frames per acknowledgement (none when 1, the widgets' own default)."""
        env = {name: str(self.kernel_threads) for name in THREAD_VARS} if self.kernel_threads else {}
        return env | ({ACK_EVERY_VAR: str(self.ack_every)} if self.ack_every != 1 else {})

    def pools(self, root: Path) -> dict:
        """{notebook: warm kernels} for the pages under ``root`` that get any: ``pool`` for each of
        ``pool_pages`` that exists, then ``page_pools``. FileNotFoundError for a named page that does not exist."""
        pools = {p: self.pool for p in self.pool_pages if self.pool and (Path(root) / p).is_file()}
        for page, n in self.page_pools:
            if not (Path(root) / page).is_file():
                names = sorted(p.name for p in Path(root).glob("*.ipynb"))
                raise FileNotFoundError(f"--pool-for {page}={n}: no such notebook in {root} (there: {', '.join(names)})")
            pools[page] = n
        return {p: n for p, n in pools.items() if n > 0}

    def voila_config(self, root: Path) -> Config:
        """Traitlets configuration for ``LatticeVoila`` (kernel manager, limit, pools, pings); the idle culling
        is on its command line (``serve.voila_argv``)."""
        c = Config()
        c.VoilaConfiguration.extension_denylist = list(LAB_ONLY_EXTENSIONS)
        c.VoilaConfiguration.multi_kernel_manager_class = "latticelab.widgets._page_kernels.PageKernelManager"
        if os.name == "posix":
            # Kernels talk to the server over Unix sockets, not TCP ports. Over TCP each new kernel is handed
            # five ports that were free when picked and that it binds a moment later; twenty pages opened at
            # once lost a kernel to a port taken meanwhile ("ZMQError: Address already in use", the page
            # failed). The sockets sit beside the kernel's connection file in Jupyter's runtime folder.
            c.KernelManager.transport = "ipc"
        c.PageKernelManager.max_kernels = self.max_kernels
        c.PageKernelManager.orphan_grace = self.orphan_grace
        pools = self.pools(root)
        c.VoilaConfiguration.preheat_kernel = bool(pools)
        c.VoilaConfiguration.default_pool_size = 0
        c.VoilaKernelManager.kernel_pools_config = {"default": {"pool_size": 0},
                                                   **{page: {"pool_size": n} for page, n in pools.items()}}
        # jupyter_server pings every ws_ping_interval ms and closes a socket unanswered for ws_ping_timeout ms
        # (a frozen browser went after 30 s). tornado 6.5 reads the same keys as seconds and logs once that its
        # timeout is clipped to its interval; its own ping then never fires (every 10000 s), which is harmless.
        ms = int(1000 * self.ws_ping_s)
        c.Voila.tornado_settings = {"ws_ping_interval": ms, "ws_ping_timeout": 3 * ms}
        return c

    def summary(self, root: Path) -> str:
        pools = self.pools(root)
        sizes = set(pools.values())
        warm_text = ("none" if not pools else f"{sizes.pop()} for each of {', '.join(pools)}" if len(sizes) == 1
                     else ", ".join(f"{n} for {p}" for p, n in pools.items()))
        lines = [f"{'class mode' if self.class_mode else 'kernels'}: at most {self.max_kernels} at once "
                 f"(--max-kernels); a page's kernel is freed {self.orphan_grace:g} s after its browser left",
                 "  threads per kernel: " + (str(self.kernel_threads) if self.kernel_threads else "one per core")
                 + ";  warm kernels: " + warm_text
                 + ("" if self.ack_every == 1 else f";  live pages acknowledge every {self.ack_every} frames")]
        return "\n".join(lines)
