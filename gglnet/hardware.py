"""What the hardware can do, decided at run time: native bf16 arithmetic, the CPU's name."""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import torch

__all__ = ["cpu_flags", "cpu_model", "has_native_bf16"]

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
