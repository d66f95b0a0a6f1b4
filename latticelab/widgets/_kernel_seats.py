"""``Seats``: at most ``limit`` kernels at once on the app server, warm (pooled) kernels included.

A page request that will start a kernel takes a seat (a ``Ticket``) before it does any work, so a burst
of requests cannot overshoot the limit while their notebooks load; the ticket is handed in when the
kernel starts (it then counts as running) or when the request ends without starting one. Warm-pool
refills wait until two seats are free: they never take one a page holds, nor the last one.
"""
from __future__ import annotations

import contextvars
import itertools

# The ticket of the page request being served, read by the kernel manager when that request starts its kernel
# (the request and the kernel start run in one asyncio task, so a context variable carries it).
CURRENT_TICKET: contextvars.ContextVar = contextvars.ContextVar("latticelab_kernel_ticket", default=None)


class Ticket:
    """One seat promised to a page request; ``release()`` hands it back (idempotent)."""

    def __init__(self, seats: "Seats", number: int):
        self._seats, self.number = seats, number

    @property
    def held(self) -> bool:
        return self.number in self._seats._held

    def release(self):
        self._seats._held.discard(self.number)


class Seats:
    def __init__(self, limit: int):
        if int(limit) < 1:
            raise ValueError(f"the kernel limit must be at least 1, got {limit}; pass max_kernels=N with N >= 1")
        self.limit = int(limit)
        self._held: set = set()
        self._numbers = itertools.count()

    @property
    def promised(self) -> int:
        """Seats held by page requests whose kernels have not started yet."""
        return len(self._held)

    def free(self, running: int, keep: int = 0) -> bool:
        """Is there room for one more kernel, with ``running`` kernels running or starting, leaving ``keep``
        seats free (a warm-pool refill keeps one for the next page, which must not find the server full
        while a warm kernel it could have started itself is still loading)?"""
        return running + len(self._held) + keep < self.limit

    def reserve(self, running: int) -> Ticket | None:
        """A ticket for one more kernel, or None when the server is full."""
        if not self.free(running):
            return None
        ticket = Ticket(self, next(self._numbers))
        self._held.add(ticket.number)
        return ticket
