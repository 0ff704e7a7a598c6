"""``gglnet train``: train a GGL-Net variant by the paper's recipe (``gglnet.training.fit``)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import re
import signal
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gglnet.training import TrainConfig, fit
from gglnet.training.interrupts import signal_handlers

EPILOG = """\
examples:
  # the paper's SIRST model: 512x512, Adam 1e-4, batch 4, 500 epochs, AMP on CUDA
  gglnet train --data /data/sirst --split idx_320 --out runs/sirst
  # NUDT-SIRST 1:1 and our 7:3 split, at 256x256
  gglnet train --data /data/nudt-sirst --split idx_50_50 --size 256 --out runs/nudt_50_50
  gglnet train --data /data/nudt-sirst --split nudt-sirst_70_30 --size 256 --out runs/nudt_70_30
  # in chunks of at most 9 minutes: run the same line until it prints "finished"
  gglnet train --data /data/sirst --split idx_320 --out runs/sirst --time-budget 9 --resume
  # the CPU recipe: native-scale 256x256 crops (half centred on targets), cosine schedule
  # with warm-up, EMA of the weights; bf16 on CPUs with native bf16 (precision auto)
  gglnet train --data /data/sirst --split idx_320/train --val-split idx_320/val \\
      --test-split idx_320/test --size none --crop 256 --batch-size 8 --lr 5e-4 \\
      --schedule cosine --warmup-epochs 2 --min-lr 1e-5 --ema-decay 0.996 \\
      --channels-last --epochs 200 --eval-interval 2 --out runs/sirst_b
  # a smoke run on synthetic scenes, on CPU, with a small model
  gglnet train --data synthetic --size 64 --epochs 5 --synthetic-scenes 64 \\
      --model-option widths=[8,16,32] --out runs/smoke

--split names a split file ("idx_320/trainval"), a folder of splits ("idx_320": trains on
its trainval.txt or train.txt, tests on its test.txt), or a list shipped with gglnet
("nudt-sirst_70_30"). Validation is carved from the training list (--val-fraction, seeded)
and picks the best epoch; the test split is evaluated once at the end. The run directory
holds train_config.json, log.jsonl, checkpoint.pt, best/, last/ and summary.json (see
docs/training.md). SIGTERM (`kill PID`, the way to stop a run in the background) stops it as
Ctrl-C does: the running epoch is discarded, last/ is exported from the checkpoint. Exit
status: 0 when finished or stopped by the time budget, 130 after Ctrl-C or SIGTERM, 1 on
errors. Every option is a TrainConfig field (docs/training.md); an option that
takes a value may be given "none" for None where its default allows it (--size none: native
size).
"""


GROUPS: dict[str, tuple[str, ...]] = {
    "run": ("out_dir", "resume", "overwrite", "time_budget", "quiet"),
    "model": ("model", "model_options", "init_from"),
    "data": (
        "data",
        "split",
        "test_split",
        "val_split",
        "val_fraction",
        "size",
        "eval_size",
        "crop",
        "crop_target_fraction",
        "scale_min",
        "scale_max",
        "edge_pad",
        "augment",
        "synthetic_scenes",
    ),
    "system": ("device", "workers", "precision", "channels_last", "compile"),
}
"""Help sections of ``gglnet train``; a TrainConfig field not listed here goes to "recipe"."""

_FLAGS = {"out_dir": "--out", "model_options": "--model-option"}
_METAVARS = {
    "eval_size": "{train,none,N}",
    "model": "NAME_OR_JSON",
    "time_budget": "MINUTES",
    "eval_interval": "EPOCHS",
}
_REQUIRED = ("out_dir", "data")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet train``: one option per :class:`TrainConfig` field, its help text
    taken from the field's description in ``TrainConfig``'s docstring."""
    parser = subparsers.add_parser(
        "train",
        help="train a model (the paper's recipe by default)",
        description="Train a GGL-Net variant with softIoU and Adam, validating every epoch, "
        "checkpointing every epoch, and exporting the best and last epochs in the Hub "
        "layout (config.json + model.safetensors).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    docs = field_docs(TrainConfig)
    hints = typing.get_type_hints(TrainConfig)
    groups = {name: parser.add_argument_group(name) for name in (*GROUPS, "recipe")}
    for field in dataclasses.fields(TrainConfig):
        group = next((g for g, names in GROUPS.items() if field.name in names), "recipe")
        _add_option(groups[group], field, hints[field.name], docs.get(field.name, ""))
    parser.set_defaults(func=_train)


def field_docs(cls: type) -> dict[str, str]:
    """``{attribute: description}`` from the ``Attributes:`` section of a class docstring."""
    docs: dict[str, str] = {}
    lines = inspect.getdoc(cls).splitlines()
    try:
        start = lines.index("Attributes:") + 1
    except ValueError:
        return docs
    name = None
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break
        match = re.match(r"^ {4}(\w+): (.*)$", line)
        if match:
            name = match.group(1)
            docs[name] = match.group(2)
        elif name and line.strip():
            docs[name] += " " + line.strip()
    # Plain text for the terminal: ``code`` and :role:`~target` lose their markup.
    return {
        key: re.sub(r":\w+:`~?([^`]+)`", r"\1", text).replace("``", "")
        for key, text in docs.items()
    }


def _add_option(
    group: argparse._ArgumentGroup, field: dataclasses.Field, hint: Any, doc: str
) -> None:
    flag = _FLAGS.get(field.name, "--" + field.name.replace("_", "-"))
    default = field.default if field.default is not dataclasses.MISSING else None
    if field.name in _REQUIRED:
        group.add_argument(flag, dest=field.name, required=True, help=doc)
        return
    if field.name == "model_options":
        group.add_argument(
            flag,
            dest=field.name,
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=doc + " One GGLNetConfig option a flag; VALUE is JSON or a bare string "
            "(e.g. widths=[8,16,32], fusion=add); repeatable.",
        )
        return
    if hint is bool:
        action = argparse.BooleanOptionalAction if default else "store_true"
        group.add_argument(flag, dest=field.name, action=action, default=default, help=doc)
        return
    kind, words, optional = _scalar_type(hint)
    choices = typing.get_args(kind) if typing.get_origin(kind) is typing.Literal else None
    suffix = " (none: None)" if optional and default is not None else ""
    group.add_argument(
        flag,
        dest=field.name,
        type=_parser(str if choices else kind, optional, words),
        choices=choices,
        default=default,
        metavar=_METAVARS.get(field.name),
        help=f"{doc} (default: {'none' if default is None else default}){suffix}",
    )


def _scalar_type(hint: Any) -> tuple[Any, tuple[str, ...], bool]:
    """``(type, literal words, accepts None)`` of a field's annotation: ``int | None`` gives
    ``(int, (), True)``, ``int | Literal["train"] | None`` gives ``(int, ("train",), True)``."""
    args = typing.get_args(hint) if typing.get_origin(hint) is not typing.Literal else ()
    if not args:
        return hint, (), False
    rest = [arg for arg in args if arg is not type(None)]
    words = tuple(
        word
        for arg in rest
        if typing.get_origin(arg) is typing.Literal
        for word in typing.get_args(arg)
    )
    kinds = [arg for arg in rest if typing.get_origin(arg) is not typing.Literal]
    kind = kinds[0] if kinds else typing.Literal[words]
    return kind, (words if kinds else ()), type(None) in args


def _parser(kind: Any, optional: bool, words: tuple[str, ...] = ()) -> Any:
    def parse(text: str) -> Any:
        if optional and text.lower() in ("none", "native"):
            return None
        if text in words:
            return text
        try:
            return kind(text)
        except ValueError:
            expected = " or ".join(
                [kind.__name__, *map(repr, words), *(["none"] if optional else [])]
            )
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None

    parse.__name__ = kind.__name__
    return parse


def _train(args: argparse.Namespace) -> int:
    model, options = _model(args.model, args.model_options)
    values = {field.name: getattr(args, field.name) for field in dataclasses.fields(TrainConfig)}
    config = TrainConfig(**(values | {"model": model, "model_options": options}))
    with _terminate_as_interrupt():
        result = fit(config)
    return 130 if result.status == "interrupted" else 0


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Let SIGTERM end the run as Ctrl-C does (checkpoint kept, ``last/`` exported).

    A run started in the background (``&``, ``nohup``) ignores SIGINT, so ``kill PID``
    (SIGTERM) is how it is stopped; without this it would die without exporting ``last/``.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    with signal_handlers(interrupt, [signal.SIGTERM]):
        yield


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
