"""Side-by-side timing of the eager model, the optimized paths and ONNX Runtime.

One implementation behind ``benchmarks/bench_inference.py`` and ``gglnet benchmark``.
"""

from __future__ import annotations

import datetime
import getpass
import importlib.util
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

from gglnet.hardware import cpu_flags, cpu_model, has_native_bf16
from gglnet.inference.optimize import optimize_for_inference
from gglnet.precision import resolve_precision

__all__ = [
    "CPU_FLAGS",
    "DEFAULT_BATCHES",
    "ONNXRUNTIME",
    "PATHS",
    "check_targets",
    "default_paths",
    "format_table",
    "machine_info",
    "run_benchmark",
]

ONNXRUNTIME = "onnxruntime"
"""The path name of the model exported to ONNX and run by ONNX Runtime (float32, CPU)."""

PATHS: dict[str, dict[str, Any]] = {
    "fused": {"precision": "fp32", "channels_last": False, "compile": False},
    "fused+cl": {"precision": "fp32", "compile": False},
    "fused+cl+compile": {"precision": "fp32", "compile": True, "freezing": False},
    "fused+cl+compile+freeze": {"precision": "fp32", "compile": True, "freezing": True},
    "bf16+fused+cl": {"precision": "bf16", "compile": False},
    "fp16+fused+cl+compile": {"precision": "fp16", "compile": True, "freezing": False},
    "bf16+fused+cl+compile": {"precision": "bf16", "compile": True, "freezing": False},
    "bf16+fused+cl+compile+freeze": {"precision": "bf16", "compile": True, "freezing": True},
    "auto": {},
    ONNXRUNTIME: {},
}
"""Paths by name: ``optimize_for_inference`` options (``cl`` is channels-last, ``freeze``
inductor freezing); ``"auto"`` is ``optimize_for_inference``'s defaults (precision
``"auto"``, compiled, frozen on a CPU), :data:`ONNXRUNTIME` the float32 ONNX export in ONNX
Runtime's CPU provider with as many threads as torch. The baseline, ``eager``, is the model as
the authors run it: float32, NCHW, BatchNorm unfused."""

DEFAULT_BATCHES: dict[str, tuple[int, ...]] = {"cpu": (1, 16), "cuda": (1, 32)}

CPU_FLAGS: tuple[str, ...] = (
    "avx2",
    "fma",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_bf16",
)
"""The CPU flags that decide how fast GGL-Net's paths can run; a report lists those present."""

# Seconds of rest before each timed call on a CPU: worker threads that spin after a call
# (ONNX Runtime's and OpenMP's) would otherwise take cores from the next path in the round.
_SETTLE_S = 0.05


def default_paths(device: str | torch.device) -> tuple[str, ...]:
    """The paths timed when none are named: the float32 steps (on a CPU the compiled one with
    and without freezing), ONNX Runtime where it is installed (CPU), and the default
    ``"auto"`` path."""
    device = torch.device(device)
    if device.type == "cuda":
        return ("fused+cl", "fused+cl+compile", "fp16+fused+cl+compile", "auto")
    ort = (ONNXRUNTIME,) if importlib.util.find_spec("onnxruntime") is not None else ()
    return ("fused+cl", "fused+cl+compile", "fused+cl+compile+freeze", *ort, "auto")


def machine_info(device: torch.device) -> dict[str, Any]:
    """Host, CPU model and relevant flags, threads, torch (and ONNX Runtime) versions, GPU."""
    device = torch.device(device)
    info = {
        "node": platform.node(),
        "cpu": cpu_model(),
        "cpu_flags": [flag for flag in CPU_FLAGS if flag in cpu_flags()],
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "native_bf16": has_native_bf16(device),
        "auto_precision": resolve_precision("auto", device),
        "inductor_cache_dir": os.environ.get(
            "TORCHINDUCTOR_CACHE_DIR",
            os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}"),
        ),
    }
    if importlib.util.find_spec("onnxruntime") is not None:
        import onnxruntime

        info["onnxruntime"] = onnxruntime.__version__
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cudnn_allow_tf32"] = torch.backends.cudnn.allow_tf32
    return info


def _timed(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> float:
    """Seconds for one call, the device synchronized before and after."""
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)
    else:
        time.sleep(_SETTLE_S)
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
    """Time the eager model and each path at every size and batch, side by side.

    Per input shape, every path is called once first (its compile time is that first call
    minus its steady latency; for :data:`ONNXRUNTIME`, the export and the session set-up),
    then ``warmup`` more times, then ``repeats`` rounds in which the eager model and every
    path run once each, interleaved so that load from other processes hits all of them
    alike. On a CPU each call starts after a 50 ms rest, so that one path's spinning worker
    threads do not slow the next. Latency is the median over the rounds; the speedup is the
    eager median over the path's median; ``max_prob_diff`` is the largest
    ``|sigmoid(path) - sigmoid(eager)|`` on the (random, fixed-seed) input.

    Args:
        model: the model to time (eval mode, float32); it is the eager baseline as given.
        device: ``"cpu"`` or ``"cuda"`` (``"cuda:1"``, ...).
        sizes: square input sizes (multiples of the model's size divisor).
        batches: batch sizes; default ``(1, 16)`` on CPU, ``(1, 32)`` on CUDA.
        paths: names from :data:`PATHS`; default :func:`default_paths` of the device.
        repeats: timed rounds per shape (at least 1).
        warmup: untimed calls per path and shape after the first.
        seed: seed of the random inputs.
        progress: show a tqdm bar.

    Returns:
        ``{"machine": machine_info(...), "date": ISO date, "repeats": ..., "results": [...]}``
        with one result per (path, size, batch), the eager rows included: ``path``,
        ``precision``, ``size``, ``batch``, ``latency_ms``, ``images_per_s``, ``speedup``,
        ``vs_onnxruntime`` (ONNX Runtime's latency over the path's, where it ran),
        ``max_prob_diff``, ``compile_s`` (``None`` unless compiled or exported) and
        ``compiled`` (whether compilation held).

    Raises:
        ValueError: unknown path name, :data:`ONNXRUNTIME` on a GPU, or ``repeats < 1``.
        ImportError: :data:`ONNXRUNTIME` asked for without onnxruntime installed.
    """
    device = torch.device(device)
    batches = tuple(batches or DEFAULT_BATCHES[device.type])
    paths = tuple(paths or default_paths(device))
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        raise ValueError(f"unknown benchmark path(s) {unknown}; choose from {list(PATHS)}")
    if ONNXRUNTIME in paths and device.type != "cpu":
        raise ValueError(f"the {ONNXRUNTIME} path runs on the CPU only, got device {device}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    eager = model.eval().to(device)
    built: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {}
    prepare_s: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in paths:
            start = time.perf_counter()
            if name == ONNXRUNTIME:
                built[name] = _onnxruntime(model, Path(scratch) / "model.onnx")
                prepare_s[name] = time.perf_counter() - start
            else:
                built[name] = optimize_for_inference(model, device=device, **PATHS[name])
        results = []
        shapes = [(size, batch) for size in sizes for batch in batches]
        bar = tqdm(shapes, desc="benchmark", disable=not progress)
        generator = torch.Generator().manual_seed(seed)
        for size, batch in bar:
            bar.set_postfix(size=size, batch=batch)
            x = torch.rand(batch, 3, size, size, generator=generator).to(device)
            rows = _time_shape(eager, built, x, repeats, warmup)
            for row in rows:
                if row["path"] in prepare_s:
                    row["compile_s"] = prepare_s[row["path"]]
            results.extend(rows)
    return {
        "machine": machine_info(device),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "model_parameters": sum(p.numel() for p in model.parameters()),
        "repeats": repeats,
        "warmup": warmup,
        "results": results,
    }


def _onnxruntime(model: nn.Module, path: Path) -> Callable[[torch.Tensor], torch.Tensor]:
    """``model`` exported to ``path`` and loaded in ONNX Runtime with torch's thread count."""
    from gglnet.inference.export import OnnxRuntimeModel, export_onnx

    export_onnx(model, path, check_shapes=None)
    return OnnxRuntimeModel(path, threads=torch.get_num_threads())


def _time_shape(
    eager: nn.Module,
    built: dict[str, Callable[[torch.Tensor], torch.Tensor]],
    x: torch.Tensor,
    repeats: int,
    warmup: int,
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
        reference = torch.sigmoid(eager(x).float()).cpu()
        diffs = {
            name: float((torch.sigmoid(run(x)).cpu() - reference).abs().max())
            for name, run in built.items()
        }
    size, batch = x.shape[-1], x.shape[0]
    median = {name: statistics.median(values) for name, values in times.items()}
    rows = []
    for name, run in runners.items():
        latency = median[name]
        compiled = getattr(run, "compiled", False)
        rows.append(
            {
                "path": name,
                "precision": getattr(run, "precision", "fp32"),
                "size": size,
                "batch": batch,
                "latency_ms": latency * 1e3,
                "images_per_s": batch / latency,
                "speedup": median["eager"] / latency,
                "vs_onnxruntime": median[ONNXRUNTIME] / latency if ONNXRUNTIME in median else None,
                "max_prob_diff": diffs.get(name, 0.0),
                "compile_s": max(first[name] - latency, 0.0) if compiled else None,
                "compiled": compiled,
            }
        )
    return rows


def check_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The speed targets of issue 15 that the report's rows can decide, met or not.

    CPU, 512² batch 1: the float32 compiled path at >= 0.95x ONNX Runtime's speed; with
    native bf16, the ``"auto"`` path at >= 1.5x ONNX Runtime float32 and >= 2.5x eager. CUDA,
    512²: ``"auto"`` at batch 32 >= 1000 images/s and >= 10x eager, at batch 1 <= 2 ms
    (stated for an H100/H200).

    Args:
        report: as :func:`run_benchmark` returns it.

    Returns:
        One dict per decidable target: ``target`` (its wording), ``value``, ``required``,
        ``met``.
    """
    rows = {(r["path"], r["size"], r["batch"]): r for r in report["results"]}
    found = []

    def add(target: str, value: float | None, required: float, at_least: bool = True) -> None:
        if value is not None:
            met = value >= required if at_least else value <= required
            found.append({"target": target, "value": value, "required": required, "met": met})

    def get(path: str, batch: int, key: str) -> float | None:
        row = rows.get((path, 512, batch))
        return None if row is None else row[key]

    if report["machine"]["device"].startswith("cuda"):
        add("auto 512² batch 32 images/s >= 1000", get("auto", 32, "images_per_s"), 1000)
        add("auto 512² batch 32 speedup over eager >= 10", get("auto", 32, "speedup"), 10)
        add("auto 512² batch 1 latency ms <= 2", get("auto", 1, "latency_ms"), 2, False)
        return found
    for path in ("fused+cl+compile", "fused+cl+compile+freeze"):
        add(f"{path} 512² batch 1 vs onnxruntime >= 0.95", get(path, 1, "vs_onnxruntime"), 0.95)
    if report["machine"].get("native_bf16"):
        add("auto 512² batch 1 vs onnxruntime >= 1.5", get("auto", 1, "vs_onnxruntime"), 1.5)
        add("auto 512² batch 1 speedup over eager >= 2.5", get("auto", 1, "speedup"), 2.5)
    return found


def format_table(report: dict[str, Any]) -> str:
    """A Markdown table of a :func:`run_benchmark` report, headed by the machine, followed
    by the targets it decides (:func:`check_targets`)."""
    machine = report["machine"]
    where = machine.get("gpu") or machine["cpu"]
    flags = " ".join(machine.get("cpu_flags", [])) or "none of " + " ".join(CPU_FLAGS)
    lines = [
        f"{report['date']} · {machine['node']} · {where} · {machine['device']} · "
        f"torch {machine['torch']} · {machine['torch_threads']} threads · "
        f"median of {report['repeats']}",
        f"CPU {machine['cpu']}, flags: {flags}; native bf16: "
        f"{machine.get('native_bf16')}, auto precision: {machine.get('auto_precision')}"
        + (f"; onnxruntime {machine['onnxruntime']}" if "onnxruntime" in machine else ""),
        "",
        "| path | precision | size | batch | latency ms | images/s | speedup | vs onnxruntime "
        "| max prob diff | compile s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        compile_s = "–" if row["compile_s"] is None else f"{row['compile_s']:.1f}"
        versus = row.get("vs_onnxruntime")
        versus_text = "–" if versus is None else f"{versus:.2f}x"
        lines.append(
            f"| {row['path']} | {row.get('precision', 'fp32')} | {row['size']} | "
            f"{row['batch']} | {row['latency_ms']:.1f} | {row['images_per_s']:.2f} | "
            f"{row['speedup']:.2f}x | {versus_text} | {row['max_prob_diff']:.1e} | "
            f"{compile_s} |"
        )
    targets = check_targets(report)
    if targets:
        lines.append("")
        for target in targets:
            verdict = "met" if target["met"] else "NOT met"
            lines.append(f"target {target['target']}: {target['value']:.3g} ({verdict})")
    return "\n".join(lines)
