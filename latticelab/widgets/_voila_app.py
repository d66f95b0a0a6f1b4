"""``LatticeVoila``: Voila 0.5 with latticelab's page handler and a kernel-status route.

Voila serves ``/voila/render/<notebook>`` with its ``TornadoVoilaHandler``; ``LatticeVoila.init_handlers``
swaps in ``PageHandler``, a subclass that

- sets the ``_xsrf`` cookie. The page's shutdown beacon (sent on ``beforeunload``: reload, navigating
  away, closing the tab) reads that cookie and posts it back; Voila 0.5.13 never set it, so every beacon
  was refused (``403 ... '_xsrf' argument missing from POST``, voila#1458) and every reload leaked a
  kernel. Setting the cookie makes Voila's own shutdown route work with XSRF protection left on.
- admits the page only when the kernel limit allows (``PageKernelManager.admit``); otherwise it answers
  503 with a page that says the server is full and what to do;
- hands Voila's warm pool only warm kernels that are ready (a pool refill may be waiting for room);
- appends the page guard (``js/page_guard.js``), which tells the reader when the page's kernel is gone, and
  ``js/widget_state_wait.js``, which stops a loaded server's slow widget-state reply (over ipywidgets' fixed
  4 s) from leaving a page's containers as "widget model not found" errors.

``/latticelab/api/kernels/<id>`` answers the guard (``PageKernelManager.page_status``).
"""
from __future__ import annotations

import json
from pathlib import Path

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from voila.app import Voila, _kernel_id_regex
from voila.tornado.handler import TornadoVoilaHandler

from ._kernel_seats import CURRENT_TICKET

GUARD_POLL_MS = 3000  # 20 pages asking every 3 s is ~7 tiny requests a second
_GUARD = (Path(__file__).with_name("js") / "page_guard.js").read_text()
_STATE_WAIT = (Path(__file__).with_name("js") / "widget_state_wait.js").read_text()


def guard_script(poll_ms: int = GUARD_POLL_MS) -> str:
    return "<script>\n" + _GUARD.replace("__POLL_MS__", str(int(poll_ms))) + "</script>\n"


def state_wait_script() -> str:
    """The page script that lets the widget state take longer than ipywidgets' fixed 4 s (see its comment)."""
    return "<script>\n" + _STATE_WAIT + "</script>\n"


def full_page(limit: int, retry_s: int = 30) -> str:
    """The page a reader gets when all ``limit`` kernels are in use: what happened and what to do."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{int(retry_s)}">
<title>latticelab: the server is full</title></head>
<body style="font: 16px sans-serif; max-width: 40em; margin: 3em auto">
<h1 id="latticelab-server-full">This app server is full</h1>
<p>All {int(limit)} of its app kernels are in use, so it cannot open another app page right now.</p>
<ul>
<li>Close app tabs you no longer need: their kernels are freed within about a minute.</li>
<li>This page tries again by itself every {int(retry_s)} seconds, or <a href="">reload it</a>.</li>
<li>Instructor: if the machine has memory to spare, restart the server with a larger
<code>latticelab serve --max-kernels N</code>.</li>
</ul></body></html>
"""


class PageHandler(TornadoVoilaHandler):
    """Voila's page handler with the beacon cookie, the kernel limit and the page guard (see the module)."""

    @web.authenticated
    async def get(self, path=None):
        self.xsrf_token  # noqa: B018 - sets the _xsrf cookie the page's shutdown beacon posts back (voila#1458)
        km = self.kernel_manager
        self._notebook = self.notebook_path or path
        verdict, ticket = km.admit(self._notebook) if hasattr(km, "admit") else ("seat", None)
        if verdict == "full":
            self.log.warning("Refused a page of %s: all %d kernels are in use", self._notebook, km.max_kernels)
            self.set_status(503)
            self.set_header("Retry-After", "30")
            self.set_header("Content-Type", "text/html")
            self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.finish(full_page(km.max_kernels))
            return
        token = CURRENT_TICKET.set(ticket)
        try:
            await super().get(path)
        finally:
            CURRENT_TICKET.reset(token)
            if ticket is not None:
                ticket.release()
        if not self._finished and self.get_status() == 200:
            self.write(guard_script() + state_wait_script())

    def should_use_rendered_notebook(self, notebook_data, pool_size, template_name, theme, request_args):
        km = self.kernel_manager
        ready = km.warm_ready(self._notebook) if hasattr(km, "warm_ready") else True
        return ready and super().should_use_rendered_notebook(notebook_data, pool_size, template_name, theme,
                                                              request_args)


class KernelStatusHandler(APIHandler):
    """``GET /latticelab/api/kernels/<id>``: is this page's kernel alive, and if not, why (JSON)."""

    @web.authenticated
    def get(self, kernel_id):
        km = self.kernel_manager
        if hasattr(km, "page_status"):  # the page guard's own polls say its page is still open
            status, body = km.page_status(kernel_id, heard=self.get_argument("from", "") == "page")
        else:
            status, body = (200, {"state": "alive"}) if kernel_id in km else (404, {"state": "unknown"})
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class LatticeVoila(Voila):
    """Voila with ``PageHandler`` for the app pages and the kernel-status route (see the module)."""

    def init_handlers(self):
        handlers, swapped = [], 0
        for rule in super().init_handlers():
            if len(rule) >= 2 and rule[1] is TornadoVoilaHandler:
                rule = (rule[0], PageHandler, *rule[2:])
                swapped += 1
            handlers.append(rule)
        if not swapped:
            raise RuntimeError("Voila's page handler (TornadoVoilaHandler) was not among its routes, so latticelab "
                               "cannot guard its pages; install the Voila the app extra pins: pip install -e '.[app]'")
        status = (url_path_join(self.server_url, r"/latticelab/api/kernels/%s" % _kernel_id_regex),
                  KernelStatusHandler)
        return [status, *handlers]

