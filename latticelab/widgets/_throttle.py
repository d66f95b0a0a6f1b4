"""Back-pressure for live frames: drop frames the browser has no room for, never queue them.

The browser acknowledges every frame it draws (an ack of sequence number s acknowledges every
frame up to s). The kernel sends a frame only while fewer than ``max_in_flight`` are unacknowledged
and no sooner than ``1 / max_fps`` after the previous one; a frame it cannot send is dropped (the
simulation has moved on, a newer frame follows). So the frame rate adapts to the slowest link,
and the message rate stays below ``max_fps`` (far under Jupyter's iopub limit of 1000/s).

A frame not acknowledged within ``ack_timeout`` seconds is presumed lost (a closed or hidden view),
so a lost ack never wedges the stream; after ``detach_after`` seconds with frames out but no ack at
all the stream is ``detached``: the owner stops stepping until a view speaks again (``attach``).
A new stream is detached until a view first says hello (nobody is watching yet).
Time is passed in (``now``, seconds) so all of this is testable without clocks or browsers.
"""
from __future__ import annotations

import collections


class Throttle:
    """Decides, frame by frame, whether to send or drop."""

    def __init__(self, max_in_flight: int = 2, max_fps: float = 60.0, ack_timeout: float = 1.0,
                 detach_after: float = 10.0):
        if int(max_in_flight) < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
        if not max_fps > 0:
            raise ValueError(f"max_fps must be > 0 frames per second, got {max_fps}")
        self.max_in_flight = int(max_in_flight)
        self.max_fps = float(max_fps)
        self.ack_timeout = float(ack_timeout)
        self.detach_after = float(detach_after)
        self.sent = self.dropped = self.acked = self.lost = 0
        self._in_flight = collections.OrderedDict()  # seq -> time sent
        self._last_sent = None
        self._silent_since = None  # first frame sent since a view last spoke
        self.attached = False  # has any view spoken yet?
        self.latency = None  # smoothed seconds from send to ack

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def _expire(self, now: float):
        while self._in_flight:
            seq, t = next(iter(self._in_flight.items()))
            if now - t < self.ack_timeout:
                break
            del self._in_flight[seq]
            self.lost += 1

    def ready(self, now: float) -> bool:
        """True if a frame may be sent at time ``now``."""
        self._expire(now)
        if self._last_sent is not None and now - self._last_sent < 1.0 / self.max_fps:
            return False
        return len(self._in_flight) < self.max_in_flight

    def offer(self, seq: int, now: float) -> bool:
        """A frame ``seq`` is ready: True (record it as sent) if there is room, else count it dropped."""
        if self.ready(now):
            self.mark_sent(seq, now)
            return True
        self.dropped += 1
        return False

    def mark_sent(self, seq: int, now: float):
        """Record frame ``seq`` as sent (also for frames forced out past ``ready``)."""
        self._in_flight[seq] = now
        self._last_sent = now
        self.sent += 1
        if self._silent_since is None:
            self._silent_since = now

    def ack(self, seq: int, now: float):
        """The browser drew frame ``seq`` (and so is done with every earlier one)."""
        for s in [s for s in self._in_flight if s <= seq]:
            rtt = now - self._in_flight.pop(s)
            self.latency = rtt if self.latency is None else 0.8 * self.latency + 0.2 * rtt
            self.acked += 1
        self._silent_since = None
        self.attached = True

    def attach(self):
        """A view (re)appeared: forget what was in flight and start listening again."""
        self._in_flight.clear()
        self._silent_since = None
        self.attached = True

    def detached(self, now: float) -> bool:
        """True before any view spoke, or when frames went out for ``detach_after`` seconds without a word."""
        if not self.attached:
            return True
        return self._silent_since is not None and now - self._silent_since >= self.detach_after
