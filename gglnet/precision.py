"""Precisions: their names, their dtypes, and what ``"auto"`` means on a device.

The one home of the precision names that inference (:func:`gglnet.optimize_for_inference`,
:class:`gglnet.Predictor`, ``gglnet predict``), ``gglnet benchmark`` and training
(:class:`gglnet.training.TrainConfig`) accept.

For inference, ``"auto"`` is bfloat16 where the device computes in bfloat16 natively
(:func:`gglnet.hardware.has_native_bf16`: a CPU with ``avx512_bf16`` or AMX, a CUDA GPU of
compute capability 8.0 or newer) and float32 elsewhere: emulated bfloat16 is several times
slower than float32. Training's ``"auto"`` differs on CUDA only, where it is the paper's
float16 AMP (``docs/training.md``).
"""

from __future__ import annotations

import logging
from typing import Literal, get_args

import torch

from gglnet.hardware import _CPU_BF16_FLAGS, cpu_flags, has_native_bf16

__all__ = [
    "DTYPES",
    "PRECISIONS",
    "Precision",
    "autocast_dtype",
    "check_precision",
    "precision_dtype",
    "resolve_precision",
]

Precision = Literal["auto", "fp32", "bf16", "fp16"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
"""Every precision name; ``"auto"`` resolves to one of the others (:func:`resolve_precision`)."""

DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "bf16": torch.bfloat16,
    "fp16": torch.float16,
}
"""The compute dtype of each concrete precision."""

_logger = logging.getLogger("gglnet")
_logged: set[tuple[str, str]] = set()


def check_precision(precision: object) -> None:
    """Raise a ValueError naming the choices unless ``precision`` is one of :data:`PRECISIONS`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")


def precision_dtype(precision: str) -> torch.dtype:
    """The dtype of a concrete precision (``"fp32"``, ``"bf16"``, ``"fp16"``).

    Raises:
        ValueError: ``precision`` is ``"auto"`` (resolve it first) or unknown.
    """
    if precision not in DTYPES:
        raise ValueError(
            f"precision must be one of {list(DTYPES)} (resolve 'auto' with "
            f"resolve_precision), got {precision!r}"
        )
    return DTYPES[precision]


def resolve_precision(precision: str, device: str | torch.device) -> str:
    """The concrete inference precision that ``precision`` stands for on ``device``.

    ``"auto"`` becomes ``"bf16"`` where ``device`` has native bfloat16 arithmetic and
    ``"fp32"`` elsewhere; the first resolution of ``"auto"`` per device and outcome is logged
    (logger ``"gglnet"``, level INFO). Any other name is returned as it is.

    Args:
        precision: one of :data:`PRECISIONS`.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a :class:`torch.device`.

    Returns:
        ``"fp32"``, ``"bf16"`` or ``"fp16"``.

    Raises:
        ValueError: ``precision`` is not one of :data:`PRECISIONS`.

    Example:
        >>> resolve_precision("fp16", "cpu")
        'fp16'
        >>> resolve_precision("auto", "cpu") in ("bf16", "fp32")
        True
    """
    check_precision(precision)
    if precision != "auto":
        return precision
    device = torch.device(device)
    chosen = "bf16" if has_native_bf16(device) else "fp32"
    if (str(device), chosen) not in _logged:
        _logged.add((str(device), chosen))
        _logger.info("gglnet: precision 'auto' is %s on %s (%s)", chosen, device, _reason(device))
    return chosen


def autocast_dtype(
    precision: str,
    device: str | torch.device,
    task: Literal["inference", "evaluation", "training"],
) -> torch.dtype:
    """The dtype that ``precision`` runs ``task`` in on ``device``, for ``torch.autocast``.

    As :func:`resolve_precision`, except that training's ``"auto"`` on CUDA is the paper's
    float16 AMP. ``torch.float32`` means no autocast.

    Args:
        precision: one of :data:`PRECISIONS`.
        device: the device the task runs on.
        task: ``"inference"``, ``"evaluation"`` (the same rules) or ``"training"``.

    Raises:
        ValueError: ``precision`` is unknown, or ``"fp16"`` off CUDA (CPU autocast has no
            float16 here; the message names the task and the device).

    Example:
        >>> autocast_dtype("fp32", "cpu", "training")
        torch.float32
    """
    check_precision(precision)
    device = torch.device(device)
    if precision == "fp16" and device.type != "cuda":
        raise ValueError(f"precision 'fp16' needs a CUDA device; {task} runs on {device}")
    if task == "training" and precision == "auto" and device.type == "cuda":
        return torch.float16
    return precision_dtype(resolve_precision(precision, device))


def _reason(device: torch.device) -> str:
    """Why ``device`` does or does not count as native bfloat16, for the log line."""
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return "CUDA is not available"
        major, minor = torch.cuda.get_device_capability(device)
        return f"compute capability {major}.{minor}; native bf16 needs 8.0"
    flags = sorted(set(_CPU_BF16_FLAGS) & cpu_flags())
    if flags:
        return "CPU flags " + ", ".join(flags)
    return f"none of {', '.join(_CPU_BF16_FLAGS)} in the CPU flags: bf16 would be emulated"
