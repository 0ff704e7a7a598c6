"""create_model and load_model: build a registered architecture, optionally with weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gglnet.models.checkpoint import load_weights
from gglnet.models.config import GGLNetConfig
from gglnet.models.folders import CONFIG_NAME, read_config
from gglnet.models.gglnet import GGLNet
from gglnet.models.loading import load_pretrained, read_state_dict
from gglnet.models.registry import (
    get_architecture,
    get_weights_config,
    names_weights,
    split_model_name,
)

__all__ = ["create_model", "load_model", "model_config"]


def model_config(name: str, **overrides: Any) -> GGLNetConfig:
    """The configuration ``create_model(name, **overrides)`` builds, without building it.

    A weights name (``arch.tag``) brings its :class:`~gglnet.PretrainedCfg`'s ``pad_mode``, as
    timm's ``pretrained_cfg`` does; an architecture name its own options.

    Example:
        >>> model_config("gglnet.nudt").pad_mode, model_config("gglnet").pad_mode
        ('reflect', 'zeros')
    """
    # a tag names weights: their padding comes with the name
    tagged = split_model_name(name)[1] is not None
    config = get_weights_config(name) if tagged else get_architecture(name).config
    return config.replace(**overrides) if overrides else config


def create_model(name: str, pretrained: bool | str | Path = False, **overrides: Any) -> GGLNet:
    """Build a registered model, as ``timm.create_model`` does.

    Args:
        name: an architecture from :func:`gglnet.list_models` (``"gglnet"``), or weights from
            ``list_models(pretrained=True)`` as ``arch.tag`` (``"gglnet.sirst"``).
        pretrained: ``False`` for the paper's random initialisation; ``True`` for the name's
            published weights (an architecture's default tag: the first of its table); or a
            weight file (authors' ``.pth.tar``, a state_dict pickle, ``.safetensors``) or a
            Hub-layout folder of weights for this architecture.
        **overrides: :class:`~gglnet.GGLNetConfig` options that replace the architecture's.
            A weights name (``arch.tag``, with or without ``pretrained``) sets ``pad_mode``
            from its :class:`~gglnet.PretrainedCfg`, and a folder from its ``config.json``,
            unless it is given here.

    Returns:
        The model in eval mode when weights were loaded, in train mode otherwise.

    Raises:
        ValueError: unknown name (close matches listed), bad option value, no published
            weights, or weights that do not fit or fail their checks (tensors named).
        TypeError: unknown option name.
        FileNotFoundError: ``pretrained`` names a file that does not exist, or published
            weights are nowhere to be found.

    Example:
        >>> model = create_model("gglnet_fuse_add")
        >>> model.config.fusion
        'add'
    """
    config = get_weights_config(name) if pretrained is True else model_config(name)
    if isinstance(pretrained, (str, Path)) and (Path(pretrained) / CONFIG_NAME).is_file():
        # the weights' padding travels with them; the architecture stays the name's
        config = config.replace(pad_mode=read_config(Path(pretrained)).pad_mode)
    model = GGLNet(config, **overrides)
    if pretrained is False or pretrained is None:
        return model
    if pretrained is True:
        load_pretrained(model, name)
    else:
        state_dict, source = read_state_dict(Path(pretrained))
        load_weights(model, state_dict, source)
    return model.eval()


def load_model(name_or_path: str | Path, arch: str = "gglnet", **overrides: Any) -> GGLNet:
    """Load a model with weights from a published name, a Hub-layout folder or a weight file.

    Args:
        name_or_path: weights from ``list_models(pretrained=True)`` (``"gglnet.sirst"``, or an
            architecture for its default weights); a folder holding ``config.json`` and
            safetensors weights (``save_pretrained`` layout, such as a run's ``best/``); or a
            weight file (``.safetensors``, ``.pth``, authors' ``.pth.tar``).
        arch: the registered architecture of a bare weight file (ignored otherwise).
        **overrides: :class:`~gglnet.GGLNetConfig` options of a bare weight file's
            architecture (a folder's ``config.json`` already holds them).

    Returns:
        The model in eval mode.

    A registered name wins over a folder of the same name in the working directory (such as
    the ``gglnet`` package folder in a checkout).

    Raises:
        ValueError: the name is unknown and no such path exists, or has no published weights.
        FileNotFoundError: no such file, or a folder without ``config.json``.
        TypeError: ``overrides`` given for a folder.
    """
    text = str(name_or_path)
    if not isinstance(name_or_path, Path) and names_weights(text):
        return create_model(text, pretrained=True, **overrides)
    path = Path(name_or_path)
    if path.is_dir():
        if not (path / CONFIG_NAME).is_file():
            raise FileNotFoundError(
                f"{path} is not a model folder: it has no {CONFIG_NAME} (expected the layout "
                "written by save_pretrained: config.json + model.safetensors)"
            )
        if overrides:
            raise TypeError(f"{path} holds its architecture in {CONFIG_NAME}; got {overrides}")
        model = GGLNet(read_config(path))
        state_dict, source = read_state_dict(path)
        load_weights(model, state_dict, source)
        return model.eval()
    if path.is_file():
        return create_model(arch, pretrained=path, **overrides)
    if any(sep in text for sep in ("/", "\\")) or path.suffix:
        raise FileNotFoundError(f"no such model file or folder: {path}")
    return create_model(text, pretrained=True, **overrides)
