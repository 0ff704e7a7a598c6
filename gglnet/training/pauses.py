"""Time a process spent stopped (``kill -STOP`` / Ctrl-Z), measured.

A stopped process cannot see the signal that stops it, but it can see the hole it leaves in
the clock: :class:`PauseMeter` runs a daemon thread that wakes every ``tick`` seconds, and a
wake-up more than ``gap`` seconds late means the whole process stood still; the lateness is
counted as paused time. A pause that has just ended but that the thread has not woken to see
yet is counted too, so a read right after ``kill -CONT`` is already complete. The training
loop uses it so that a paused epoch does not count as a long one when the time budget plans
the next epoch.

The clock is :func:`time.monotonic`, which on Linux stands still while the machine is
suspended: a suspended machine is neither measured here nor counted by the budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

__all__ = ["PauseMeter"]


class PauseMeter:
    """Seconds the process was stopped while the meter ran.

    Args:
        tick: how often the thread wakes, in seconds (> 0).
        gap: a wake-up later than this (seconds, >= ``tick``) counts as a pause; its
            lateness beyond ``tick`` is added to :attr:`seconds`. Stalls shorter than ``gap``
            (a busy interpreter delaying the thread) are ignored.
        clock: a monotonic clock in seconds.

    Example:
        >>> with PauseMeter() as pauses:
        ...     before = pauses.seconds
        ...     # work that may be paused with kill -STOP / kill -CONT
        ...     paused = pauses.seconds - before
    """

    def __init__(
        self, tick: float = 1.0, gap: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not tick > 0:
            raise ValueError(f"tick must be a positive number of seconds, got {tick}")
        if not gap >= tick:
            raise ValueError(f"gap must be at least tick ({tick} s), got {gap}")
        self.tick, self.gap, self.clock = tick, gap, clock
        self._seconds = 0.0
        self._last = 0.0  # when the thread last woke (under the lock)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def seconds(self) -> float:
        """Paused seconds counted so far, a gap the thread has not woken to see included."""
        with self._lock:
            if self._thread is None or self._stop.is_set():
                return self._seconds
            return self._seconds + self._pause(self.clock())

    def _pause(self, now: float) -> float:
        """How much of the time since the last wake-up is a pause (0 for an ordinary tick)."""
        late = now - self._last - self.tick
        return late if late > self.gap - self.tick else 0.0

    def start(self) -> PauseMeter:
        """Start the thread (once)."""
        if self._thread is None:
            self._last = self.clock()
            self._thread = threading.Thread(target=self._watch, name="PauseMeter", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and wait for it; what was counted stays in :attr:`seconds`."""
        with self._lock:
            if self._thread is not None and not self._stop.is_set():
                self._seconds += self._pause(self.clock())
            self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self.tick):
            with self._lock:
                if self._stop.is_set():
                    return
                now = self.clock()
                self._seconds += self._pause(now)
                self._last = now

    def __enter__(self) -> PauseMeter:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
