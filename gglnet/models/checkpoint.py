"""Reading weight files (authors' ``.pth.tar`` pickles, safetensors) into a model."""

from __future__ import annotations

import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from gglnet.models.official import convert_official_state_dict, is_official_state_dict

__all__ = ["load_state_dict_file", "load_weights"]


def load_state_dict_file(path: str | Path) -> dict[str, torch.Tensor]:
    """Read the tensors of a weight file on CPU, in gglnet's key names.

    Accepts ``.safetensors`` files and PyTorch pickles (``.pth``, ``.pth.tar``, ``.pt``) holding
    either a raw state_dict or ``{"state_dict": ...}`` (other entries are ignored). Pickles are
    read with ``torch.load(weights_only=True)`` only. A ``module.`` prefix is stripped and the
    authors' key names are converted (:func:`convert_official_state_dict`).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is corrupt, unreadable, or holds no state_dict.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weight file not found: {path}")
    if path.suffix == ".safetensors":
        try:
            state_dict: object = load_file(path)
        except (SafetensorError, OSError) as error:
            raise ValueError(f"cannot read safetensors file {path}: {error}") from error
    else:
        try:
            state_dict = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as error:
            if "global" not in str(error).lower():
                raise ValueError(f"cannot read checkpoint {path} (corrupt?): {error}") from error
            raise ValueError(
                f"{path} is not a plain-tensor checkpoint (refusing to unpickle arbitrary "
                f"objects; weights_only=True): {error}"
            ) from error
        except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as error:
            raise ValueError(
                f"cannot read checkpoint {path} (corrupt or truncated?): {error}"
            ) from error
    if isinstance(state_dict, Mapping) and isinstance(state_dict.get("state_dict"), Mapping):
        state_dict = state_dict["state_dict"]
    if not isinstance(state_dict, Mapping) or not all(
        isinstance(v, torch.Tensor) for v in state_dict.values()
    ):
        raise ValueError(
            f"{path} holds no state_dict: expected a mapping of names to tensors, "
            f"or {{'state_dict': ...}}, got {type(state_dict).__name__}"
        )
    if is_official_state_dict(state_dict):
        return convert_official_state_dict(state_dict)
    return {key.removeprefix("module."): tensor for key, tensor in state_dict.items()}


def load_weights(model: nn.Module, state_dict: Mapping[str, torch.Tensor], source: str) -> None:
    """Load ``state_dict`` into ``model`` strictly; ``source`` names the origin in errors.

    Raises:
        ValueError: tensors are missing, unexpected, or of the wrong shape (all named).
    """
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    mismatched = [
        f"{k}: file {tuple(state_dict[k].shape)} vs model {tuple(own[k].shape)}"
        for k in own
        if k in state_dict and state_dict[k].shape != own[k].shape
    ]
    problems = []
    for label, keys in (("missing", missing), ("unexpected", unexpected), ("shape", mismatched)):
        if keys:
            shown = ", ".join(keys[:8]) + (f", ... ({len(keys)} in all)" if len(keys) > 8 else "")
            problems.append(f"{label}: {shown}")
    if problems:
        raise ValueError(
            f"weights from {source} do not fit this model ("
            + "; ".join(problems)
            + "). Is it the right variant?"
        )
    model.load_state_dict(state_dict, strict=True)
