"""gglnet.training.interrupts: Ctrl-C and SIGTERM wait for the end of a block, then act."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from types import FrameType

import pytest

from gglnet.training.interrupts import deferred_interrupts


@pytest.fixture
def sigterm_calls() -> Iterator[list[int]]:
    """A Python SIGTERM handler that records its calls (the previous one restored after)."""
    calls: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        calls.append(signum)

    previous = signal.signal(signal.SIGTERM, record)
    yield calls
    signal.signal(signal.SIGTERM, previous)


def test_ctrl_c_inside_the_block_raises_after_it() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        signal.raise_signal(signal.SIGINT)
        steps.append("after the signal")
    assert steps == ["after the signal"]


def test_a_signal_is_delivered_once_to_the_handler_in_place_before(
    sigterm_calls: list[int],
) -> None:
    with deferred_interrupts():
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGTERM)
        assert sigterm_calls == []
    assert sigterm_calls == [signal.SIGTERM]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_handlers_are_restored(signum: int, sigterm_calls: list[int]) -> None:
    before = signal.getsignal(signum)
    with deferred_interrupts():
        assert signal.getsignal(signum) is not before
    assert signal.getsignal(signum) is before


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with deferred_interrupts():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_without_a_signal_nothing_happens(sigterm_calls: list[int]) -> None:
    with deferred_interrupts():
        pass
    assert sigterm_calls == []


def test_outside_the_main_thread_the_block_runs_unprotected() -> None:
    seen: list[object] = []

    def work() -> None:
        with deferred_interrupts():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]
