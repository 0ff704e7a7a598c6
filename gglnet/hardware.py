"""The hardware, decided at run time: which device to use, native bf16, the CPU's name."""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import torch

__all__ = ["cpu_flags", "cpu_model", "has_native_bf16", "resolve_device"]

_CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux reports them (empty where ``/proc/cpuinfo`` is absent)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


@functools.cache
def cpu_model() -> str:
    """The CPU's model name with its family and model numbers (virtual machines often report
    a bare "AMD EPYC"), or what :mod:`platform` knows where ``/proc/cpuinfo`` is absent."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine() or "unknown CPU"
    fields: dict[str, str] = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name", platform.machine() or "unknown CPU")
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def has_native_bf16(device: str | torch.device = "cpu") -> bool:
    """Whether ``device`` computes in bfloat16 natively, so bf16 autocast pays off.

    CPU: the ``avx512_bf16`` or ``amx_bf16`` instructions (elsewhere PyTorch emulates bf16,
    several times slower than fp32). CUDA: compute capability 8.0 or newer.

    Args:
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, or a :class:`torch.device`.

    Returns:
        ``True`` when bf16 is native.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.get_device_capability(device)[0] >= 8
    if device.type == "cpu":
        return any(flag in cpu_flags() for flag in _CPU_BF16_FLAGS)
    return False


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on, checked: every command and function resolves devices here.

    Args:
        device: ``None`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``,
            ``"cuda:N"``, ``"mps"``, or a :class:`torch.device`.

    Returns:
        The :class:`torch.device`.

    Raises:
        ValueError: the name is not a device (``"gpu"``), or the device is not on this machine
            (``"cuda"`` without CUDA, ``"cuda:7"`` on a one-GPU machine); the message says what
            this machine has.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, torch.device):
        resolved, name = device, str(device)
    else:
        name = str(device).strip()
        try:
            resolved = torch.device(name.lower())
        except (RuntimeError, ValueError):
            raise ValueError(
                f"unknown device {name!r}: expected 'cpu', 'cuda', 'cuda:N' or 'mps' "
                f"(this machine has {_available_devices()})"
            ) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {name!r} needs CUDA, which is not available here (this machine has "
                f"{_available_devices()}); use --device cpu"
            )
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise ValueError(
                f"device {name!r} does not exist: this machine has {_available_devices()}"
            )
    elif resolved.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(f"device {name!r} (Apple MPS) is not available here")
    elif resolved.type != "cpu":
        raise ValueError(
            f"device {name!r} is not supported by gglnet: use 'cpu', 'cuda', 'cuda:N' or 'mps'"
        )
    return resolved


def _available_devices() -> str:
    if not torch.cuda.is_available():
        return "only the CPU"
    count = torch.cuda.device_count()
    gpus = ", ".join(f"cuda:{i}" for i in range(count))
    return f"the CPU and {count} CUDA device{'s' if count > 1 else ''} ({gpus})"
