"""Class mode's frame acknowledgements, in the real browser: under ``latticelab serve --class`` the viewer
page acknowledges every other frame (an ack costs the server three messages: it, and the kernel's busy and
idle status; with 20 students the server's relaying bounds the frame rate, docs/serving.md), and a frame
no newer one follows (the last before a pause) a moment later, so the kernel never waits for its 1 s
lost-frame timeout. A single user's page acknowledges every frame (checked in test_apps.py)."""
import re
import shutil
from pathlib import Path

import pytest

from latticelab.widgets import _harness
from test_apps import DONE, VIEWER, playing, wait_executed, wait_frames

NOTEBOOK = "viewer_demo.ipynb"
ACK = re.compile(r'"type":\s*"ack",\s*"seq":\s*(\d+)')  # the page's ack (lattice_canvas.js writes type, seq first)
FRAME = re.compile(r'"type":\s*"frame",\s*"seq":\s*(\d+)')  # a frame's header (_canvas.send_frame)
ASKS = re.compile(r'"ack_every":\s*(\d+)')  # in a frame's header


class FrameLog:
    """Sequence numbers of the frames ``page`` receives and of the acks it sends, read off its websockets
    (``frames``, ``acks``; ``asked``: the frames' ``ack_every``). Create it before the page opens."""

    def __init__(self, page):
        self.frames, self.acks, self.asked = [], [], set()
        page.on("websocket", self._watch)

    def _watch(self, ws):
        ws.on("framesent", lambda p: self.acks.extend(int(m) for m in ACK.findall(self._text(p))))
        ws.on("framereceived", self._received)

    def _received(self, payload):
        text = self._text(payload)
        self.frames.extend(int(m) for m in FRAME.findall(text))
        if FRAME.search(text):
            self.asked.update(int(m) for m in ASKS.findall(text))

    @staticmethod
    def _text(payload) -> str:
        return payload.decode("utf-8", "ignore") if isinstance(payload, bytes) else payload


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``latticelab serve --class`` over the viewer page (no warm kernel: the page starts its own)."""
    root = tmp_path_factory.mktemp("class-notebooks")
    shutil.copy(Path(__file__).resolve().parents[2] / "notebooks" / NOTEBOOK, root)
    with _harness.serve_with(root, "--class", "--pool", "0") as srv:
        yield srv


def test_a_class_page_acknowledges_every_other_frame_and_the_last_before_a_pause(page, server):
    log = FrameLog(page)
    page.goto(server.page_url(NOTEBOOK), wait_until="load", timeout=120_000)
    wait_executed(page, DONE[NOTEBOOK])
    assert playing(page)  # this app starts playing on load
    wait_frames(page, 10)
    page.wait_for_timeout(2000)
    n_frames, n_acks = len(log.frames), len(log.acks)
    assert log.asked == {2}, log.asked  # the kernel asks for it (class mode's LATTICELAB_ACK_EVERY)
    assert n_frames >= 20, n_frames
    assert n_frames / 2 - 3 <= n_acks <= 0.6 * n_frames + 3, (n_acks, n_frames)  # every other frame, give or take
    assert log.acks == sorted(log.acks), log.acks  # cumulative, never backwards
    page.click(f'{VIEWER} [data-ll="play"]')
    page.wait_for_selector(f'{VIEWER} [data-ll="play"][data-playing="false"]')
    page.wait_for_timeout(1000)  # the last frames land, and the late ack goes out
    assert log.acks[-1] == max(log.frames), (log.acks[-5:], sorted(log.frames)[-5:])  # the last one drawn, acked
    assert not page.js_errors, page.js_errors
