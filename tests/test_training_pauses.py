"""gglnet.training.pauses.PauseMeter, and the time budget's use of it in fit."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gglnet.training import TrainConfig, fit
from gglnet.training import loop as training_loop
from gglnet.training.pauses import PauseMeter


@pytest.mark.parametrize(
    ("tick", "gap", "match"), [(0, 1, "tick"), (-1, 1, "tick"), (1, 0.5, "gap")]
)
def test_rejects_bad_settings(tick: float, gap: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PauseMeter(tick=tick, gap=gap)


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_counts_a_jump_of_the_clock_and_ignores_small_delays() -> None:
    offset = [0.0]
    meter = PauseMeter(tick=0.01, gap=0.5, clock=lambda: time.monotonic() + offset[0])
    with meter:
        time.sleep(0.1)
        assert meter.seconds == 0.0  # ordinary ticks are not pauses
        offset[0] += 100.0  # the clock moved 100 s while the thread slept: a pause
        _wait_for(lambda: meter.seconds > 0)
        assert meter.seconds == pytest.approx(100.0, abs=0.5)
    after = meter.seconds
    offset[0] += 100.0
    time.sleep(0.05)
    assert meter.seconds == after  # a stopped meter counts nothing more


def test_counts_a_pause_the_thread_has_not_woken_to_see() -> None:
    """Right after kill -CONT the thread may still be asleep: the gap is counted on read."""
    offset = [0.0]
    meter = PauseMeter(tick=30.0, gap=30.0, clock=lambda: time.monotonic() + offset[0])
    with meter:
        assert meter.seconds == 0.0
        offset[0] += 100.0  # the thread sleeps 30 s: it cannot have woken in this test
        assert meter.seconds == pytest.approx(70.0, abs=0.5)  # lateness beyond the tick
    assert meter.seconds == pytest.approx(70.0, abs=0.5)  # stop() keeps it, once


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX SIGSTOP / SIGCONT")
def test_measures_a_real_sigstop() -> None:
    code = (
        "import sys, time\n"
        "from gglnet.training.pauses import PauseMeter\n"
        "with PauseMeter(tick=0.05, gap=0.5) as meter:\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(float(sys.argv[1]))\n"
        "print(meter.seconds, flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, "3"], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    child.send_signal(signal.SIGSTOP)
    time.sleep(2.0)
    child.send_signal(signal.SIGCONT)
    out, _ = child.communicate(timeout=30)
    assert float(out) == pytest.approx(2.0, abs=0.6)


class _FakeMeter:
    """Stands in for PauseMeter: the test says how long the process was 'stopped'."""

    seconds = 0.0

    def __enter__(self) -> _FakeMeter:
        return self

    def __exit__(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("where", ["step", "checkpoint"])
@pytest.mark.parametrize("counted", [True, False])
def test_time_budget_leaves_paused_time_out_of_epoch_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: bool, where: str
) -> None:
    """Epoch 1 is 'paused' for 1000 s of a 1010 s budget (during a step, or while its
    checkpoint is written): the elapsed time counts the pause, the planned length of epoch 2
    does not when the meter saw the pause, and does when it did not."""
    offset = [0.0]
    meter = _FakeMeter()
    monkeypatch.setattr(training_loop, "PauseMeter", lambda: meter)
    monkeypatch.setattr(
        training_loop, "time", SimpleNamespace(monotonic=lambda: time.monotonic() + offset[0])
    )
    paused_once = []

    def stop_for_1000_s() -> None:
        if not paused_once:
            paused_once.append(True)
            offset[0] += 1000.0
            meter.seconds += 1000.0 if counted else 0.0

    def pause(epoch: int, step: int, loss: float) -> None:
        if where == "step" and (epoch, step) == (1, 1):
            stop_for_1000_s()

    save_checkpoint = training_loop.save_checkpoint

    def save_and_pause(*args: Any, **kwargs: Any) -> None:
        save_checkpoint(*args, **kwargs)
        if where == "checkpoint":
            stop_for_1000_s()

    monkeypatch.setattr(training_loop, "save_checkpoint", save_and_pause)

    config = TrainConfig(
        str(tmp_path / "run"), data="synthetic", size=32, synthetic_scenes=6,
        val_fraction=0.34, batch_size=2, epochs=2, model_options={"widths": [8, 16]},
        workers=0, quiet=True, time_budget=1010 / 60,
    )  # fmt: skip
    result = fit(config, on_step=pause)
    expected = ("completed", 2) if counted else ("time_budget", 1)
    assert (result.status, result.epochs_done) == expected
