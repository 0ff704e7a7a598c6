"""Learning-rate schedules: the paper's constant rate, or linear warm-up then cosine decay."""

from __future__ import annotations

import math
from typing import Literal, get_args

__all__ = ["SCHEDULES", "Schedule", "learning_rate"]

Schedule = Literal["constant", "cosine"]
SCHEDULES: tuple[str, ...] = get_args(Schedule)
"""The schedule names :func:`learning_rate` (and ``TrainConfig.schedule``) accept."""


def learning_rate(
    step: int,
    total_steps: int,
    base: float,
    *,
    schedule: Schedule = "constant",
    warmup_steps: int = 0,
    floor: float = 0.0,
) -> float:
    """The learning rate of optimizer step ``step`` (0-based).

    - warm-up: steps ``0 .. warmup_steps - 1`` rise linearly from ``base / warmup_steps`` to
      ``base`` (step ``warmup_steps - 1`` uses ``base``);
    - then ``"constant"`` keeps ``base`` (the paper's recipe), and ``"cosine"`` falls along a
      half cosine from ``base`` at the end of the warm-up to ``floor`` at ``total_steps``
      (and stays at ``floor`` after it, should a run be extended).

    Args:
        step: the step, ``>= 0``.
        total_steps: steps of the whole run, ``>= 1``.
        base: the peak rate.
        schedule: ``"constant"`` or ``"cosine"``.
        warmup_steps: length of the linear warm-up, ``>= 0``.
        floor: the final rate of ``"cosine"``, ``0 <= floor <= base``.

    Returns:
        The rate.

    Raises:
        ValueError: an unknown schedule or a value out of range.

    Example:
        >>> learning_rate(0, 100, 1e-3, schedule="cosine", floor=1e-5)
        0.001
        >>> learning_rate(100, 100, 1e-3, schedule="cosine", floor=1e-5)
        1e-05
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if step < 0 or total_steps < 1 or warmup_steps < 0:
        raise ValueError(
            f"expected step >= 0, total_steps >= 1, warmup_steps >= 0; got {step}, "
            f"{total_steps}, {warmup_steps}"
        )
    if not 0 <= floor <= base:
        raise ValueError(f"floor must lie in [0, base={base}], got {floor}")
    if step < warmup_steps:
        return base * (step + 1) / warmup_steps
    if schedule == "constant":
        return base
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return floor + (base - floor) * 0.5 * (1 + math.cos(math.pi * progress))
