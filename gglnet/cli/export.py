"""``gglnet export``: a model as an ONNX file (dynamic batch, height and width), checked."""

from __future__ import annotations

import argparse
from pathlib import Path

from gglnet.inference.export import DEFAULT_CHECK_SHAPES, MIN_OPSET, export_onnx
from gglnet.models import load_model

FORMATS: tuple[str, ...] = ("onnx",)

EPILOG = f"""\
examples:
  gglnet export gglnet.synthetic --format onnx --out gglnet.onnx
  gglnet export runs/sirst/best --format onnx --out sirst.onnx --overwrite
  gglnet export weights.safetensors --arch gglnet --format onnx --out model.onnx

The file takes "image" (batch, 3, H, W) float32 in [0, 1], H and W any multiples of 16, and
returns "logits" (batch, 1, H, W); the gradient image is computed inside the graph, and the
model's config is stored in the metadata. Before the file is written, ONNX Runtime's
probabilities are compared with PyTorch's at {len(DEFAULT_CHECK_SHAPES)} input shapes
(batch x H x W: {", ".join("x".join(map(str, s)) for s in DEFAULT_CHECK_SHAPES)}); a
difference above 1e-4 is an error. Needs the onnx extra: pip install "gglnet[onnx]". Run the
file with gglnet.Predictor("model.onnx", backend="onnxruntime").
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet export``."""
    parser = subparsers.add_parser(
        "export",
        help="export a model to ONNX (dynamic batch and size), checked against PyTorch",
        description="Export a model to an ONNX file with dynamic batch, height and width, and "
        "check ONNX Runtime's output against PyTorch's at two input sizes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        help="a published name, a save_pretrained folder, or a weight file (see --arch)",
    )
    parser.add_argument(
        "--arch", default="gglnet", help="architecture of a bare weight file (default: gglnet)"
    )
    parser.add_argument("--format", choices=FORMATS, default="onnx", help="(default: onnx)")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="file to write")
    parser.add_argument(
        "--opset", type=int, default=MIN_OPSET, help=f"ONNX opset, >= {MIN_OPSET} (default)"
    )
    parser.add_argument(
        "--atol", type=float, default=1e-4, help="largest accepted probability difference"
    )
    parser.add_argument(
        "--no-check", action="store_true", help="skip the ONNX Runtime check (no onnxruntime)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    parser.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.overwrite:
        raise FileExistsError(f"{args.out} exists (pass --overwrite to replace it)")
    model = load_model(args.model, arch=args.arch)
    result = export_onnx(
        model,
        args.out,
        opset=args.opset,
        check_shapes=None if args.no_check else DEFAULT_CHECK_SHAPES,
        atol=args.atol,
        overwrite=args.overwrite,
    )
    divisor = result.size_divisor
    print(
        f"wrote {result.path}: ONNX opset {result.opset}, image (batch, "
        f"{model.config.in_chans}, H, W) with H and W multiples of {divisor} -> logits"
    )
    if result.max_prob_diff:
        checks = ", ".join(
            f"{diff:.1e} at {'x'.join(map(str, shape))}"
            for shape, diff in result.max_prob_diff.items()
        )
        print(f"ONNX Runtime vs PyTorch, largest probability difference: {checks}")
    return 0
