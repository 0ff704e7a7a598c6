"""``gglnet benchmark``: the eager model, the optimized paths and ONNX Runtime, side by side."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from gglnet.hardware import resolve_device
from gglnet.inference.benchmark import PATHS, format_table, run_benchmark
from gglnet.models import create_model

EPILOG = """\
examples:
  gglnet benchmark                                  # CPU: 256 and 512, batch 1 and 16
  gglnet benchmark --device cuda --json cuda.json   # CUDA: batch 1 and 32
  gglnet benchmark --quick                          # smoke run: 256, batch 1, 2 repeats
  gglnet benchmark --paths fused+cl+compile onnxruntime auto --sizes 512 --batches 1

The model is the named architecture with random weights (speed does not depend on them).
"eager" is the model as the authors run it (float32, NCHW, BatchNorm unfused); "cl" is
channels-last, "fused" BatchNorm folded, "compile" torch.compile (inductor; CUDA graphs on
CUDA), "freeze" inductor freezing; "auto" is optimize_for_inference's default (precision
auto: bf16 where the device has native bf16, else fp32; compiled); "onnxruntime" the float32
ONNX export in ONNX Runtime (CPU; needs gglnet[onnx], timed by default where installed).
compile s is the first call at a shape minus the steady latency (onnxruntime: export and
session set-up); inductor caches its artefacts in TORCHINDUCTOR_CACHE_DIR (see --cache-dir),
so a second run compiles faster. The report starts with the CPU model and its flags and ends
with the speed targets the run decides.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet benchmark``."""
    parser = subparsers.add_parser(
        "benchmark",
        help="time eager vs optimized inference (latency, images/s, speedup)",
        description="Time the eager model and each optimized inference path at several sizes "
        "and batches: median latency after warm-up, images/s, speedup over eager, largest "
        "probability difference to eager, and compile time.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", default="gglnet", help="registered architecture (gglnet)")
    parser.add_argument(
        "--device", default=None, help="cpu or cuda (default: CUDA if available, else CPU)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[256, 512], help="square sizes (256 512)"
    )
    parser.add_argument(
        "--batches", type=int, nargs="+", help="batch sizes (default: 1 16 on CPU, 1 32 on CUDA)"
    )
    parser.add_argument(
        "--paths",
        nargs="+",
        choices=list(PATHS),
        metavar="PATH",
        help=f"paths to time beside eager (default depends on the device): {', '.join(PATHS)}",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per shape (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls after the first (1)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: size 256, batch 1, 2 repeats"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the random weights and inputs (0)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the report here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --json")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="inductor cache directory for this run (sets TORCHINDUCTOR_CACHE_DIR)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_benchmark)


def _benchmark(args: argparse.Namespace) -> int:
    if args.json is not None:
        if args.json.exists() and not args.overwrite:
            raise FileExistsError(f"{args.json} exists (pass --overwrite to replace it)")
        # Before the run, not after minutes of timing: the folder must be creatable.
        args.json.parent.mkdir(parents=True, exist_ok=True)
    if args.cache_dir is not None:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(args.cache_dir.resolve())
    sizes, batches, repeats = args.sizes, args.batches, args.repeats
    if args.quick:
        sizes, batches, repeats = [256], [1], 2
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    model = create_model(args.model).eval()
    report = run_benchmark(
        model,
        device=device,
        sizes=sizes,
        batches=batches,
        paths=args.paths,
        repeats=repeats,
        warmup=args.warmup,
        seed=args.seed,
        progress=not args.quiet,
    )
    report["model"] = f"{args.model} (random weights, seed {args.seed})"
    print(format_table(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0
