"""``gglnet predict``: probability maps, masks, overlays and detections.json for images."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm.auto import tqdm

from gglnet.data.image import read_image
from gglnet.inference import Predictor
from gglnet.inference.overlay import draw_detections
from gglnet.inference.predictor import BACKENDS
from gglnet.models import load_model
from gglnet.precision import PRECISIONS

IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")
OUTPUT_DIRS = ("probs", "masks", "overlays")

EPILOG = """\
examples:
  gglnet predict frames/ --model gglnet_sirst --out preds/
  gglnet predict a.png b.png --model runs/sirst/best --out preds/ --threshold 0.4
  gglnet predict big/ --model weights.safetensors --out preds/ --tile 1024 --device cuda \\
      --precision bf16
  gglnet predict frames/ --model gglnet.onnx --backend onnxruntime --out preds/  # gglnet export

writes, for each input image <stem>:
  OUT/probs/<stem>.png     probabilities, 16-bit (value = round(p * 65535)) or with
                           --prob-bits 8, 8-bit (value = round(p * 255))
  OUT/masks/<stem>.png     8-bit, 255 where p > threshold, else 0
  OUT/overlays/<stem>.png  the image (RGB; 16-bit inputs stretched min..max) with a red box
                           and the peak probability at each target
  OUT/detections.json      per image: file, size and targets (centroid [y, x], bbox
                           [x0, y0, x1, y1) exclusive end, area, peak_score)
Any image size works (padded to a multiple of 16, cropped back). Existing outputs are kept
unless --overwrite. Unreadable images are reported by name and skipped (exit status 1).
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet predict``."""
    parser = subparsers.add_parser(
        "predict",
        help="probability maps, masks, overlays and detections for images",
        description="Run a model on image files or folders and write probability maps, binary "
        "masks, overlays with boxes around targets, and detections.json.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs", nargs="+", type=Path, metavar="IMAGES_OR_DIRS", help="image files or folders"
    )
    parser.add_argument(
        "--model",
        required=True,
        metavar="NAME_OR_PATH",
        help="a published name, a save_pretrained folder, or a weight file (see --arch)",
    )
    parser.add_argument(
        "--arch", default="gglnet", help="architecture of a bare weight file (default: gglnet)"
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="target where p > THRESHOLD (default: 0.5)"
    )
    parser.add_argument("--device", help="cuda, cpu... (default: CUDA if available)")
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="(default: auto: bf16 where the device has native bf16, else fp32)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="torch",
        help="torch (default) or onnxruntime (float32, CPU; --model may then be a .onnx file "
        "from gglnet export)",
    )
    parser.add_argument(
        "--tile",
        type=int,
        help="cut images larger than TILE into overlapping TILE x TILE windows (multiple of 16)",
    )
    parser.add_argument(
        "--tile-overlap", type=int, help="overlap of the windows in pixels (default: TILE / 8)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=8, help="images (or windows) per forward pass (8)"
    )
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="torch.compile the model (default: on CUDA only; a CPU compiles for minutes)",
    )
    parser.add_argument(
        "--prob-bits", type=int, choices=(8, 16), default=16, help="probability PNG depth (16)"
    )
    parser.add_argument("--recursive", action="store_true", help="search folders recursively")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_predict)


def _predict(args: argparse.Namespace) -> int:
    try:
        files = _find_images(args.inputs, args.recursive)
        _check_outputs(files, args.out, args.overwrite)
        onnx_file = args.backend == "onnxruntime" and str(args.model).endswith(".onnx")
        predictor = Predictor(
            args.model if onnx_file else load_model(args.model, arch=args.arch),
            device=args.device,
            precision=args.precision,
            tile=args.tile,
            tile_overlap=args.tile_overlap,
            batch_size=args.batch_size,
            compile="auto" if args.compile is None else args.compile,
            threshold=args.threshold,
            backend=args.backend,
        )
    except (OSError, ValueError, TypeError) as error:
        print(f"gglnet predict: error: {error}", file=sys.stderr)
        return 1
    for name in OUTPUT_DIRS:
        (args.out / name).mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    failed: list[str] = []
    with tqdm(total=len(files), desc="predict", unit="img", disable=args.quiet) as bar:
        for chunk in _chunks(files, args.batch_size):
            images, readable = [], []
            for path in chunk:
                try:
                    images.append(read_image(path))
                    readable.append(path)
                except (OSError, ValueError) as error:
                    tqdm.write(f"gglnet predict: error: {error}", file=sys.stderr)
                    failed.append(str(path))
            if images:
                for path, image, prob in zip(readable, images, predictor(images), strict=True):
                    records.append(_write_outputs(predictor, path, image, prob, args))
            bar.update(len(chunk))
    summary = {
        "model": str(args.model),
        "threshold": args.threshold,
        "precision": predictor.precision,
        "backend": args.backend,
        "tile": args.tile,
        "images": records,
    }
    (args.out / "detections.json").write_text(json.dumps(summary, indent=2) + "\n")
    targets = sum(len(r["targets"]) for r in records)
    print(f"{len(records)} image(s), {targets} target(s) → {args.out}")
    if not args.quiet:
        print(f"{predictor.model!r}; batches: {predictor.latency}")
    if failed:
        print(f"gglnet predict: {len(failed)} image(s) could not be read", file=sys.stderr)
        return 1
    return 0


def _find_images(inputs: list[Path], recursive: bool) -> list[Path]:
    """Image files named or inside the folders, sorted per folder; duplicate stems rejected."""
    files: list[Path] = []
    for entry in inputs:
        if entry.is_dir():
            found = entry.rglob("*") if recursive else entry.iterdir()
            files.extend(
                sorted(p for p in found if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            )
        elif entry.is_file():
            files.append(entry)
        else:
            raise FileNotFoundError(f"no such image or folder: {entry}")
    if not files:
        raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) found in {inputs}")
    seen: dict[str, Path] = {}
    for path in files:
        if path.stem in seen:
            raise ValueError(
                f"{seen[path.stem]} and {path} would write the same outputs "
                f"({path.stem}.png); predict them into different --out folders"
            )
        seen[path.stem] = path
    return files


def _check_outputs(files: list[Path], out: Path, overwrite: bool) -> None:
    if overwrite:
        return
    candidates = [out / "detections.json"]
    candidates += [out / name / f"{path.stem}.png" for path in files for name in OUTPUT_DIRS]
    existing = [path for path in candidates if path.exists()]
    if existing:
        raise FileExistsError(
            f"{len(existing)} output file(s) exist already, e.g. {existing[0]}; "
            "pass --overwrite to replace them or choose another --out"
        )


def _chunks(items: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_outputs(
    predictor: Predictor, path: Path, image: np.ndarray, prob: np.ndarray, args: argparse.Namespace
) -> dict[str, Any]:
    targets = predictor.find_targets(prob)
    scale, dtype = (65535, np.uint16) if args.prob_bits == 16 else (255, np.uint8)
    _write_png(args.out / "probs" / f"{path.stem}.png", np.rint(prob * scale).astype(dtype))
    mask = np.where(prob > predictor.threshold, 255, 0).astype(np.uint8)
    _write_png(args.out / "masks" / f"{path.stem}.png", mask)
    overlay = draw_detections(image, targets)
    _write_png(args.out / "overlays" / f"{path.stem}.png", cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
    return {
        "file": str(path),
        "height": int(prob.shape[0]),
        "width": int(prob.shape[1]),
        "targets": [target.to_dict() for target in targets],
    }


def _write_png(path: Path, array: np.ndarray) -> None:
    """Write with imencode + tofile (imwrite mishandles non-ASCII paths on some platforms)."""
    ok, buffer = cv2.imencode(".png", array)
    if not ok:
        raise OSError(f"cannot encode {path} as PNG")
    buffer.tofile(path)
