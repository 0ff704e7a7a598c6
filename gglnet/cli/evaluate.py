"""``gglnet evaluate``: IoU, nIoU, Pd and Fa of a model on a dataset split, as in the paper."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gglnet.data import IRSTDDataset, SyntheticDataset
from gglnet.data.synthetic import SPLIT_SEEDS
from gglnet.evaluation import evaluate, format_metrics
from gglnet.hardware import resolve_device
from gglnet.metrics.plot import plot_roc
from gglnet.models import load_model
from gglnet.padding import PAD_MODES
from gglnet.precision import PRECISIONS, resolve_precision
from gglnet.training.checkpoint import json_safe

EPILOG = """\
examples:
  gglnet evaluate --model runs/sirst/best --data /data/sirst --split idx_320/test
  gglnet evaluate --model gglnet.sirst --data /data/sirst --split idx_320/test --roc --json
  gglnet evaluate --model runs/nudt/best --data /data/nudt-sirst --split idx_50_50/test --size 256
  gglnet evaluate --model weights.pth.tar --arch gglnet --data /data/sirst --split idx_320/test
  gglnet evaluate --model runs/smoke/best --data synthetic --split test --size 64

Images are resized to SIZE x SIZE (SIRST 512, the default; NUDT-SIRST 256), as the paper
measures. --size none evaluates each image at its own size (padded to a multiple of 16 as
gglnet predict does, with the weights' pad mode, prediction cropped back); --trim 8 cuts 8
rows and columns off each image first, so that a 256x256 image needs padding, as a 1920x1080
frame does.
Fa is printed x1e-6 as in the paper's tables and given as a fraction in --json. --data
synthetic evaluates generated scenes: --split train, val or test selects the fixed scene set
(see docs/data.md).
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet evaluate``."""
    parser = subparsers.add_parser(
        "evaluate",
        help="IoU, nIoU, Pd, Fa of a model on a dataset split",
        description="Evaluate a model on a dataset split with the paper's metrics (threshold "
        "0.5, 8-connected targets matched within 3 px), optionally with the 3D-ROC AUCs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model",
        required=True,
        metavar="NAME_OR_PATH",
        help="a published name, a save_pretrained folder (a run's best/ or last/), or a "
        "weight file (.safetensors, .pth, authors' .pth.tar; see --arch)",
    )
    parser.add_argument(
        "--arch", default="gglnet", help="architecture of a bare weight file (default: gglnet)"
    )
    parser.add_argument("--data", required=True, help='a dataset folder, or "synthetic"')
    parser.add_argument(
        "--split",
        required=True,
        help='a split name ("idx_320/test") or file; with --data synthetic: train, val or test',
    )
    parser.add_argument(
        "--size",
        type=_size,
        default=512,
        help="resize to SIZE x SIZE (default: 512; NUDT-SIRST: 256); none: native size",
    )
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="probability cut-off (default: 0.5)"
    )
    parser.add_argument(
        "--pad-mode",
        choices=PAD_MODES,
        help="with --size none: pad images to a multiple of 16 this way (default: the "
        "weights' own, config.json's pad_mode)",
    )
    parser.add_argument(
        "--trim",
        type=int,
        default=0,
        metavar="N",
        help="with --size none: cut N rows and columns off each image's bottom and right "
        "first (on images whose sides are multiples of 16, 1-15 makes each need padding: how "
        "the weights do next to the padded edge; default: 0)",
    )
    parser.add_argument(
        "--roc",
        type=int,
        nargs="?",
        const=10001,
        metavar="N",
        help="also the 3D-ROC AUCs over N thresholds in [0, 1] (default N: 10001, step 1e-4)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="with --roc: draw the 3D-ROC's three curves to FILE (.png, .svg, .pdf); needs "
        'matplotlib (pip install "gglnet[plot]")',
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--label", help='a label recorded in the JSON (e.g. "best")')
    parser.add_argument("--batch-size", type=int, default=4, help="(default: 4)")
    parser.add_argument("--device", help="cuda, cpu... (default: CUDA if available)")
    parser.add_argument("--workers", type=int, default=0, help="data loading processes")
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="fp32",
        help="fp32 (default: the reference protocol), bf16, fp16 (CUDA), or auto (what "
        "gglnet predict uses: bf16 where the device computes it natively)",
    )
    parser.add_argument(
        "--synthetic-scenes",
        type=int,
        default=100,
        help="number of scenes with --data synthetic (default: 100)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    if args.plot is not None and args.roc is None:
        raise ValueError("--plot draws the ROC curves: add --roc")
    if (args.pad_mode or args.trim) and args.size is not None:
        raise ValueError("--pad-mode and --trim apply at native size: add --size none")
    if args.plot is not None and args.plot.is_dir():
        raise ValueError(f"--plot {args.plot} is a folder; give an image file name")
    dataset = _dataset(args)
    model = load_model(args.model, arch=args.arch)
    device = resolve_device(args.device)
    metrics = evaluate(
        model,
        dataset,
        batch_size=args.batch_size,
        threshold=args.threshold,
        roc_thresholds=args.roc,
        device=device,
        precision=args.precision,
        workers=args.workers,
        progress=not args.quiet,
        pad_mode=args.pad_mode,
        trim=args.trim,
    )
    data_name = "synthetic" if args.data == "synthetic" else Path(args.data).resolve().name
    precision = resolve_precision(args.precision, device)
    curve = metrics.pop("roc_curve", None)
    size = _protocol(args.size, metrics, getattr(model.config, "pad_mode", "zeros"))
    if args.plot is not None:
        title = f"{args.model} on {data_name} {args.split} at {size}"
        plot_roc({args.label or str(args.model): curve}, args.plot, title=title)
    report: dict[str, Any] = {
        "model": str(args.model),
        "data": str(args.data),
        "dataset": data_name,
        "split": str(args.split),
        "size": args.size,
        "precision": precision,
        **({"label": args.label} if args.label else {}),
        **metrics,
    }
    if args.json:
        print(json.dumps(json_safe(report), indent=2))
    else:
        in_precision = "" if precision == "fp32" else f" in {precision}"
        title = f"{args.model} on {data_name} {args.split} at {size}{in_precision}"
        print(format_metrics(metrics, title))
    return 0


def _protocol(size: int | None, metrics: dict[str, Any], own: str = "zeros") -> str:
    """``"512x512"``, ``"native size"`` or, e.g., ``"native size, trimmed by 8, reflect
    padding"``: the padding is named unless it is zeros and the weights' own (``own``)."""
    if size is not None:
        return f"{size}x{size}"
    text = "native size"
    if metrics.get("trim"):
        text += f", trimmed by {metrics['trim']}"
    mode = metrics.get("pad_mode", "zeros")
    if mode != "zeros" or mode != own:
        text += f", {mode} padding"
    return text


def _dataset(args: argparse.Namespace) -> IRSTDDataset | SyntheticDataset:
    if args.data != "synthetic":
        return IRSTDDataset(args.data, args.split, size=args.size)
    if args.split not in SPLIT_SEEDS:
        raise ValueError(
            f"with --data synthetic, --split must be one of {sorted(SPLIT_SEEDS)}, "
            f"got {args.split!r}"
        )
    if args.size is None:
        raise ValueError("--data synthetic needs a --size (scenes are generated at that size)")
    return SyntheticDataset(args.synthetic_scenes, args.size, SPLIT_SEEDS[args.split])


def _size(text: str) -> int | None:
    if text.lower() in ("none", "native"):
        return None
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'none', got {text!r}"
        ) from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'none', got {text!r}")
    return size
