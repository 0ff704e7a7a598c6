"""Side-by-side timing of the eager model and the optimized inference paths.

One implementation behind ``benchmarks/bench_inference.py`` and ``gglnet benchmark``.
"""

from __future__ import annotations

import datetime
import getpass
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from gglnet.inference.optimize import optimize_for_inference

__all__ = [
    "DEFAULT_BATCHES",
    "DEFAULT_PATHS",
    "PATHS",
    "format_table",
    "machine_info",
    "run_benchmark",
]

PATHS: dict[str, dict[str, Any]] = {
    "fused": {"channels_last": False, "compile": False},
    "fused+cl": {"compile": False},
    "fused+cl+compile": {"compile": True},
    "bf16+fused+cl": {"dtype": torch.bfloat16, "compile": False},
    "fp16+fused+cl+compile": {"dtype": torch.float16, "compile": True},
    "bf16+fused+cl+compile": {"dtype": torch.bfloat16, "compile": True},
}
"""Optimized paths: ``optimize_for_inference`` options by name. ``cl`` is channels-last.
The baseline, ``eager``, is the model as the authors run it: float32, NCHW, BatchNorm
unfused."""

DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "cpu": ("fused", "fused+cl", "fused+cl+compile"),
    "cuda": ("fused+cl", "fused+cl+compile", "fp16+fused+cl+compile", "bf16+fused+cl+compile"),
}
DEFAULT_BATCHES: dict[str, tuple[int, ...]] = {"cpu": (1, 16), "cuda": (1, 32)}


def machine_info(device: torch.device) -> dict[str, Any]:
    """Host name, CPU model, threads, torch version and, on CUDA, the GPU name."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {
        "node": platform.node(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "inductor_cache_dir": os.environ.get(
            "TORCHINDUCTOR_CACHE_DIR",
            os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}"),
        ),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cudnn_allow_tf32"] = torch.backends.cudnn.allow_tf32
    return info


def _timed(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> float:
    """Seconds for one call, the device synchronized before and after."""
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)
    start = time.perf_counter()
    fn(x)
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)
    return time.perf_counter() - start


def run_benchmark(
    model: nn.Module,
    device: str | torch.device = "cpu",
    sizes: Sequence[int] = (256, 512),
    batches: Sequence[int] | None = None,
    paths: Sequence[str] | None = None,
    repeats: int = 5,
    warmup: int = 1,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Time the eager model and each optimized path at every size and batch.

    Per input shape, every path is called once first (its compile time is that first call
    minus its steady latency), then ``warmup`` more times, then ``repeats`` rounds in which
    the eager model and every path run once each, interleaved so that load from other
    processes hits all of them alike. Latency is the median over the rounds; the speedup is
    the eager median over the path's median; ``max_prob_diff`` is the largest
    ``|sigmoid(path) - sigmoid(eager)|`` on the (random, fixed-seed) input.

    Args:
        model: the model to time (eval mode, float32); it is the eager baseline as given.
        device: ``"cpu"`` or ``"cuda"`` (``"cuda:1"``, ...).
        sizes: square input sizes (multiples of the model's size divisor).
        batches: batch sizes; default ``(1, 16)`` on CPU, ``(1, 32)`` on CUDA.
        paths: names from :data:`PATHS`; default :data:`DEFAULT_PATHS` of the device type.
        repeats: timed rounds per shape (at least 1).
        warmup: untimed calls per path and shape after the first.
        seed: seed of the random inputs.
        progress: show a tqdm bar.

    Returns:
        ``{"machine": machine_info(...), "date": ISO date, "repeats": ..., "results": [...]}``
        with one result per (path, size, batch), the eager rows included: ``path``, ``size``,
        ``batch``, ``latency_ms``, ``images_per_s``, ``speedup``, ``max_prob_diff``,
        ``compile_s`` (``None`` unless compiled) and ``compiled`` (whether compilation held).

    Raises:
        ValueError: unknown path name or ``repeats < 1``.
    """
    device = torch.device(device)
    batches = tuple(batches or DEFAULT_BATCHES[device.type])
    paths = tuple(paths or DEFAULT_PATHS[device.type])
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        raise ValueError(f"unknown benchmark path(s) {unknown}; choose from {list(PATHS)}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    eager = model.eval().to(device)
    built = {name: optimize_for_inference(model, device=device, **PATHS[name]) for name in paths}
    results = []
    shapes = [(size, batch) for size in sizes for batch in batches]
    bar = tqdm(shapes, desc="benchmark", disable=not progress)
    generator = torch.Generator().manual_seed(seed)
    for size, batch in bar:
        bar.set_postfix(size=size, batch=batch)
        x = torch.rand(batch, 3, size, size, generator=generator).to(device)
        results.extend(_time_shape(eager, built, x, repeats, warmup))
    return {
        "machine": machine_info(device),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "model_parameters": sum(p.numel() for p in model.parameters()),
        "repeats": repeats,
        "warmup": warmup,
        "results": results,
    }


def _time_shape(
    eager: nn.Module, built: dict[str, nn.Module], x: torch.Tensor, repeats: int, warmup: int
) -> list[dict[str, Any]]:
    with torch.no_grad():
        first = {"eager": _timed(eager, x)}
        for name, fast in built.items():
            first[name] = _timed(fast, x)
        runners: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"eager": eager, **built}
        for _ in range(warmup):
            for run in runners.values():
                run(x)
        times: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(repeats):
            for name, run in runners.items():
                times[name].append(_timed(run, x))
        reference = torch.sigmoid(eager(x).float())
        diffs = {
            name: float((torch.sigmoid(run(x)) - reference).abs().max())
            for name, run in built.items()
        }
    size, batch = x.shape[-1], x.shape[0]
    eager_s = statistics.median(times["eager"])
    rows = []
    for name, run in runners.items():
        latency = statistics.median(times[name])
        compiled = getattr(run, "compiled", False)
        rows.append(
            {
                "path": name,
                "size": size,
                "batch": batch,
                "latency_ms": latency * 1e3,
                "images_per_s": batch / latency,
                "speedup": eager_s / latency,
                "max_prob_diff": diffs.get(name, 0.0),
                "compile_s": max(first[name] - latency, 0.0) if compiled else None,
                "compiled": compiled,
            }
        )
    return rows


def format_table(report: dict[str, Any]) -> str:
    """A Markdown table of a :func:`run_benchmark` report, headed by the machine."""
    machine = report["machine"]
    where = machine.get("gpu") or machine["cpu"]
    lines = [
        f"{report['date']} · {machine['node']} · {where} · {machine['device']} · "
        f"torch {machine['torch']} · {machine['torch_threads']} threads · "
        f"median of {report['repeats']}",
        "",
        "| path | size | batch | latency ms | images/s | speedup | max prob diff | compile s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        compile_s = "–" if row["compile_s"] is None else f"{row['compile_s']:.1f}"
        lines.append(
            f"| {row['path']} | {row['size']} | {row['batch']} | {row['latency_ms']:.1f} | "
            f"{row['images_per_s']:.2f} | {row['speedup']:.2f}x | {row['max_prob_diff']:.1e} | "
            f"{compile_s} |"
        )
    return "\n".join(lines)
