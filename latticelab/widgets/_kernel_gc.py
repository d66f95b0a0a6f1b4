"""When a page's kernel is gone for good: the rule the app server's kernel collector applies.

Voila shuts a page's kernel down when the page sends its shutdown beacon on ``beforeunload``. Beacons
get lost: a killed browser, a closed laptop or a crashed tab send none, and under Voila 0.5.13 every
beacon was refused (voila#1458; ``_voila_app`` fixes that). So the server also frees a kernel that no
browser has held a websocket to for ``grace`` seconds. The grace keeps a student's work through a brief
network drop (the page reconnects by itself) and covers the gap between a page's notebook finishing on
the server and its browser connecting.

A kernel that never had a browser is a page still being rendered, one whose browser has not connected
yet, or one whose browser left during the render: it is freed once it is neither busy nor chatty (no
kernel message) for ``grace`` seconds and its page has not been heard from for as long. A page is heard
from when its guard script asks whether its kernel is alive (every few seconds from the moment the page is
parsed): on an overloaded machine a browser took over 60 s after its page rendered to open the kernel's
websocket (20 students' pages in one Chromium on 2 cores), and its kernel must still be there then.

Pure: times are plain floats (seconds) so the rule is tested without a server.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class PageClock:
    """What the collector knows about one page's kernel. Times are ``time.monotonic()`` seconds.

    started: when the kernel started, or left the warm pool for a page (its page's clock starts then);
    connected_once: a browser has opened a websocket to it;  alone_since: when its last websocket closed;
    heard: when its page last asked about it (the page guard's poll), None if never."""

    started: float
    connected_once: bool = False
    alone_since: float | None = None
    heard: float | None = None

    def heard_from(self, now: float):
        self.heard = now

    def connected(self):
        self.connected_once = True
        self.alone_since = None

    def disconnected(self, now: float, connections_left: int):
        if connections_left <= 0:
            self.alone_since = now

    def restart(self, now: float):
        """The kernel was just handed to a page (from the warm pool): its grace starts now."""
        self.started = now
        self.connected_once = False
        self.alone_since = None
        self.heard = None


def orphaned(clock: PageClock, now: float, *, connections: int, quiet_s: float, busy: bool, grace: float) -> bool:
    """True when no browser will come back for this kernel.

    connections: open websockets now;  quiet_s: seconds since the kernel's last message;
    busy: it is executing (a page still rendering);  grace: seconds a kernel may stay without a browser."""
    if connections > 0:
        return False
    heard = clock.heard if clock.heard is not None else float("-inf")
    if clock.connected_once:
        since = clock.alone_since if clock.alone_since is not None else clock.started
        return now - max(since, heard) > grace
    return not busy and now - max(clock.started, heard) > grace and quiet_s > grace
