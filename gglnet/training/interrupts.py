"""Hold Ctrl-C and SIGTERM while a run writes the end of an epoch, so it is written whole.

An epoch ends with files that must agree: the ``best/`` exports, the log record and the
checkpoint. A stop that arrived between the log record and the checkpoint used to leave a
record with no checkpoint behind it, and a run stopped so during its first epoch could not
export ``last/`` at all. Inside :func:`deferred_interrupts` those signals are only noted; they
take effect as soon as the block has ended.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["deferred_interrupts", "signal_handlers"]

DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], Any]


@contextmanager
def signal_handlers(handler: Handler, signums: Iterable[int]) -> Iterator[bool]:
    """Handle ``signums`` with ``handler`` inside the block; restore the previous handlers after.

    Yields ``True``, or ``False`` outside the main thread, where handlers cannot be set and
    nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield True
    finally:
        for signum, before in previous.items():
            # None: a handler not set from Python; the default is the nearest we can restore
            signal.signal(signum, signal.SIG_DFL if before is None else before)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM inside the block, then deliver each one noted.

    On leaving, the handlers in place before are restored and each signal that arrived is
    raised again (once, however often it came), so it does what it would have done, only
    after the block: Ctrl-C raises ``KeyboardInterrupt``, an ignored signal stays ignored.
    Outside the main thread, where handlers cannot be set, the block runs unprotected.

    Example:
        >>> with deferred_interrupts():
        ...     pass  # write files that must agree; Ctrl-C waits until here
    """
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        if signum not in received:
            received.append(signum)

    try:
        with signal_handlers(note, DEFERRED_SIGNALS):
            yield
    finally:
        for signum in received:
            signal.raise_signal(signum)
