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
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["deferred_interrupts"]

DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        if signum not in received:
            received.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in DEFERRED_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            # None: a handler not set from Python; the default is the nearest we can restore
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in received:
            signal.raise_signal(signum)
