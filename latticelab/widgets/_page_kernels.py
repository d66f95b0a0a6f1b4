"""``PageKernelManager``: the app server's kernels, one per open page: bounded, freed when their page is gone.

Voila's kernel manager (``VoilaConfiguration.multi_kernel_manager_class``; Voila wraps it in its own
``VoilaKernelManager`` when warm pools are on, and that class calls into this one) with four additions:

- at most ``max_kernels`` kernels at once, warm ones included (``_kernel_seats``): a page beyond that
  gets a "server full" page instead of a kernel that could take the machine's memory;
- a collector that runs every few seconds and shuts down kernels whose page is gone (``_kernel_gc``)
  and kernels whose process died (killed, or out of memory);
- warm (pool) kernels warm up one at a time: Voila refills a pool by starting every missing kernel at once,
  so a class that took twenty warm viewers had twenty notebooks run beside its twenty live pages (measured:
  their frames fell from 9 to 0.5 per second for the refill's length). Each warm kernel now waits its
  turn, until the one before it has run its notebook (``warm_in_turn``);
- no automatic restarts: a restarted kernel has lost the page's state and widgets, so the page could
  only show dead controls. The page is told instead (``page_status``) and a reload gives it a new kernel;
- why each recent kernel went (``page_status``), which the page's guard script shows.
"""
from __future__ import annotations

import asyncio
import collections
import time

from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Float, Integer

from ._kernel_gc import PageClock, orphaned
from ._kernel_seats import CURRENT_TICKET, Seats

GONE = {  # why a page's kernel went -> what the page tells its reader
    "died": "This app's Python kernel stopped unexpectedly (it was killed, or the server ran out of memory). "
            "Reload the page to start it again.",
    "orphaned": "This page lost its connection to the server for too long, so the server freed its kernel. "
                "Reload the page to start it again.",
    "idle": "This page's kernel was shut down after a long time without activity. Reload the page to start again.",
    "shutdown": "This page's kernel was shut down. Reload the page to start it again.",
}
UNKNOWN = ("The server does not know this page's kernel any more: the server was restarted. "
           "Reload the page to start it again.")
_REMEMBER = 2000  # reasons kept for pages that may still ask


class PageKernelManager(AsyncMappingKernelManager):
    max_kernels = Integer(64, config=True, help="Most kernels at once, warm (pooled) ones included; "
                          "a page beyond that gets a 'server full' page.")
    orphan_grace = Float(60.0, config=True, help="Seconds a page's kernel survives with no browser connected "
                         "(reloads, closed tabs, killed browsers, lost laptops, brief network drops).")
    warm_in_turn = Bool(True, config=True, help="Warm (pool) kernels start and run their notebook one at a "
                        "time (a pool refill does not run many notebooks at once beside the pages in use).")
    warm_turn_limit = Float(180.0, config=True, help="Longest a warm kernel holds the turn, seconds.")
    gc_interval = Float(0.0, config=True, help="Seconds between collector passes (0: a quarter of "
                        "orphan_grace, between 0.5 and 5 s).")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seats = Seats(self.max_kernels)
        self._clocks: dict = {}
        self._gone: collections.OrderedDict = collections.OrderedDict()
        self._was_warm: set = set()
        self._gc = None
        self._closing = False
        self._warm_turn = None  # asyncio.Lock, made in the server's loop on first use

    # -- counting ----------------------------------------------------------------------------------
    def running(self) -> int:
        """Kernels running or starting."""
        starting = {k for k, task in self._pending_kernels.items() if not task.done()}
        return len(set(self._kernels) | starting)

    def warm_ids(self) -> set:
        """Kernels waiting in Voila's warm pools (none without ``preheat_kernel``)."""
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result()["kernel_id"])
        return ids

    def warm_ready(self, notebook: str) -> bool:
        """Voila would hand ``notebook``'s next page a warm kernel that is ready now."""
        pool = getattr(self, "_pools", {}).get(notebook) or []
        return bool(pool) and pool[0].done() and not pool[0].cancelled() and pool[0].exception() is None

    def admit(self, notebook: str):
        """May a page of ``notebook`` be served now? -> ("warm", None), ("seat", Ticket) or ("full", None)."""
        if self.warm_ready(notebook):
            return "warm", None
        ticket = self.seats.reserve(self.running())
        return ("seat", ticket) if ticket is not None else ("full", None)

    # -- starting ----------------------------------------------------------------------------------
    def pre_start_kernel(self, kernel_name, kwargs):
        km, kernel_name, kernel_id = super().pre_start_kernel(kernel_name, kwargs)
        km.autorestart = False  # a restarted kernel has lost its page's state; the page is told instead
        return km, kernel_name, kernel_id

    async def start_kernel(self, *, kernel_name=None, **kwargs):
        warm = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        turn = await self._take_warm_turn() if warm else None
        try:
            if warm:  # a pool refill waits for room, leaving promised seats and the last free one to pages
                while not self.seats.free(self.running(), keep=1):
                    if self._closing:
                        raise RuntimeError("the server is stopping: no more warm kernels")
                    await asyncio.sleep(0.5)
            else:
                ticket = CURRENT_TICKET.get()
                if ticket is not None and ticket.held:
                    ticket.release()  # from here on the kernel counts as running (no await in between)
                elif not self.seats.free(self.running()):
                    raise web.HTTPError(503, f"all {self.max_kernels} kernels of this server are in use")
            kernel_id = await super().start_kernel(kernel_name=kernel_name, **kwargs)
        except BaseException:
            if turn is not None:
                turn.release()
            raise
        if turn is not None:  # the next warm kernel starts once this one has run its notebook
            asyncio.get_running_loop().create_task(self._end_warm_turn(kernel_id, turn))
        self._clocks[kernel_id] = PageClock(started=time.monotonic())
        return kernel_id

    async def _take_warm_turn(self):
        """Wait until no other warm kernel is warming up; the lock to release (None: turns are off)."""
        if not self.warm_in_turn:
            return None
        if self._warm_turn is None:
            self._warm_turn = asyncio.Lock()
        await self._warm_turn.acquire()
        return self._warm_turn

    _warm_poll_s, _warm_idle_s = 0.25, 2.0

    async def _end_warm_turn(self, kernel_id, turn):
        """Release ``turn`` once ``kernel_id`` has run its notebook: busy, then idle for 2 s (Voila runs a
        notebook's cells back to back), or it is gone, or ``warm_turn_limit`` passed."""
        poll_s, idle_s = self._warm_poll_s, self._warm_idle_s
        start, busy_seen, idle_since = time.monotonic(), False, None
        try:
            while time.monotonic() - start < self.warm_turn_limit and not self._closing:
                await asyncio.sleep(poll_s)
                kernel = self._kernels.get(kernel_id)
                if kernel is None:
                    return
                if getattr(kernel, "execution_state", "") == "busy":
                    busy_seen, idle_since = True, None
                elif busy_seen:
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since >= idle_s:
                        return
        finally:
            turn.release()

    # -- connections -------------------------------------------------------------------------------
    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        if kernel_id in self._clocks:
            self._clocks[kernel_id].connected()

    def notify_disconnect(self, kernel_id):
        super().notify_disconnect(kernel_id)
        if kernel_id in self._clocks:
            self._clocks[kernel_id].disconnected(time.monotonic(), self._kernel_connections.get(kernel_id, 0))

    # -- collecting --------------------------------------------------------------------------------
    def initialize_culler(self):
        super().initialize_culler()
        if self._gc is None:
            interval = self.gc_interval or min(5.0, max(0.5, self.orphan_grace / 4))
            self._gc = PeriodicCallback(self.collect, 1000 * interval)
            self._gc.start()
            self.log.info("Freeing page kernels %g s after their browser left; checking every %g s; "
                          "at most %d kernels", self.orphan_grace, interval, self.max_kernels)

    async def collect(self):
        """One pass: shut down kernels whose process died or whose page is gone."""
        now, warm = time.monotonic(), self.warm_ids()
        for kernel_id in list(self._kernels):
            kernel = self._kernels.get(kernel_id)
            clock = self._clocks.get(kernel_id)
            if kernel is None or clock is None:
                continue
            try:
                reason = await self._why_gone(kernel_id, kernel, clock, now, warm)
                if reason:
                    await self._free(kernel_id, reason, warm)
            except Exception as exc:  # one bad kernel must not stop the collector
                self.log.warning("kernel collector: %s: %s", kernel_id, exc)

    async def _why_gone(self, kernel_id, kernel, clock, now, warm):
        if not await ensure_async(kernel.is_alive()):
            return "died"
        if kernel_id in warm:
            self._was_warm.add(kernel_id)
            return None
        if kernel_id in self._was_warm:  # just handed to a page: its grace starts now
            self._was_warm.discard(kernel_id)
            clock.restart(now)
        last = getattr(kernel, "last_activity", None)
        quiet = (utcnow() - last).total_seconds() if last is not None else float("inf")
        busy = getattr(kernel, "execution_state", "") == "busy"
        connections = self._kernel_connections.get(kernel_id, 0)
        return "orphaned" if orphaned(clock, now, connections=connections, quiet_s=quiet, busy=busy,
                                      grace=self.orphan_grace) else None

    async def _free(self, kernel_id, reason, warm):
        notebook = self._warm_notebook(kernel_id) if kernel_id in warm else None
        self._remember(kernel_id, reason)
        self.log.warning("Freeing kernel %s: %s", kernel_id,
                         "its process died" if reason == "died" else f"no browser for {self.orphan_grace:g} s")
        await ensure_async(self.shutdown_kernel(kernel_id, now=reason == "died"))
        if notebook is not None and hasattr(self, "fill_if_needed"):
            self.fill_if_needed(delay=0, notebook_name=notebook)  # a dead warm kernel is replaced

    def _warm_notebook(self, kernel_id):
        for notebook, pool in getattr(self, "_pools", {}).items():
            for task in pool:
                if task.done() and task.exception() is None and task.result()["kernel_id"] == kernel_id:
                    return notebook
        return None

    async def cull_kernel_if_idle(self, kernel_id):
        await super().cull_kernel_if_idle(kernel_id)
        if kernel_id not in self:
            self._remember(kernel_id, "idle")

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._remember(kernel_id, "shutdown")
        self._clocks.pop(kernel_id, None)
        self._was_warm.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    async def shutdown_all(self, *args, **kwargs):
        self._closing = True
        if self._gc is not None:
            self._gc.stop()
        return await super().shutdown_all(*args, **kwargs)

    # -- telling the page ----------------------------------------------------------------------------
    def _remember(self, kernel_id, reason):
        if kernel_id not in self._gone:  # the first reason is the true one (shutdown follows every other)
            self._gone[kernel_id] = reason
            while len(self._gone) > _REMEMBER:
                self._gone.popitem(last=False)

    def page_status(self, kernel_id: str, *, heard: bool = False):
        """(HTTP status, JSON body) for a page asking about its kernel. heard: the page itself asked (its
        guard), which counts as hearing from it (``_kernel_gc``: a page whose browser has not connected yet
        is not orphaned while it asks)."""
        if heard and kernel_id in self._clocks:
            self._clocks[kernel_id].heard_from(time.monotonic())
        if kernel_id in self._kernels and kernel_id not in self._gone:
            return 200, {"state": "alive", "connections": self._kernel_connections.get(kernel_id, 0)}
        if kernel_id in self._gone:
            reason = self._gone[kernel_id]
            return 200, {"state": "gone", "reason": reason, "message": GONE[reason]}
        return 404, {"state": "unknown", "message": UNKNOWN}
