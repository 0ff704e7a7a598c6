"""Model cards: ``README.md`` with YAML metadata and a model-index built from evaluation JSON.

The card of a weight folder is generated, never edited by hand: ``gglnet hub card`` rebuilds it
from ``config.json`` and the JSON written by ``gglnet evaluate --json``, so the numbers in the
card are the measured ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from gglnet.models.config import GGLNetConfig
from gglnet.models.folders import read_json_object

__all__ = ["CARD_TAGS", "Evaluation", "model_card", "read_evaluation"]

CARD_TAGS = (
    "gglnet",
    "infrared-small-target-detection",
    "image-segmentation",
    "pytorch",
    "safetensors",
)
_TASK = {"task_type": "image-segmentation", "task_name": "Infrared small target detection"}
# (JSON key, model-index name, how the results table prints it)
_METRICS = (
    ("iou", "IoU", "{:.4f}"),
    ("niou", "nIoU", "{:.4f}"),
    ("pd", "Pd", "{:.4f}"),
    ("fa", "Fa", "{:.3g}"),
)


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of a checkpoint, as read from ``gglnet evaluate --json`` output.

    Attributes:
        label: what was evaluated (``"best"``, ``"last"``...): the JSON's ``label``, else the
            file name without extension.
        dataset: dataset name (the JSON's ``dataset``, else the last part of its ``data`` path).
        split: the split evaluated (``"idx_320/test"``).
        metrics: ``iou``, ``niou``, ``pd``, ``fa`` and any other number in the JSON whose key
            starts with ``auc``.
        size: ``(H, W)`` the images were resized to, if recorded.
        n_images: number of images, if recorded.
        threshold: probability threshold, if recorded.
        pad_mode: how native-size images were padded to a multiple of 16, if recorded.
        trim: rows and columns cut off each image before evaluation (``gglnet evaluate
            --trim``; 0 when not recorded).
        source: the JSON file.
    """

    label: str
    dataset: str
    split: str
    metrics: dict[str, float]
    size: tuple[int, int] | None = None
    n_images: int | None = None
    threshold: float | None = None
    pad_mode: str | None = None
    trim: int = 0
    source: str = field(default="", compare=False)


def read_evaluation(path: str | Path) -> Evaluation:
    """Read an evaluation JSON file (``gglnet evaluate --json``).

    Required keys: ``iou``, ``niou``, ``pd``, ``fa`` (numbers, or ``null`` where undefined, e.g.
    Pd without targets), ``split``, and ``dataset`` or ``data``. Optional: ``label``, ``size``
    (``[H, W]``, one number, or ``null`` for native size), ``n_images``, ``threshold``, ``auc*``
    numbers, ``pad_mode``, ``trim``. Undefined metrics are left out of the model-index.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not JSON, or a required key is missing or not a number (file named).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"evaluation file not found: {path}")
    data = read_json_object(path)
    missing = [key for key, _, _ in _METRICS if key not in data]
    if "split" not in data:
        missing.append("split")
    if "dataset" not in data and "data" not in data:
        missing.append("dataset (or data)")
    if missing:
        raise ValueError(f"{path} lacks {missing}; expected the JSON of `gglnet evaluate --json`")
    keys = [key for key, _, _ in _METRICS] + sorted(k for k in data if k.startswith("auc"))
    metrics = {key: data[key] for key in keys}
    bad = {
        k: v
        for k, v in metrics.items()
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)))
    }
    if bad:
        raise ValueError(f"{path}: metrics must be numbers, got {bad}")
    size = data.get("size")
    if size is not None:
        size = (int(size), int(size)) if isinstance(size, (int, float)) else tuple(map(int, size))
    return Evaluation(
        label=str(data.get("label") or path.stem),
        dataset=str(data.get("dataset") or Path(str(data["data"])).name),
        split=str(data["split"]),
        metrics={k: math.nan if v is None else float(v) for k, v in metrics.items()},
        size=size,
        n_images=data.get("n_images"),
        threshold=data.get("threshold"),
        pad_mode=None if data.get("pad_mode") is None else str(data["pad_mode"]),
        trim=int(data.get("trim") or 0),
        source=str(path),
    )


def model_card(
    name: str,
    config: GGLNetConfig,
    evaluations: Sequence[Evaluation] = (),
    *,
    repo_id: str | None = None,
    registered: bool = False,
    train_command: str | None = None,
    eval_command: str | None = None,
    hardware: str | None = None,
    training_time: str | None = None,
    notes: str | None = None,
    license: str = "apache-2.0",
) -> ModelCard:
    """Build the model card of a weight folder.

    Args:
        name: the weights' gglnet name (``gglnet.sirst``).
        config: the architecture (``config.json``), listed in the card.
        evaluations: measured results; each becomes a row of the results table and metrics
            of the YAML model-index.
        repo_id: the Hub repository (``ORG/NAME``), for the loading instructions.
        registered: ``name`` is registered with ``pretrained_cfg`` in gglnet, so
            ``gglnet.create_model(name, pretrained=True)`` and timm load it.
        train_command, eval_command: the exact commands that produced the weights and the
            numbers.
        hardware, training_time: where and how long it trained.
        notes: data, split and selection notes (free Markdown).
        license: SPDX identifier.

    Returns:
        A :class:`huggingface_hub.ModelCard`; ``.save(folder / "README.md")`` writes it.

    Raises:
        ValueError: an evaluation of trimmed images (``--trim``), or one padded otherwise than
            ``config.pad_mode``: a card reports what users of the weights get.
    """
    for evaluation in evaluations:
        if evaluation.trim:
            raise ValueError(
                f"{evaluation.source or evaluation.label}: evaluated with trim="
                f"{evaluation.trim}; a card reports whole images (evaluate without --trim)"
            )
        if evaluation.pad_mode is not None and evaluation.pad_mode != config.pad_mode:
            raise ValueError(
                f"{evaluation.source or evaluation.label}: padded with {evaluation.pad_mode!r}, "
                f"but these weights pad with {config.pad_mode!r} (config.json); evaluate "
                "without --pad-mode"
            )
    datasets = sorted({evaluation.dataset for evaluation in evaluations})
    data = ModelCardData(
        license=license,
        library_name="gglnet",
        pipeline_tag="image-segmentation",
        tags=list(CARD_TAGS),
        datasets=datasets or None,
        model_name=name,
        eval_results=[result for evaluation in evaluations for result in _eval_results(evaluation)]
        or None,
    )
    sections = [
        f"# {name}\n\n"
        "GGL-Net (Gradient-Guided Learning Network; Zhao, Yu, Shi, Liu, Zhang, IEEE GRSL 2023) "
        "for single-frame infrared small target detection, implemented by the `gglnet` "
        "Python library. The model maps a `(B, 3, H, W)` image "
        "(pixels / 255, grey repeated to 3 channels, H and W multiples of "
        f"{config.size_divisor}) to target logits `(B, 1, H, W)`; "
        "`torch.sigmoid(logits) > 0.5` is the target mask.",
        _results_section(evaluations),
        _usage_section(name, repo_id, registered),
        "## Architecture\n\n`config.json` holds every option of `gglnet.GGLNetConfig`:\n\n"
        + _table(("option", "value"), [(k, f"`{v}`") for k, v in config.to_dict().items()]),
        _commands_section(train_command, eval_command, hardware, training_time),
        "## Data, splits and checkpoint selection\n\n"
        + (notes or "Not recorded: see the training command."),
        "## Limitations\n\n"
        "- Trained and measured on the data above only; infrared imagery from other sensors, "
        "resolutions or scenes may need fine-tuning.\n"
        "- Metrics are computed at the size listed in the results (resized, as in the paper, "
        "or each image at its native size): "
        "IoU and nIoU on pixels; Pd and Fa on 8-connected targets (a target is detected when "
        "a predicted component's centroid lies within 3 px of its own).\n"
        "- Single-frame detector: no temporal information is used.",
        "## Citation\n\n```bibtex\n@article{zhao2023gglnet,\n"
        "  title   = {Gradient-Guided Learning Network for Infrared Small Target Detection},\n"
        "  author  = {Zhao and Yu and Shi and Liu and Zhang},\n"
        "  journal = {IEEE Geoscience and Remote Sensing Letters},\n"
        "  year    = {2023}\n}\n```",
    ]
    content = f"---\n{data.to_yaml()}\n---\n\n" + "\n\n".join(s for s in sections if s) + "\n"
    return ModelCard(content)


def _eval_results(evaluation: Evaluation) -> list[EvalResult]:
    # huggingface_hub merges results by dataset and split, keeping the first result's dataset
    # args, so what differs between evaluations of one split (size, images, threshold) goes in
    # each metric's args and name.
    metric_args: dict[str, Any] = {}
    setting = evaluation.label
    if evaluation.size is not None:
        metric_args["input_size"] = list(evaluation.size)
        setting += f", {evaluation.size[0]}x{evaluation.size[1]}"
    if evaluation.n_images is not None:
        metric_args["n_images"] = evaluation.n_images
    if evaluation.threshold is not None:
        metric_args["threshold"] = evaluation.threshold
    names = {key: label for key, label, _ in _METRICS}
    return [
        EvalResult(
            **_TASK,
            dataset_type=evaluation.dataset,
            dataset_name=evaluation.dataset,
            dataset_split=evaluation.split,
            metric_type=key,
            metric_name=f"{names.get(key, key)} ({setting})",
            metric_config=evaluation.label,
            metric_args=metric_args or None,
            metric_value=value,
        )
        for key, value in evaluation.metrics.items()
        if math.isfinite(value)
    ]


def _results_section(evaluations: Sequence[Evaluation]) -> str:
    if not evaluations:
        return "## Results\n\nNot evaluated yet."
    rows = []
    for e in evaluations:
        size = f"{e.size[0]}x{e.size[1]}" if e.size else "native"
        threshold = "-" if e.threshold is None else f"{e.threshold:g}"
        values = [
            fmt.format(e.metrics[key]) if math.isfinite(e.metrics[key]) else "n/a"
            for key, _, fmt in _METRICS
        ]
        rows.append((e.label, e.dataset, e.split, size, str(e.n_images or "-"), threshold, *values))
    header = ("checkpoint", "dataset", "split", "size", "images", "threshold")
    header += tuple(name for _, name, _ in _METRICS)
    return (
        "## Results\n\nMeasured with `gglnet evaluate` (threshold on probabilities; Fa = "
        "false-alarm pixels / all pixels):\n\n" + _table(header, rows)
    )


def _usage_section(name: str, repo_id: str | None, registered: bool) -> str:
    lines = ["import gglnet", ""]
    if registered:
        lines += [f'model = gglnet.create_model("{name}", pretrained=True)  # checks sha256']
    if repo_id:
        lines += [f'model = gglnet.GGLNet.from_pretrained("{repo_id}")']
    lines += ['model = gglnet.GGLNet.from_pretrained("path/to/this/folder")']
    if registered:
        lines += ["", "import timm", f'model = timm.create_model("{name}", pretrained=True)']
    return (
        "## How to use\n\nWith the `gglnet` package installed:\n\n```python\n"
        + "\n".join(lines)
        + "\n```\n\nThe model returns logits; see the gglnet documentation (`docs/hub.md`) for "
        "offline use (`HF_HUB_OFFLINE=1`, `GGLNET_WEIGHTS_DIR`)."
    )


def _commands_section(
    train_command: str | None,
    eval_command: str | None,
    hardware: str | None,
    training_time: str | None,
) -> str:
    parts = ["## Training and evaluation"]
    for title, command in (("Training", train_command), ("Evaluation", eval_command)):
        parts.append(
            f"{title}:\n\n```bash\n{command}\n```" if command else f"{title}: not recorded."
        )
    facts = [(k, v) for k, v in (("Hardware", hardware), ("Training time", training_time)) if v]
    if facts:
        parts.append("\n".join(f"- {k}: {v}" for k, v in facts))
    return "\n\n".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
