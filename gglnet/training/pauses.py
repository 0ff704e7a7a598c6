"""Time a process spent stopped (``kill -STOP`` / Ctrl-Z, a suspended machine), measured.

A stopped process cannot see the signal that stops it, but it can see the hole it leaves in
the clock: :class:`PauseMeter` runs a daemon thread that wakes every ``tick`` seconds, and a
wake-up more than ``gap`` seconds late means the whole process stood still; the lateness is
counted as paused time. The training loop uses it so that a paused epoch does not count as a
long one when the time budget plans the next epoch.
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
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def seconds(self) -> float:
        """Paused seconds counted so far."""
        with self._lock:
            return self._seconds

    def start(self) -> PauseMeter:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="PauseMeter", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        last = self.clock()
        while not self._stop.wait(self.tick):
            now = self.clock()
            late = now - last - self.tick
            if late > self.gap - self.tick:
                with self._lock:
                    self._seconds += late
            last = now

    def __enter__(self) -> PauseMeter:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
