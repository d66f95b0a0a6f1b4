"""Rate limits of the live widgets: one ``RateLimit`` (at most one action per interval), and
``Throttle``, the back-pressure of live frames built on it.

``RateLimit`` caps how often something happens: a redraw of a plot, a history write, a frame sent.
Time comes from an injectable ``clock`` or is passed in as ``now`` (seconds), so all of this is
testable without clocks or browsers.

``Throttle`` drops frames the browser has no room for, never queues them. The browser acknowledges
every ``ack_every``-th frame it draws (an ack of sequence number s acknowledges every frame up to s),
and a drawn frame no newer one follows within a moment (the last before a pause). The kernel
sends a frame only while fewer than ``max_in_flight`` are unacknowledged and no sooner than
``1 / max_fps`` after the previous one; a frame it cannot send is dropped (the simulation has moved
on, a newer frame follows). So the frame rate adapts to the slowest link, and the message rate
stays below ``max_fps`` (far under Jupyter's iopub limit of 1000/s).

Why not every frame: each ack is a shell message, which the kernel answers with a busy and an idle
status, and the server relays all three; acknowledging every other frame takes a frame from four
relayed messages to 2.5. On a 2-core server with 20 students each receiving as fast as the server
can relay, that gave 10.2 fps per student against 7.0 (medians of six and six runs; paired 1.07-2.0x:
docs/serving.md, "Fewer acknowledgements"), so class mode asks for it
(``latticelab serve --class`` sets ``ACK_EVERY_VAR`` for its kernels). A single user keeps an ack per
frame: with one page the round trip, not the server, bounds the rate, and fewer acks cost it frames.
``max_in_flight`` defaults to ``max(2, ack_every)`` and must be at least ``ack_every``, or the stream
would wait for its ack timeout. With an ack every two frames, a window of four gave 20 students less
(9.1 and 9.9 fps each, against 10.1 and 10.2 with two, alternating runs) and one page more (~38 fps in
headless Chromium, against ~30 with two and ~41 acknowledging every frame): class mode is for the room.

A frame not acknowledged within ``ack_timeout`` seconds is presumed lost (a closed or hidden view),
so a lost ack never wedges the stream; after ``detach_after`` seconds with frames out but no ack at
all the stream is ``detached``: the owner stops stepping until a view speaks again (``attach``).
A new stream is detached until a view first says hello (nobody is watching yet).
"""
from __future__ import annotations

import collections
import os
import time

ACK_EVERY_VAR = "LATTICELAB_ACK_EVERY"  # the kernel's default ``ack_every`` (set by ``latticelab serve --class``)


def default_ack_every() -> int:
    """``ack_every`` from ``ACK_EVERY_VAR`` (1 when unset); ValueError naming the variable if it is not a count."""
    text = os.environ.get(ACK_EVERY_VAR, "").strip()
    try:
        value = int(text) if text else 1
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{ACK_EVERY_VAR}={text!r}: the page's frames per ack must be a whole number >= 1 "
                         f"(unset it, or e.g. {ACK_EVERY_VAR}=2)")
    return value


class RateLimit:
    """Lets an action through at most once per ``interval`` seconds: ``if rate_limit(): redraw()``.

    The first call passes; ``rate_limit(force=True)`` always passes (and restarts the interval).
    ``wait()`` says how long until the next action may pass (to schedule it instead of dropping it).
    ``now`` defaults to ``clock()`` (``time.monotonic``; injectable for tests).
    """

    def __init__(self, interval: float = 0.25, clock=time.monotonic):
        if not interval >= 0:
            raise ValueError(f"interval must be >= 0 seconds, got {interval!r}; e.g. 0.25 for 4 updates/s")
        self.interval, self.clock, self.last = float(interval), clock, None
        self.passed = 0

    def wait(self, now: float | None = None) -> float:
        """Seconds from ``now`` until an action may pass (0.0: it may pass now)."""
        if self.last is None:
            return 0.0
        now = self.clock() if now is None else now
        return max(0.0, self.last + self.interval - now)

    def ready(self, now: float | None = None) -> bool:
        """True if an action may pass at ``now`` (nothing is recorded)."""
        if self.last is None:
            return True
        now = self.clock() if now is None else now
        return now - self.last >= self.interval

    def mark(self, now: float | None = None):
        """Record that an action passed at ``now`` (the interval restarts)."""
        self.last = self.clock() if now is None else now
        self.passed += 1

    def __call__(self, force: bool = False, now: float | None = None) -> bool:
        """True (and recorded) if the action may pass now or is forced, else False."""
        now = self.clock() if now is None else now
        if force or self.ready(now):
            self.mark(now)
            return True
        return False


class Throttle:
    """Decides, frame by frame, whether to send or drop."""

    def __init__(self, max_in_flight: int | None = None, max_fps: float = 60.0, ack_timeout: float = 1.0,
                 detach_after: float = 10.0, ack_every: int = 1):
        if int(ack_every) < 1:
            raise ValueError(f"ack_every must be >= 1 frames per ack, got {ack_every}")
        max_in_flight = max(2, int(ack_every)) if max_in_flight is None else max_in_flight
        if int(max_in_flight) < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
        if not int(ack_every) <= int(max_in_flight):
            raise ValueError(f"ack_every must be between 1 and max_in_flight={max_in_flight}, got {ack_every} "
                             f"(the browser must acknowledge before the kernel runs out of frames in flight)")
        self.ack_every = int(ack_every)
        if not max_fps > 0:
            raise ValueError(f"max_fps must be > 0 frames per second, got {max_fps}")
        self.max_in_flight = int(max_in_flight)
        self.max_fps = float(max_fps)
        self.ack_timeout = float(ack_timeout)
        self.detach_after = float(detach_after)
        self.rate = RateLimit(1.0 / self.max_fps)  # frames sent, forced ones included
        self.dropped = self.acked = self.lost = 0
        self._in_flight = collections.OrderedDict()  # seq -> time sent
        self._silent_since = None  # first frame sent since a view last spoke
        self.attached = False  # has any view spoken yet?
        self.latency = None  # smoothed seconds from send to ack

    @property
    def sent(self) -> int:
        return self.rate.passed

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
        return self.rate.ready(now) and len(self._in_flight) < self.max_in_flight

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
        self.rate.mark(now)
        if self._silent_since is None:
            self._silent_since = now

    def ack(self, seq: int, now: float):
        """The browser drew frame ``seq`` (and so is done with every earlier one). ``latency`` follows the
        acknowledged frame's own round trip (an earlier one waited for it to be drawn as well)."""
        if seq in self._in_flight:
            rtt = now - self._in_flight[seq]
            self.latency = rtt if self.latency is None else 0.8 * self.latency + 0.2 * rtt
        for s in [s for s in self._in_flight if s <= seq]:
            del self._in_flight[s]
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
