"""Run state on disk: the resumable checkpoint, exported models and JSON files, all atomic.

Every file is written to a temporary name beside its target and moved into place with
``os.replace``, so an interruption leaves either the old file or the new one, never half of
one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from gglnet.hub.cards import model_card
from gglnet.models import GGLNet
from gglnet.models.folders import CARD_NAME

__all__ = [
    "export_model",
    "get_rng_state",
    "json_safe",
    "load_checkpoint",
    "save_checkpoint",
    "set_rng_state",
    "write_json",
]


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` with ``torch.save``, atomically.

    Args:
        path: the checkpoint file.
        state: tensors and plain Python values only, so that :func:`load_checkpoint` can
            read it with ``weights_only=True``.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``, on CPU).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable checkpoint (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(f"cannot read checkpoint {path}: {error}") from error


def get_rng_state() -> dict[str, Any]:
    """The global torch generators' states (CPU and every CUDA device) as tensors."""
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    return {"cpu": torch.get_rng_state(), "cuda": list(cuda)}


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned (CUDA states only where devices exist)."""
    torch.set_rng_state(state["cpu"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"][: torch.cuda.device_count()])


def export_model(model: GGLNet, directory: str | Path) -> Path:
    """Save ``model.save_pretrained(directory)`` (Hub layout) with gglnet's model card,
    replacing ``directory`` whole.

    Args:
        model: a :class:`gglnet.GGLNet`.
        directory: the folder; a previous export there is replaced only once the new one is
            complete.

    Returns:
        ``directory``.
    """
    directory = Path(directory)
    tmp = directory.with_name(directory.name + ".tmp")
    old = directory.with_name(directory.name + ".old")
    for leftover in (tmp, old):
        shutil.rmtree(leftover, ignore_errors=True)
    model.save_pretrained(tmp)
    model_card(directory.name, model.config).save(tmp / CARD_NAME)
    if directory.exists():
        os.replace(directory, old)
    os.replace(tmp, directory)
    shutil.rmtree(old, ignore_errors=True)
    return directory


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (NaN becomes ``null``)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(json_safe(data), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
