"""Reading weight files (authors' ``.pth.tar`` pickles, safetensors) into a model."""

from __future__ import annotations

import pickle
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
                raise ValueError(
                    f"cannot read checkpoint {path}: corrupt, or not a PyTorch file"
                ) from error
            raise ValueError(
                f"{path} holds Python objects besides tensors; gglnet reads only plain-tensor "
                "checkpoints (torch.load(weights_only=True)) and never runs code from a "
                "weights file. Save its state_dict (or safetensors) from trusted code instead."
            ) from error
        except Exception as error:  # untrusted bytes: any decoding error is a damaged file
            # (EOFError, BadZipFile, struct.error, IndexError, KeyError, RuntimeError, ...);
            # torch's own text ("[Errno 22]", miniz internals) does not help the user
            raise ValueError(
                f"cannot read checkpoint {path}: corrupt or truncated (re-download or re-save it)"
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
    """Load ``state_dict`` into ``model`` strictly, after checking every tensor.

    Every tensor of the model must be present with its shape, floating tensors in the model's
    own dtype and finite, integer buffers (BatchNorm's step count) integer; nothing extra.
    Nothing is loaded unless all of them pass.

    Args:
        model: the model to fill.
        state_dict: tensors by gglnet key name.
        source: the origin (file, folder or name), named in errors.

    Raises:
        ValueError: tensors are missing, unexpected, of the wrong shape or dtype, or hold NaN
            or infinity (all named).
    """
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    mismatched, wrong_dtype, not_finite = [], [], []
    for key, target in own.items():
        tensor = state_dict.get(key)
        if tensor is None:
            continue
        if not isinstance(tensor, torch.Tensor):
            wrong_dtype.append(f"{key}: {type(tensor).__name__}, not a tensor")
        elif tensor.shape != target.shape:
            mismatched.append(f"{key}: file {tuple(tensor.shape)} vs model {tuple(target.shape)}")
        elif not _dtype_fits(tensor, target):
            wrong_dtype.append(f"{key}: file {tensor.dtype} vs model {target.dtype}")
        elif tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            not_finite.append(key)
    problems = []
    for label, keys in (
        ("missing", missing),
        ("unexpected", unexpected),
        ("shape", mismatched),
        ("dtype", wrong_dtype),
        ("NaN or infinite values", not_finite),
    ):
        if keys:
            shown = ", ".join(keys[:8]) + (f", ... ({len(keys)} in all)" if len(keys) > 8 else "")
            problems.append(f"{label}: {shown}")
    if problems:
        hint = (
            " Is it the right variant?"
            if missing or unexpected or mismatched
            else " The file is damaged or was not saved from a trained gglnet model."
        )
        raise ValueError(
            f"weights from {source} do not fit this model (" + "; ".join(problems) + ")." + hint
        )
    model.load_state_dict(state_dict, strict=True)


def _dtype_fits(tensor: torch.Tensor, target: torch.Tensor) -> bool:
    """Floating tensors in the model's own dtype; integer buffers integer (not bool/float)."""
    if target.is_floating_point():
        return tensor.dtype == target.dtype
    return not (tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool)
