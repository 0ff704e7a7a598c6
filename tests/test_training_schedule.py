"""gglnet.training.schedule: the learning rate at chosen steps."""

from __future__ import annotations

import itertools
import math

import pytest

from gglnet.training.schedule import learning_rate


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (0, 1e-3 * 1 / 10),  # warm-up starts at base / warmup_steps
        (4, 1e-3 * 5 / 10),
        (9, 1e-3),  # the last warm-up step reaches base
        (10, 1e-3),  # cosine starts at base
        (60, 1e-5 + (1e-3 - 1e-5) * 0.5),  # half-way down: the mean of base and floor
        (110, 1e-5),  # the end
        (500, 1e-5),  # an extended run stays at the floor
    ],
)
def test_warmup_then_cosine(step: int, expected: float) -> None:
    value = learning_rate(step, 110, 1e-3, schedule="cosine", warmup_steps=10, floor=1e-5)
    assert math.isclose(value, expected, rel_tol=1e-12)


def test_cosine_is_monotone_after_warmup() -> None:
    values = [learning_rate(s, 100, 1.0, schedule="cosine", warmup_steps=5) for s in range(5, 101)]
    assert all(a >= b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("step", [0, 1, 999])
def test_constant_is_the_papers(step: int) -> None:
    assert learning_rate(step, 100, 1e-4) == 1e-4


def test_constant_with_warmup() -> None:
    assert learning_rate(1, 100, 1e-4, warmup_steps=4) == pytest.approx(5e-5)
    assert learning_rate(50, 100, 1e-4, warmup_steps=4) == 1e-4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "step"}, "schedule must be one of"),
        ({"step": -1}, "expected step >= 0"),
        ({"total_steps": 0}, "expected step >= 0"),
        ({"warmup_steps": -2}, "expected step >= 0"),
        ({"floor": 2.0}, "floor must lie in"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    args = {"step": 0, "total_steps": 10, "base": 1.0} | kwargs
    with pytest.raises(ValueError, match=message):
        learning_rate(**args)
