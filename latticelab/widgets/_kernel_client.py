"""A page's kernel without a browser: render a Voila page over HTTP, then speak to its kernel as the page does.

Shared by ``tests/serving`` (messages a page could never send: the kernel and server must refuse them) and
``benchmarks/voila_load.py --clients socket`` (students whose "browser" costs nothing, so the table shows
what the server itself can serve). Test and benchmark code: needs ``websocket-client``.

    page = render(server.page_url("viewer_demo.ipynb"))       # HTTP: the kernel id, widget ids, cookie
    sock = page.connect()                                      # the kernel websocket, v1 protocol
    viewer, state = find_model(sock, page.model_ids, "sizes")  # the LatticeViewer's comm
    custom(sock, viewer, {"type": "hello"})                    # frames start coming
"""
from __future__ import annotations

import dataclasses
import http.cookiejar
import json
import re
import time
import urllib.request
import uuid

PROTOCOL = "v1.kernel.websocket.jupyter.org"


class KernelSocket:
    """A jupyter kernel websocket client: ``send`` a message, ``collect`` what comes back."""

    def __init__(self, url: str, cookie: str, origin: str, timeout: float = 30.0):
        import websocket

        self.ws = websocket.create_connection(url, subprotocols=[PROTOCOL], cookie=cookie, origin=origin,
                                              timeout=timeout)
        if self.ws.subprotocol != PROTOCOL:
            raise ConnectionError(f"the server spoke {self.ws.subprotocol!r}, not {PROTOCOL!r}")
        self.session = uuid.uuid4().hex
        self.seen = []  # every message received: {"channel", "header", "parent", "content", "buffers"}

    def send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        """Send one message; returns its msg_id. NaN and infinity go out as JSON literals (as crafted)."""
        from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": self.session, "username": "crafted",
                  "date": "2026-01-01T00:00:00.000000Z", "version": "5.3"}
        parts = [json.dumps(x, allow_nan=True).encode() for x in (header, {}, {}, content)]
        self.ws.send_binary(serialize_msg_to_ws_v1(parts, channel))
        return header["msg_id"]

    def receive(self, timeout: float) -> dict | None:
        """The next message, or None if none came within ``timeout`` s."""
        import websocket
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        self.ws.settimeout(max(0.01, timeout))
        try:
            channel, parts = deserialize_msg_from_ws_v1(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        header, parent, _metadata, content = (json.loads(p) for p in parts[:4])
        msg = {"channel": channel, "header": header, "parent": parent, "content": content, "buffers": parts[4:]}
        self.seen.append(msg)
        return msg

    def collect(self, until=None, timeout: float = 30.0) -> list:
        """Messages received until ``until(message)`` is true for one (returned last) or ``timeout`` s passed
        (then TimeoutError if ``until`` was given)."""
        got, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            msg = self.receive(end - time.monotonic())
            if msg is None:
                break
            got.append(msg)
            if until is not None and until(msg):
                return got
        if until is not None:
            raise TimeoutError(f"no awaited message within {timeout} s; got {[m['header']['msg_type'] for m in got]}")
        return got

    def comm(self, comm_id: str, data: dict) -> str:
        return self.send("comm_msg", {"comm_id": comm_id, "data": data})

    def close(self) -> None:
        self.ws.close()


def reply_to(msg_id, msg_type=None):
    """A predicate: the message answers ``msg_id`` (and is of ``msg_type``, if given)."""
    return lambda m: m["parent"].get("msg_id") == msg_id and (msg_type is None or m["header"]["msg_type"] == msg_type)


def handled(msg_id):
    """A predicate: the kernel went idle after handling message ``msg_id``."""
    return lambda m: reply_to(msg_id, "status")(m) and m["content"]["execution_state"] == "idle"


def frames(messages) -> list:
    """The lattice frames (their JSON part) among ``messages``."""
    return [m["content"]["data"]["content"] for m in messages if m["header"]["msg_type"] == "comm_msg"
            and m["content"]["data"].get("method") == "custom" and m["content"]["data"]["content"].get("type") == "frame"]


def custom(sock: KernelSocket, comm_id: str, content: dict) -> str:
    """What a view's ``model.send(content)`` sends."""
    return sock.comm(comm_id, {"method": "custom", "content": content})


def find_model(sock: KernelSocket, model_ids, key: str, timeout: float = 30.0) -> tuple:
    """The first of ``model_ids`` whose state has ``key``: (model id, state). LookupError if none has."""
    for model_id in model_ids:
        reply = sock.collect(reply_to(sock.comm(model_id, {"method": "request_state"}), "comm_msg"), timeout=timeout)
        state = reply[-1]["content"]["data"]["state"]
        if key in state:
            return model_id, state
    raise LookupError(f"no widget with {key!r} in its state among the page's {len(model_ids)} widgets")


@dataclasses.dataclass
class RenderedPage:
    """A page Voila rendered for us: its kernel, the widget models it shows, what a browser would hold."""

    url: str
    kernel_id: str
    model_ids: list
    cookie: str
    served_s: float  # from the request to the last byte of the page

    @property
    def ws_url(self) -> str:
        base = self.url.split("/voila/", 1)[0].replace("http://", "ws://", 1)
        return f"{base}/api/kernels/{self.kernel_id}/channels"

    @property
    def origin(self) -> str:
        return "/".join(self.url.split("/", 3)[:3])

    def connect(self, timeout: float = 30.0) -> KernelSocket:
        """The page's kernel websocket, opened with its cookie and origin (a fresh session id, as a page)."""
        return KernelSocket(f"{self.ws_url}?session_id={uuid.uuid4().hex}", self.cookie, self.origin, timeout)


def render(url: str, timeout: float = 240.0) -> RenderedPage:
    """GET a Voila page (it runs the notebook, or hands over a warm kernel) and read what the page holds."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    t0 = time.monotonic()
    html = opener.open(url, timeout=timeout).read().decode()
    served = time.monotonic() - t0
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html)
    if found is None:
        raise ValueError(f"{url} is not a rendered Voila page (no kernelId in it): {html[:200]!r}")
    model_ids = list(dict.fromkeys(re.findall(r'"model_id":\s*"([0-9a-f]{32})"', html)))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return RenderedPage(url, found.group(1), model_ids, cookie, served)
