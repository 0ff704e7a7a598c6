"""Speed of gglnet.metrics on 512x512 images with sparse predictions.

Times ``IRSTDMetrics.update`` (images/s, median of repeats after a warm-up) and the 3D-ROC
over 96 images x 100 thresholds (seconds), on synthetic data: each image holds 1-4 small
targets, a prediction blob on most of them, a false-alarm blob or two and faint noise.

Usage:
    python benchmarks/bench_metrics.py [--json out.json] [--repeats 5] [--paper-step]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch

from gglnet.metrics import IRSTDMetrics, roc

SIZE = 512
N_IMAGES = 96
N_THRESHOLDS = 100
PAPER_STEP_IMAGES = 8


def synthetic(n: int, size: int = SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sparse probability maps ``(n, 1, size, size)`` float32 and 0/1 float32 targets.

    Targets are discs of radius 1-4 px; the prediction is a Gaussian bump on 80% of them,
    plus 0-2 false-alarm bumps, over a background of noise below 0.02.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    preds = (rng.random((n, 1, size, size), dtype=np.float32) * 0.02).astype(np.float32)
    targets = np.zeros((n, 1, size, size), np.float32)
    for i in range(n):
        for _ in range(rng.integers(1, 5)):
            y, x = rng.integers(8, size - 8, 2)
            r = int(rng.integers(1, 5))
            cv2.circle(targets[i, 0], (int(x), int(y)), r, 1.0, -1)
            if rng.random() < 0.8:
                _bump(preds[i, 0], yy, xx, y + rng.normal(0, 0.5), x + rng.normal(0, 0.5), r, rng)
        for _ in range(rng.integers(0, 3)):
            y, x = rng.integers(8, size - 8, 2)
            _bump(preds[i, 0], yy, xx, y, x, int(rng.integers(1, 4)), rng)
    return preds, targets


def _bump(img: np.ndarray, yy, xx, y: float, x: float, r: int, rng) -> None:
    """Add a Gaussian blob of peak 0.6-1.0 and width ~r around (y, x), in place."""
    y0, y1, x0, x1 = int(y) - 3 * r, int(y) + 3 * r + 1, int(x) - 3 * r, int(x) + 3 * r + 1
    d2 = (yy[y0:y1, x0:x1] - y) ** 2 + (xx[y0:y1, x0:x1] - x) ** 2
    blob = rng.uniform(0.6, 1.0) * np.exp(-d2 / (2 * (0.7 * r) ** 2))
    np.maximum(img[y0:y1, x0:x1], blob.astype(np.float32), out=img[y0:y1, x0:x1])


def _median_seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cpu_model() -> str:
    """The CPU's marketing name where the OS tells it (Linux), else what platform knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _update_all(preds, targets, batch: int) -> Callable[[], dict]:
    def run() -> dict:
        metrics = IRSTDMetrics(threshold=0.5)
        for i in range(0, len(preds), batch):
            metrics.update(preds[i : i + batch], targets[i : i + batch])
        return metrics.compute()

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (default 5)")
    parser.add_argument(
        "--paper-step",
        action="store_true",
        help=f"also time the ROC with the paper's 1e-4 step on {PAPER_STEP_IMAGES} images",
    )
    args = parser.parse_args(argv)

    preds, targets = synthetic(N_IMAGES)
    preds_t, targets_t = torch.from_numpy(preds), torch.from_numpy(targets)
    masks_u8 = (targets[:, 0] * 255).astype(np.uint8)
    rows = []
    for name, p, t, batch in [
        ("update, torch float32, batch 8", preds_t, targets_t, 8),
        ("update, numpy (H, W) + uint8 0/255, batch 1", preds[:, 0], masks_u8, 1),
    ]:
        seconds = _median_seconds(_update_all(p, t, batch), args.repeats)
        rows.append({"case": name, "seconds": seconds, "images_per_s": N_IMAGES / seconds})
    roc_repeats = max(1, args.repeats // 2)
    seconds = _median_seconds(lambda: roc(preds_t, targets_t), roc_repeats)
    rows.append(
        {
            "case": f"roc, {N_IMAGES} images x {N_THRESHOLDS} thresholds",
            "seconds": seconds,
            "images_per_s": N_IMAGES / seconds,
        }
    )
    if args.paper_step:
        fine = np.linspace(0.0, 1.0, 10001)
        start = time.perf_counter()
        roc(preds_t[:PAPER_STEP_IMAGES], targets_t[:PAPER_STEP_IMAGES], fine)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "case": f"roc, {PAPER_STEP_IMAGES} images x {fine.size} thresholds (1e-4 step)",
                "seconds": seconds,
                "images_per_s": PAPER_STEP_IMAGES / seconds,
            }
        )
    reference = IRSTDMetrics()
    reference.update(preds_t, targets_t)
    machine = {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "cv2": cv2.__version__,
        "cv2_threads": cv2.getNumThreads(),
    }
    print(f"gglnet.metrics benchmark, {N_IMAGES} synthetic {SIZE}x{SIZE} images")
    print(", ".join(f"{k}={v}" for k, v in machine.items()))
    print(f"metrics of the data at 0.5: {reference.compute()}")
    print(f"{'case':<58} {'seconds':>9} {'images/s':>9}")
    for row in rows:
        print(f"{row['case']:<58} {row['seconds']:>9.3f} {row['images_per_s']:>9.1f}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
