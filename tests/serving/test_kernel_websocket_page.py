"""A page's kernel websocket, driven by hand (issue 12): what a crafted client can and cannot do.

`latticelab serve` over notebooks/ (smoke preset) renders the viewer page for an HTTP client, which then
opens the page's kernel websocket as the page would (its cookie and origin, the v1 kernel protocol a
browser speaks) and sends jupyter messages itself: code execution and the other non-widget requests are
dropped by the server; widget state that a control could never send (L = 10^6, T = NaN, ...) is refused
by the kernel, which sends the refusal to the page (``error``) and its own value back (the view
reverts), stays the same process and keeps serving the page. (The view showing ``error``: the browser
tests fail on any text in [data-ll="error"].)
"""
import json
import math
import re
import uuid
from pathlib import Path

import pytest
import websocket

from latticelab.widgets import _harness
from latticelab.widgets._kernel_client import PROTOCOL, custom, find_model, frames, handled, render, reply_to

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
MAX_RSS_MB = 250  # issue 12's goal for the viewer page's kernel


def kernel_pid(kernel_id: str) -> int:
    """The pid of the ipykernel whose connection file names ``kernel_id``."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes()
        except OSError:
            continue
        if b"ipykernel" in args and kernel_id.encode() in args:
            return int(cmdline.parent.name)
    raise LookupError(f"no kernel process for {kernel_id}")


def warm_numba_cache():
    """Compile (or load) the viewer's sweep kernels here first, so that the page's kernel loads them from numba's
    on-disk cache, as every page after a server's first does (a cold compile costs a kernel ~30 MB more)."""
    import latticelab as ll

    for algorithm in ("wolff", "metropolis"):
        ll.Chain(ll.Ising(L=8), [2.0], algorithm=algorithm, backend="numba", seed=0).step(1)


@pytest.fixture(scope="module")
def app():
    """The rendered viewer page's kernel and a client on its websocket; the server is always stopped at the end."""
    warm_numba_cache()
    with _harness.voila_server(NOTEBOOKS, preset="smoke") as server:
        page = render(server.page_url("viewer_demo.ipynb"))
        sock = page.connect()
        try:
            viewer_id, state = find_model(sock, page.model_ids, "sizes")  # the LatticeViewer: it has a size menu
            L = state["L"]
            custom(sock, viewer_id, {"type": "hello"})  # what the view says first: it gets the lattice
            assert frames(sock.collect(lambda m: frames([m]), timeout=60))[-1]["L"] == L
            yield dict(server=server, sock=sock, viewer=viewer_id, L=L, kernel_id=page.kernel_id,
                       pid=kernel_pid(page.kernel_id), ws_url=page.ws_url, cookie=page.cookie)
        finally:
            sock.close()


def test_code_execution_and_other_requests_are_dropped_by_the_server(app, tmp_path):
    sock, canary = app["sock"], tmp_path / "executed"
    code = f"open({str(canary)!r}, 'w').write('ran')"
    ids = {
        "execute_request": sock.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                         "user_expressions": {}, "allow_stdin": False,
                                                         "stop_on_error": True}),
        "history_request": sock.send("history_request", {"output": False, "raw": True, "hist_access_type": "tail",
                                                         "n": 50}),  # would give the stripped sources back
        "inspect_request": sock.send("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}),
        "complete_request": sock.send("complete_request", {"code": "import o", "cursor_pos": 8}),
        "interrupt_request": sock.send("interrupt_request", {}, channel="control"),
    }
    got = sock.collect(reply_to(sock.send("kernel_info_request", {}), "kernel_info_reply"))  # the kernel answers...
    got += sock.collect(timeout=1.0)
    answered = {m["header"]["msg_type"] for m in got if m["parent"].get("msg_id") in ids.values()}
    assert answered == set(), f"the kernel answered {answered}"  # ...but never saw these
    assert not canary.exists()
    log = app["server"].log()
    for msg_type in ids:
        assert f'Received message of type "{msg_type}", which is not allowed' in log, msg_type


CRAFTED = [
    ({"L": 1_000_000}, "L"), ({"L": 2048}, "L"), ({"T": math.nan}, "T"), ({"T": -1.0}, "T"), ({"T": math.inf}, "T"),
    ({"model": "heisenberg"}, "model"), ({"sweeps_per_frame": 10**9}, "sweeps_per_frame"),
    ({"sizes": [1_000_000]}, "sizes"), ({"_esm": "alert(1)"}, "_esm"),
]


def test_crafted_widget_state_is_refused_by_the_kernel(app):
    sock, viewer, L = app["sock"], app["viewer"], app["L"]
    for state, name in CRAFTED:
        msg_id = sock.comm(viewer, {"method": "update", "state": state})
        got = sock.collect(handled(msg_id))
        updates = [m["content"]["data"]["state"] for m in got if reply_to(msg_id, "comm_msg")(m)
                   and m["content"]["data"].get("method") == "update"]
        errors = [u["error"] for u in updates if "error" in u]
        assert errors and errors[-1].startswith("refused from the page") and name in errors[-1], (state, updates)
        assert {name: state[name]} not in updates  # no echo of the bad value...
        if name == "L":
            assert {"L": L} in updates  # ...the kernel's value instead, so the view reverts
        assert not [m for m in got if m["header"]["msg_type"] == "error"
                    or "Traceback" in str(m["content"].get("text", ""))], got
    state = sock.collect(reply_to(sock.comm(viewer, {"method": "request_state"}), "comm_msg"))[-1]["content"]["data"]
    assert state["state"]["L"] == L and state["state"]["model"] == "ising" and state["state"]["sweeps_per_frame"] < 1000
    assert state["state"]["error"].startswith("refused from the page")  # what the view shows


def test_after_refusals_the_kernel_is_the_same_and_the_page_keeps_working(app):
    sock, viewer, L = app["sock"], app["viewer"], app["L"]
    sock.collect(handled(sock.comm(viewer, {"method": "update", "state": {"T": math.nan, "L": 10**6}})))
    for data in ({}, {"method": "no such method"}, {"method": "update", "state": ["L", 10**6]},
                 {"method": "update", "state": {"T": 2.0}, "buffer_paths": [["T", 9]]},
                 {"method": "custom", "content": {"type": "reset", "start": "lukewarm"}},
                 {"method": "custom", "content": {"type": "ack", "seq": "x"}}, {"method": "custom", "content": None}):
        sock.collect(handled(sock.comm(viewer, data)))  # malformed: ipywidgets or the viewer refuse each
    sock.collect(handled(sock.comm("no-such-comm", {"method": "update", "state": {"L": 64}})))
    reply = sock.collect(reply_to(sock.send("kernel_info_request", {}), "kernel_info_reply"))[-1]
    assert reply["content"]["status"] == "ok" and kernel_pid(app["kernel_id"]) == app["pid"]  # no restart
    # the page's controls still work: a valid change takes effect, the Step button gives a new frame
    sock.comm(viewer, {"method": "update", "state": {"T": 1.5}})
    custom(sock, viewer, {"type": "step"})
    frame = frames(sock.collect(lambda m: any(f.get("T") == 1.5 for f in frames([m]))))[-1]
    assert frame["L"] == L and frame["sweeps"] > 0
    sock.comm(viewer, {"method": "update", "state": {"L": 64}})  # a size from the menu: a new chain
    sock.collect(lambda m: any(f.get("L") == 64 for f in frames([m])))
    state = sock.collect(reply_to(sock.comm(viewer, {"method": "request_state"}), "comm_msg"))[-1]["content"]["data"]
    assert (state["state"]["L"], state["state"]["error"]) == (64, "") and state["state"]["T"] == pytest.approx(1.5)
    assert "restarting kernel" not in app["server"].log()


def test_a_foreign_origin_cannot_open_the_kernel_socket(app):
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(f"{app['ws_url']}?session_id={uuid.uuid4().hex}", subprotocols=[PROTOCOL],
                                    cookie=app["cookie"], origin="http://evil.example", timeout=60)
    assert err.value.status_code == 403


def test_the_viewer_kernel_has_no_torch_and_stays_small(app):
    pid = app["pid"]
    maps = Path(f"/proc/{pid}/maps").read_text()
    assert "libtorch" not in maps, "the viewer page's kernel loaded torch: find the import (python -X importtime)"
    rss_mb = int(re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) / 1024
    assert rss_mb < MAX_RSS_MB, f"the viewer page's kernel uses {rss_mb:.0f} MB RSS (goal < {MAX_RSS_MB} MB)"


def test_the_kernel_talks_to_the_server_over_unix_sockets(app):
    """Not TCP ports: with TCP, twenty pages opened at once lost a kernel to a port another process took between
    the server picking it and the kernel binding it (benchmarks/voila_load.py, "Address already in use")."""
    args = Path(f"/proc/{app['pid']}/cmdline").read_bytes().split(b"\0")
    connection = json.loads(Path(args[args.index(b"-f") + 1].decode()).read_text())
    assert connection["transport"] == "ipc", connection
