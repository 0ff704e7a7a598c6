"""Training speed of GGL-Net on this machine: images/s of one optimizer step, per option.

Times :func:`gglnet.training.loop.train_step` (forward, softIoU + BCE, backward, Adam) on
random ``(B, 3, S, S)`` batches with a few small targets, side by side in one process:

- ``fp32``: the plain float32 step, NCHW (the reference, 1.00x);
- ``fp32_cl``: float32, channels-last;
- ``bf16`` / ``bf16_cl``: bfloat16 autocast (NCHW / channels-last), where the CPU has native
  bf16 arithmetic (``--force-bf16`` times it anyway: emulated bf16 is several times slower);
- ``bf16_cl_compile`` / ``fp32_cl_compile`` with ``--compile``: the same, ``torch.compile``d.

Each option gets warm-up steps, then ``--rounds`` interleaved rounds of ``--steps`` steps;
the median round gives images/s; speed-ups are against the first option timed (``fp32``
unless ``--only`` names others). Never run it beside a training run: pause that first
(``kill -STOP PID``, then ``kill -CONT PID``).

Usage:
    python benchmarks/bench_train.py [--size 256] [--batch-size 8] [--rounds 3]
        [--steps 3] [--compile] [--force-bf16] [--only bf16_cl,bf16_cl_compile]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

import gglnet
from gglnet.hardware import cpu_flags, cpu_model, has_native_bf16
from gglnet.training.loop import train_step

FLAGS_OF_INTEREST = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


@dataclass
class Option:
    """One way of taking the step."""

    name: str
    dtype: torch.dtype | None
    channels_last: bool
    compile: bool = False


def options(compile_: bool, bf16: bool) -> list[Option]:
    """The options to time, the plain float32 step first."""
    chosen = [Option("fp32", None, False), Option("fp32_cl", None, True)]
    if bf16:
        chosen += [Option("bf16", torch.bfloat16, False), Option("bf16_cl", torch.bfloat16, True)]
    if compile_:
        chosen.append(Option("fp32_cl_compile", None, True, True))
        if bf16:
            chosen.append(Option("bf16_cl_compile", torch.bfloat16, True, True))
    return chosen


def batch(size: int, batch_size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random images ``(B, 3, S, S)`` and masks ``(B, 1, S, S)`` with 3x3 targets."""
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(batch_size, 1, size, size, generator=generator).repeat(1, 3, 1, 1)
    mask = torch.zeros(batch_size, 1, size, size)
    for index in range(batch_size):
        y, x = torch.randint(2, size - 2, (2,), generator=generator).tolist()
        mask[index, 0, y - 1 : y + 2, x - 1 : x + 2] = 1
    return image, mask


def stepper(option: Option, image: torch.Tensor, mask: torch.Tensor) -> Callable[[], None]:
    """A closure taking one step of ``option`` on its own model copy."""
    torch.manual_seed(0)
    model = gglnet.create_model("gglnet")
    memory_format = torch.contiguous_format
    if option.channels_last:
        model = model.to(memory_format=torch.channels_last)
        memory_format = torch.channels_last
    forward = torch.compile(model) if option.compile else model
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    image = image.contiguous(memory_format=memory_format)

    def step() -> None:
        train_step(forward, optimizer, scaler, image, mask, option.dtype, bce_weight=1.0)

    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="crop side (default: 256)")
    parser.add_argument("--batch-size", type=int, default=8, help="(default: 8)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: 3)")
    parser.add_argument("--steps", type=int, default=3, help="steps per round (default: 3)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up steps (default: 2)")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    parser.add_argument("--force-bf16", action="store_true", help="time bf16 without native bf16")
    parser.add_argument(
        "--only",
        help="comma-separated option names to time (the first is the reference), e.g. "
        "bf16_cl,bf16_cl_compile (default: every option that applies)",
    )
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)

    native = has_native_bf16("cpu")
    flags = sorted(f for f in FLAGS_OF_INTEREST if f in cpu_flags())
    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores; flags: {' '.join(flags)})")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load {os.getloadavg()}")
    print(f"batch {args.batch_size} x {args.size}x{args.size}, median of {args.rounds} rounds")
    image, mask = batch(args.size, args.batch_size)
    chosen = options(args.compile, native or args.force_bf16)
    if args.only:
        available = {option.name: option for option in chosen}
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in names if name not in available]
        if unknown or not names:
            parser.error(
                f"--only: {unknown or args.only!r} not among the options that apply here "
                f"({', '.join(available)}; the compiled ones need --compile)"
            )
        chosen = [available[name] for name in names]
    steps: dict[str, Callable[[], None]] = {}
    warmup: dict[str, float] = {}
    for option in chosen:
        steps[option.name] = stepper(option, image, mask)
        start = time.perf_counter()
        for _ in range(args.warmup):
            steps[option.name]()
        warmup[option.name] = time.perf_counter() - start
    rounds: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            rounds[name].append(time.perf_counter() - start)
    reference = statistics.median(rounds[chosen[0].name])
    results = []
    print(f"{'option':<18}{'s/step':>9}{'images/s':>10}{'speed-up':>10}{'warm-up s':>11}")
    for name, times in rounds.items():
        median = statistics.median(times)
        per_step = median / args.steps
        result = {
            "option": name,
            "seconds_per_step": per_step,
            "images_per_second": args.batch_size / per_step,
            "speedup": reference / median,
            "warmup_seconds": warmup[name],
        }
        results.append(result)
        print(
            f"{name:<18}{per_step:9.3f}{result['images_per_second']:10.2f}"
            f"{result['speedup']:9.2f}x{warmup[name]:11.1f}"
        )
    if args.json:
        report = {
            "cpu": cpu_model(),
            "flags": flags,
            "cores": os.cpu_count(),
            "torch": torch.__version__,
            "native_bf16": native,
            "size": args.size,
            "batch_size": args.batch_size,
            "rounds": args.rounds,
            "steps": args.steps,
            "results": results,
        }
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
