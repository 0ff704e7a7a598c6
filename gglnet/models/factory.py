"""create_model: build a registered GGL-Net variant, optionally with weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gglnet.models.checkpoint import load_state_dict_file, load_weights
from gglnet.models.gglnet import GGLNet
from gglnet.models.registry import get_model_entry, list_models

__all__ = ["create_model", "load_model"]


def create_model(name: str, pretrained: bool | str | Path = False, **overrides: Any) -> GGLNet:
    """Build a registered model.

    Args:
        name: a name from :func:`gglnet.list_models`.
        pretrained: ``False`` for the paper's random initialisation; ``True`` for the name's
            published weights; or a path to a weight file (authors' ``.pth.tar``, any
            state_dict pickle, or ``.safetensors``).
        **overrides: :class:`~gglnet.GGLNetConfig` options that replace the variant's.

    Returns:
        The model in eval mode when weights were loaded, in train mode otherwise.

    Raises:
        ValueError: unknown name (close matches listed), bad option value, or weights that do
            not fit (missing/unexpected tensors named).
        TypeError: unknown option name.
        FileNotFoundError: ``pretrained`` names a file that does not exist.

    Example:
        >>> model = create_model("gglnet_fuse_add")
        >>> model.config.fusion
        'add'
    """
    entry = get_model_entry(name)
    model = GGLNet(entry.config, **overrides)
    if pretrained is False or pretrained is None:
        return model
    if pretrained is True:
        if entry.pretrained_cfg is None:
            available = ", ".join(list_models(pretrained=True)) or "none yet"
            raise ValueError(
                f"model {name!r} has no published weights; names with weights: {available}. "
                "Pass pretrained=PATH to load a weight file."
            )
        from gglnet.hub import load_pretrained

        load_pretrained(model, entry)
    else:
        path = Path(pretrained)
        load_weights(model, load_state_dict_file(path), str(path))
    return model.eval()


def load_model(name_or_path: str | Path, arch: str = "gglnet", **overrides: Any) -> GGLNet:
    """Load a model with weights from a registered name, a Hub-layout folder or a weight file.

    Args:
        name_or_path: a name from ``list_models(pretrained=True)``; a directory holding
            ``config.json`` and safetensors weights (``save_pretrained`` layout); or a weight
            file (``.safetensors``, ``.pth``, authors' ``.pth.tar``).
        arch: the registered architecture of a bare weight file (ignored otherwise).
        **overrides: :class:`~gglnet.GGLNetConfig` options of a bare weight file's
            architecture (a folder's ``config.json`` already holds them).

    Returns:
        The model in eval mode.

    A registered name wins over a folder of the same name in the working directory (such as
    the ``gglnet`` package folder in a checkout).

    Raises:
        ValueError: the name is unknown and no such path exists, or a registered name has no
            published weights.
        FileNotFoundError: a directory without ``config.json``.
        TypeError: ``overrides`` given for a folder.
    """
    if str(name_or_path) in list_models():
        return create_model(str(name_or_path), pretrained=True, **overrides)
    path = Path(name_or_path)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(
                f"{path} is not a model folder: it has no config.json (expected the layout "
                "written by save_pretrained: config.json + model.safetensors)"
            )
        if overrides:
            raise TypeError(f"{path} holds its architecture in config.json; got {overrides}")
        return GGLNet.from_pretrained(path).eval()
    if path.is_file():
        return create_model(arch, pretrained=path, **overrides)
    if any(sep in str(name_or_path) for sep in ("/", "\\")) or path.suffix:
        raise FileNotFoundError(f"no such model file or folder: {path}")
    return create_model(str(name_or_path), pretrained=True, **overrides)
