"""``gglnet predict``: probability maps, masks, overlays and detections.json for images."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from tqdm.auto import tqdm

from gglnet.data.image import read_image
from gglnet.inference import Predictor
from gglnet.inference.overlay import draw_detections
from gglnet.inference.predictor import BACKENDS
from gglnet.models import load_model
from gglnet.padding import DEFAULT_SIZE_BUCKETS, PAD_MODES
from gglnet.precision import PRECISIONS

IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")
OUTPUT_DIRS = ("probs", "masks", "overlays")
DEFAULT_MAX_PIXELS = 40_000_000
"""Frames above this many pixels are refused before decoding (8000x5000; --max-pixels)."""

EPILOG = """\
examples:
  gglnet predict frames/ --model gglnet.sirst --out preds/
  gglnet predict frames/ --model gglnet.sirst --out preds/ --skip-existing  # resume a run
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
                           [x0, y0, x1, y1) exclusive end, area, peak_score); and the
                           frames that failed, with the reason
Any image size works (padded to a multiple of 16, cropped back); frames above 2 Mpx are cut
into 1024-pixel windows by default, so memory stays bounded (--tile). A frame that fails
(unreadable, above --max-pixels, out of memory) is reported with its path and the reason; the
others are written, and the exit status is 1. Existing outputs are never replaced unless
--overwrite; --skip-existing resumes a run, keeping the frames already written.
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
        type=_tile,
        default="auto",
        help="cut images larger than TILE into overlapping TILE x TILE windows (a multiple of "
        "16), or 'none' to run every image whole (default: auto, 1024 windows above 2 Mpx)",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help=f"refuse images with more pixels, from the file header before decoding "
        f"(default: {DEFAULT_MAX_PIXELS:,})",
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
        "--size-buckets",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="pad each frame up to one of a few sizes so a compiled model reuses a few graphs "
        "(default: with --compile; on SIRST's mixed sizes it moved IoU by up to 0.008). "
        "--no-size-buckets pads to a multiple of 16 only, as gglnet evaluate does, and "
        "compiles once per frame size",
    )
    parser.add_argument(
        "--pad-mode",
        choices=PAD_MODES,
        help="pad frames to a multiple of 16 this way (default: the weights' own, their "
        "config.json's pad_mode)",
    )
    parser.add_argument(
        "--prob-bits", type=int, choices=(8, 16), default=16, help="probability PNG depth (16)"
    )
    parser.add_argument("--recursive", action="store_true", help="search folders recursively")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    existing.add_argument(
        "--skip-existing",
        action="store_true",
        help="keep images whose outputs exist (resume an interrupted run); predict the rest",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_predict)


def _predict(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise NotADirectoryError(f"--out {args.out} is a file; give a folder for the outputs")
    files = _find_images(args.inputs, args.recursive)
    done = _check_outputs(files, args.out, args.overwrite, args.skip_existing)
    onnx_file = args.backend == "onnxruntime" and str(args.model).endswith(".onnx")
    predictor = Predictor(
        args.model if onnx_file else load_model(args.model, arch=args.arch),
        device=args.device,
        precision=args.precision,
        tile=args.tile,
        tile_overlap=args.tile_overlap,
        batch_size=args.batch_size,
        compile="auto" if args.compile is None else args.compile,
        size_buckets=_size_buckets(args.size_buckets),
        threshold=args.threshold,
        backend=args.backend,
        pad_mode=args.pad_mode,
    )
    for name in OUTPUT_DIRS:
        (args.out / name).mkdir(parents=True, exist_ok=True)
    records = _earlier_records(args.out, done)
    failures: list[dict[str, str]] = []
    todo = [path for path in files if path not in done]
    with tqdm(total=len(todo), desc="predict", unit="img", disable=args.quiet) as bar:
        for chunk in _chunks(todo, args.batch_size):
            for path, result in _predict_chunk(predictor, chunk, args):
                if isinstance(result, dict):
                    records[str(path)] = result
                else:
                    tqdm.write(f"gglnet predict: error: {path}: {result}", file=sys.stderr)
                    failures.append({"file": str(path), "error": result})
            bar.update(len(chunk))
    summary = {
        "model": str(args.model),
        "threshold": args.threshold,
        "precision": predictor.precision,
        "backend": args.backend,
        "tile": args.tile,
        "images": [records[str(path)] for path in files if str(path) in records],
        "failures": failures,
    }
    _write_json(args.out / "detections.json", summary)
    targets = sum(len(r["targets"]) for r in summary["images"])
    kept = f", {len(done)} kept from before" if done else ""
    print(f"{len(summary['images'])} image(s){kept}, {targets} target(s) -> {args.out}")
    if not args.quiet:
        print(f"{predictor.model!r}; batches: {predictor.latency}")
    if failures:
        print(
            f"gglnet predict: error: {len(failures)} of {len(files)} image(s) failed "
            f"(listed in {args.out / 'detections.json'})",
            file=sys.stderr,
        )
        return 1
    return 0


def _predict_chunk(
    predictor: Predictor, chunk: list[Path], args: argparse.Namespace
) -> Iterator[tuple[Path, dict[str, Any] | str]]:
    """Each path with its record, or with the reason it failed; a failure stays one frame's."""
    images: list[tuple[Path, np.ndarray]] = []
    for path in chunk:
        try:
            images.append((path, read_image(path, max_pixels=args.max_pixels)))
        except (OSError, ValueError, MemoryError, cv2.error) as error:
            yield path, _reason(error)
    try:
        probs = predictor([image for _, image in images]) if images else []
        results = list(zip(images, probs, strict=True))
    except (RuntimeError, MemoryError, ValueError):
        # one frame of the batch failed (out of memory, bad values): the others still run
        results = []
        for path, image in images:
            try:
                results.append(((path, image), predictor(image)))
            except (RuntimeError, MemoryError, ValueError) as error:
                yield path, _reason(error)
    for (path, image), prob in results:
        try:
            yield path, _write_outputs(predictor, path, image, prob, args)
        except (OSError, cv2.error) as error:
            yield path, _reason(error)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, (MemoryError, torch.cuda.OutOfMemoryError)) or "alloc" in text:
        text = f"out of memory ({text[:200]}); try a smaller --tile or --batch-size"
    return text


def _earlier_records(out: Path, keep: set[Path]) -> dict[str, dict[str, Any]]:
    """The detections.json records of the images kept by --skip-existing."""
    if not keep:
        return {}
    path = out / "detections.json"
    try:
        earlier = json.loads(path.read_text(encoding="utf-8")).get("images", [])
    except (OSError, ValueError, AttributeError):
        earlier = []
    wanted = {str(p) for p in keep}
    return {r["file"]: r for r in earlier if isinstance(r, dict) and r.get("file") in wanted}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _size_buckets(flag: bool | None) -> tuple[int, ...] | str | None:
    """Predictor's ``size_buckets`` for --size-buckets / --no-size-buckets / neither."""
    if flag is None:
        return "auto"
    return DEFAULT_SIZE_BUCKETS if flag else None


def _tile(text: str) -> int | str | None:
    if text.lower() in ("auto", "none"):
        return None if text.lower() == "none" else "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a size, 'auto' or 'none', got {text!r}"
        ) from None


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


def _check_outputs(files: list[Path], out: Path, overwrite: bool, skip_existing: bool) -> set[Path]:
    """The images whose outputs all exist (kept with --skip-existing); refuse to overwrite."""
    if overwrite:
        return set()
    done = {p for p in files if all((out / n / f"{p.stem}.png").exists() for n in OUTPUT_DIRS)}
    if skip_existing:
        return done
    candidates = [out / "detections.json"]
    candidates += [out / name / f"{path.stem}.png" for path in files for name in OUTPUT_DIRS]
    existing = [path for path in candidates if path.exists()]
    if existing:
        raise FileExistsError(
            f"{len(existing)} output file(s) exist already, e.g. {existing[0]}; pass "
            "--skip-existing to keep them and predict the rest, --overwrite to replace them, "
            "or choose another --out"
        )
    return set()


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
