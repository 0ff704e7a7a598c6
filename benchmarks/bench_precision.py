"""What reduced precision costs in accuracy: IoU, nIoU, Pd, Fa in float32 vs another precision.

The check behind ``precision="auto"`` (docs/inference.md, "Precision"): ``auto`` picks bfloat16
only where the hardware computes it natively, and it is meant for weights whose IoU in
bfloat16 stays within 0.005 of float32. This script measures that for given weights on a
dataset split, at each image's native size (padded to a multiple of 16 by the weights' pad
mode, as ``gglnet.Predictor`` pads), with ``gglnet.evaluation.evaluate``. Its exit status is 1
when the IoU drops by more than ``--max-iou-drop``: run these weights with
``precision="fp32"`` then.

Usage:
    python benchmarks/bench_precision.py --model runs/sirst/best_ema \\
        --data datasets/sirst --split idx_320/test [--precision bf16] [--limit 200] \\
        [--buckets] [--json out.json]
    python benchmarks/bench_precision.py --model gglnet.synthetic --data synthetic

``--precision`` defaults to ``auto`` (what this machine's ``auto`` resolves to; when that is
fp32, nothing is compared: pass ``--precision bf16`` to measure bfloat16 anyway, emulated and
slow on such a CPU). ``--buckets`` also evaluates float32 with frames padded up to the
Predictor's shape buckets (what a compiled Predictor does with mixed sizes). Models run
uncompiled (eager autocast), since every native size would compile separately.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

import gglnet
from gglnet.data import IRSTDDataset, SyntheticDataset
from gglnet.data.synthetic import SPLIT_SEEDS
from gglnet.evaluation import evaluate
from gglnet.hardware import cpu_model, resolve_device
from gglnet.inference import optimize_for_inference
from gglnet.padding import DEFAULT_SIZE_BUCKETS, bucket_size, model_pad_mode, pad_bottom_right
from gglnet.precision import PRECISIONS, resolve_precision

MAX_IOU_DROP = 0.005
"""The largest IoU loss against float32 that ``precision="auto"`` accepts (issue 15)."""

METRICS = ("iou", "niou", "pd", "fa")


class Bucketed(nn.Module):
    """Run ``model`` on its input padded once, by the weights' pad mode, up to the shape
    buckets (as a compiled :class:`gglnet.Predictor` pads), and crop the result back.

    Its ``config`` says ``size_divisor=1`` so that :func:`gglnet.evaluation.evaluate` leaves
    the padding to it instead of padding to a multiple of 16 first.
    """

    def __init__(self, model: nn.Module, buckets: Sequence[int] = DEFAULT_SIZE_BUCKETS) -> None:
        super().__init__()
        self.model = model
        self.divisor = model.config.size_divisor
        self.pad_mode = model_pad_mode(model)
        self.config = SimpleNamespace(size_divisor=1, pad_mode=self.pad_mode)
        self.buckets = tuple(buckets)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        target = bucket_size(height, width, self.buckets, self.divisor)
        padded = pad_bottom_right(x, *target, mode=self.pad_mode)
        return self.model(padded)[..., :height, :width]


def compare_precisions(
    model: nn.Module,
    dataset: Dataset,
    precision: str = "auto",
    device: str | torch.device | None = None,
    buckets: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Evaluate ``model`` in float32 and in ``precision`` on ``dataset``; the differences.

    Args:
        model: the trained model (float32).
        dataset: images and masks (native size: ``IRSTDDataset(..., size=None)``).
        precision: a name of :data:`gglnet.precision.PRECISIONS`; ``"auto"`` resolves for
            ``device``.
        device: where to run; default CUDA when available.
        buckets: also evaluate float32 with the Predictor's size buckets.
        progress: progress bars.

    Returns:
        ``{"device", "precision" (resolved), "runs": {label: metrics}, "iou_drop",
        "within_tolerance"}``; ``iou_drop`` is float32's IoU minus the other's (``None``
        when ``precision`` resolves to float32).
    """
    device = resolve_device(device)
    chosen = resolve_precision(precision, device)
    runs: dict[str, dict[str, Any]] = {}
    labels = {"fp32": "fp32"} if chosen == "fp32" else {"fp32": "fp32", chosen: chosen}
    for label, name in labels.items():
        fast = optimize_for_inference(model, device=device, precision=name, compile=False)
        runs[label] = evaluate(fast, dataset, device=device, progress=progress)
    if buckets:
        fast = optimize_for_inference(model, device=device, precision="fp32", compile=False)
        runs["fp32+buckets"] = evaluate(Bucketed(fast), dataset, device=device, progress=progress)
    drop = None if chosen == "fp32" else runs["fp32"]["iou"] - runs[chosen]["iou"]
    return {
        "device": str(device),
        "requested_precision": precision,
        "precision": chosen,
        "runs": runs,
        "iou_drop": drop,
        "within_tolerance": drop is None or drop <= MAX_IOU_DROP,
    }


def format_comparison(result: dict[str, Any]) -> str:
    """A Markdown table: one row per run, the differences to float32 in brackets."""
    base = result["runs"]["fp32"]
    lines = [
        "| run | IoU | nIoU | Pd | Fa (x1e-6) | images |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, metrics in result["runs"].items():
        cells = []
        for key in METRICS:
            scale = 1e6 if key == "fa" else 1
            value = metrics[key] * scale
            delta = value - base[key] * scale
            cells.append(f"{value:.4f}" if label == "fp32" else f"{value:.4f} ({delta:+.4f})")
        lines.append(f"| {label} | {' | '.join(cells)} | {metrics['n_images']} |")
    return "\n".join(lines)


def _dataset(data: str, split: str | None, limit: int | None) -> Dataset:
    """The split at native size (synthetic scenes: the 256² scenes of a split), cut to
    its first ``limit`` images."""
    if data == "synthetic":
        scenes = 100 if limit is None else limit
        return SyntheticDataset(scenes, size=256, seed=SPLIT_SEEDS[split or "test"])
    dataset = IRSTDDataset(data, split=split, size=None)
    if limit is not None and limit < len(dataset):
        dataset = IRSTDDataset(data, split=dataset.stems[:limit], size=None)
    return dataset


def main(argv: list[str] | None = None) -> int:
    """Command line: compare, print, optionally write JSON; exit 1 when IoU drops too far."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", required=True, help="weights: name, folder or file")
    parser.add_argument("--data", required=True, help='dataset folder, or "synthetic"')
    parser.add_argument("--split", help='split ("idx_320/test"); synthetic: train/val/test')
    parser.add_argument("--precision", choices=PRECISIONS, default="auto", help="(auto)")
    parser.add_argument("--device", help="cpu, cuda (default: CUDA if available)")
    parser.add_argument("--limit", type=int, help="evaluate the first LIMIT images only")
    parser.add_argument("--buckets", action="store_true", help="also fp32 with size buckets")
    parser.add_argument("--max-iou-drop", type=float, default=MAX_IOU_DROP)
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    model = gglnet.load_model(args.model)
    dataset = _dataset(args.data, args.split, args.limit)
    result = compare_precisions(
        model, dataset, args.precision, args.device, args.buckets, progress=not args.quiet
    )
    result["within_tolerance"] = result["iou_drop"] is None or result["iou_drop"] <= (
        args.max_iou_drop
    )
    result |= {
        "model": args.model,
        "data": args.data,
        "split": args.split,
        "limit": args.limit,
        "cpu": cpu_model(),
        "torch": torch.__version__,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    size = "256²" if args.data == "synthetic" else "native size"
    print(
        f"{args.model} on {args.data} {args.split or 'test'} ({len(dataset)} images, {size}) · "  # type: ignore[arg-type]
        f"{result['device']} · {cpu_model()} · torch {torch.__version__}"
    )
    print(format_comparison(result))
    if result["iou_drop"] is None:
        print(f"precision {args.precision!r} is fp32 on {result['device']}: nothing to compare")
    elif result["within_tolerance"]:
        print(
            f"{result['precision']} keeps IoU within {args.max_iou_drop} of fp32 "
            f"({-result['iou_drop']:+.4f}): precision='auto' is fine for these weights"
        )
    else:
        print(
            f"{result['precision']} loses {result['iou_drop']:.4f} IoU (> {args.max_iou_drop}): "
            "run these weights with precision='fp32'"
        )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if result["within_tolerance"] else 1


if __name__ == "__main__":
    sys.exit(main())
