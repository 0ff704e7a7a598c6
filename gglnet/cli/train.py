"""``gglnet train``: train a GGL-Net variant by the paper's recipe (``gglnet.training.fit``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gglnet.training import TrainConfig, fit

EPILOG = """\
examples:
  # the paper's SIRST model: 512x512, Adam 1e-4, batch 4, 500 epochs, AMP on CUDA
  gglnet train --data /data/sirst --split idx_320 --out runs/sirst
  # NUDT-SIRST 1:1 and our 7:3 split, at 256x256
  gglnet train --data /data/nudt-sirst --split idx_50_50 --size 256 --out runs/nudt_50_50
  gglnet train --data /data/nudt-sirst --split nudt-sirst_70_30 --size 256 --out runs/nudt_70_30
  # in chunks of at most 9 minutes: run the same line until it prints "finished"
  gglnet train --data /data/sirst --split idx_320 --out runs/sirst --time-budget 9 --resume
  # a smoke run on synthetic scenes, on CPU, with a small model
  gglnet train --data synthetic --size 64 --epochs 5 --synthetic-scenes 64 \\
      --model-option widths=[8,16,32] --out runs/smoke

--split names a split file ("idx_320/trainval"), a folder of splits ("idx_320": trains on
its trainval.txt or train.txt, tests on its test.txt), or a list shipped with gglnet
("nudt-sirst_70_30"). Validation is carved from the training list (--val-fraction, seeded)
and picks the best epoch; the test split is evaluated once at the end. The run directory
holds train_config.json, log.jsonl, checkpoint.pt, best/, last/ and summary.json (see
docs/training.md). Exit status: 0 when finished or stopped by the time budget, 130 after
Ctrl-C, 1 on errors.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet train``."""
    defaults = TrainConfig(out_dir="")
    parser = subparsers.add_parser(
        "train",
        help="train a model (the paper's recipe by default)",
        description="Train a GGL-Net variant with softIoU and Adam, validating every epoch, "
        "checkpointing every epoch, and exporting the best and last epochs in the Hub "
        "layout (config.json + model.safetensors).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run = parser.add_argument_group("run")
    run.add_argument("--out", required=True, type=Path, help="the run directory")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its checkpoint (starts it if it has none)",
    )
    run.add_argument(
        "--overwrite", action="store_true", help="delete the run files in --out and start again"
    )
    run.add_argument(
        "--time-budget",
        type=float,
        metavar="MINUTES",
        help="stop cleanly at the last epoch boundary that fits in this many minutes",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bars or messages")

    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        default=defaults.model,
        metavar="NAME_OR_JSON",
        help="a registered name (see gglnet.list_models()) or a config.json "
        f"of model options (default: {defaults.model})",
    )
    model.add_argument(
        "--model-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one GGLNetConfig option; VALUE is JSON or a bare string "
        "(e.g. widths=[8,16,32], fusion=add); repeatable",
    )

    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        required=True,
        help='a dataset folder (SIRST, NUDT-SIRST, IRSTD-1k layouts) or "synthetic"',
    )
    data.add_argument("--split", help="training split, or a folder of splits (see below)")
    data.add_argument("--test-split", help="test split (default: the folder's test.txt)")
    data.add_argument("--val-split", help="a separate validation split instead of a carve")
    data.add_argument(
        "--val-fraction",
        type=float,
        default=defaults.val_fraction,
        help="share of the training list held out for validation "
        f"(default: {defaults.val_fraction})",
    )
    data.add_argument(
        "--size",
        type=int,
        default=defaults.size,
        help=f"train and validate at SIZE x SIZE (default: {defaults.size}; NUDT-SIRST: 256)",
    )
    data.add_argument(
        "--no-augment", action="store_true", help="switch off the recipe's augmentation"
    )
    data.add_argument(
        "--synthetic-scenes",
        type=int,
        default=defaults.synthetic_scenes,
        help=f"training scenes with --data synthetic (default: {defaults.synthetic_scenes})",
    )

    recipe = parser.add_argument_group("recipe")
    recipe.add_argument("--epochs", type=int, default=defaults.epochs, help="(default: 500)")
    recipe.add_argument("--batch-size", type=int, default=defaults.batch_size, help="(default: 4)")
    recipe.add_argument("--lr", type=float, default=defaults.lr, help="Adam lr (default: 1e-4)")
    recipe.add_argument("--seed", type=int, default=defaults.seed, help="(default: 0)")
    recipe.add_argument(
        "--amp",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="float16 mixed precision (default: on with CUDA)",
    )
    recipe.add_argument(
        "--eval-interval",
        type=int,
        default=defaults.eval_interval,
        metavar="EPOCHS",
        help="validate every this many epochs, and after the last (default: 1)",
    )

    system = parser.add_argument_group("system")
    system.add_argument("--device", help="cuda, cuda:1, cpu... (default: CUDA if available)")
    system.add_argument(
        "--workers", type=int, help="data loading processes (default: half the cores, <= 8)"
    )
    parser.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    try:
        model, options = _model(args.model, args.model_option)
        config = TrainConfig(
            out_dir=str(args.out),
            model=model,
            model_options=options,
            data=args.data,
            split=args.split,
            test_split=args.test_split,
            val_split=args.val_split,
            val_fraction=args.val_fraction,
            size=args.size,
            augment=not args.no_augment,
            synthetic_scenes=args.synthetic_scenes,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            seed=args.seed,
            amp=args.amp,
            device=args.device,
            workers=args.workers,
            time_budget=args.time_budget,
            eval_interval=args.eval_interval,
            resume=args.resume,
            overwrite=args.overwrite,
            quiet=args.quiet,
        )
        result = fit(config)
    except (OSError, ValueError, TypeError, FloatingPointError) as error:
        print(f"gglnet train: error: {error}", file=sys.stderr)
        return 1
    return 130 if result.status == "interrupted" else 0


def _model(name_or_json: str, options: list[str]) -> tuple[str, dict[str, Any]]:
    """The registered name and option overrides from --model and --model-option."""
    name, overrides = name_or_json, {}
    if name_or_json.endswith(".json"):
        path = Path(name_or_json)
        if not path.is_file():
            raise FileNotFoundError(f"model config not found: {path}")
        name, overrides = "gglnet", json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(overrides, dict):
            raise ValueError(f"{path} must hold a JSON object of GGLNetConfig options")
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key:
            raise ValueError(f"--model-option expects KEY=VALUE, got {option!r}")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return name, overrides
