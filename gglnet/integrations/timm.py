"""timm integration: gglnet's architectures and published weights are timm models.

``import gglnet`` calls :func:`register` when timm is installed (importing timm, which takes a
second or two). Then ``timm.create_model("gglnet")`` builds the same :class:`~gglnet.GGLNet`
as ``gglnet.create_model("gglnet")``, and ``timm.create_model("gglnet.sirst",
pretrained=True)`` loads the published weights through gglnet's loader
(:mod:`gglnet.models.loading`): local weight folders first, then the Hub, every file checked
against its sha256, sharded weights included. timm's names follow gglnet's: ``arch`` and
``arch.tag``, the first tag of an architecture being its default, as in timm.

Names registered in gglnet after the import (``gglnet.models.register_model``) reach timm
through another call of :func:`register`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import timm.models
from torch import nn

from gglnet.models.factory import create_model
from gglnet.models.registry import (
    get_architecture,
    get_pretrained_cfg,
    list_models,
    split_model_name,
)

__all__ = ["default_cfgs", "register", "timm_pretrained_cfg"]

# timm's register_model reads the pretrained configs of each entrypoint from its module's
# ``default_cfgs``; it also appends each name to this module's __all__.
default_cfgs: dict[str, Any] = {}

# Architectures without weights have no measured input size: the paper's SIRST training size.
_DEFAULT_INPUT_SIZE = (512, 512)


def timm_pretrained_cfg(name: str) -> dict[str, Any]:
    """timm's pretrained config for ``arch`` or ``arch.tag``: input size, normalisation, source.

    Inputs are pixels / 255 (mean 0, std 1). Published weights carry their ``hf_hub_id`` (so
    timm lists them with ``pretrained=True``); gglnet's loader reads them, not timm's.
    """
    architecture = get_architecture(name)
    _, tag = split_model_name(name)
    weights = get_pretrained_cfg(name) if tag else None
    channels = architecture.config.in_chans
    size = weights.input_size if weights else _DEFAULT_INPUT_SIZE
    cfg: dict[str, Any] = {
        "input_size": (channels, *size),
        "fixed_input_size": False,
        "interpolation": "bilinear",
        "crop_pct": 1.0,
        "mean": (0.0,) * channels,
        "std": (1.0,) * channels,
        "num_classes": architecture.config.num_classes,
        "description": architecture.description,
        "paper_name": "Gradient-Guided Learning Network for Infrared Small Target Detection",
    }
    if weights is not None:
        cfg["hf_hub_id"] = weights.hf_hub_id
        cfg["license"] = weights.license
        cfg["notes"] = (f"trained on {weights.dataset}, measured on {weights.split}",)
    return cfg


def _tag_of(pretrained_cfg: object) -> str | None:
    """The tag timm passes down: a string, timm's PretrainedCfg, a dict, or None (default)."""
    if pretrained_cfg is None or isinstance(pretrained_cfg, str):
        return pretrained_cfg or None
    if isinstance(pretrained_cfg, dict):
        return pretrained_cfg.get("tag") or None
    return getattr(pretrained_cfg, "tag", None) or None


def _entrypoint(arch: str) -> Callable[..., nn.Module]:
    def create(
        pretrained: bool = False,
        pretrained_cfg: object = None,
        pretrained_cfg_overlay: dict[str, Any] | None = None,
        cache_dir: object = None,
        **kwargs: Any,
    ) -> nn.Module:
        if kwargs.pop("features_only", False):
            raise ValueError(
                f"timm's features_only is not supported by {arch}: GGL-Net is a dense "
                "predictor; use the model's encoder (model.stages) directly"
            )
        tag = _tag_of(pretrained_cfg)
        name = f"{arch}.{tag}" if tag else arch
        model = create_model(name, pretrained=pretrained, **kwargs)
        resolved = timm.models.get_pretrained_cfg(name)
        cfg = resolved.to_dict() if resolved is not None else timm_pretrained_cfg(name)
        cfg.update(pretrained_cfg_overlay or {})
        model.pretrained_cfg = model.default_cfg = cfg
        return model

    create.__name__ = create.__qualname__ = arch
    create.__module__ = __name__
    create.__doc__ = f"{get_architecture(arch).description} (gglnet model for timm)"
    return create


def register(names: Sequence[str] | None = None) -> list[str]:
    """Register gglnet architectures, with their published weights, in timm's registry.

    Architectures timm already has from gglnet are skipped unless their weights changed; a
    name taken by one of timm's own models is left to timm, with a warning.

    Args:
        names: architectures to register; ``None`` for all of ``gglnet.list_models()``.

    Returns:
        The architectures registered by this call.
    """
    registered = []
    for arch in list_models() if names is None else names:
        tags = list_models(f"{arch}.*", pretrained=True)
        cfgs = {name: timm_pretrained_cfg(name) for name in tags} or {
            arch: timm_pretrained_cfg(arch)
        }
        if timm.models.is_model(arch):
            if timm.models.model_entrypoint(arch).__module__ != __name__:
                warnings.warn(
                    f"timm has its own model named {arch!r}; gglnet's is not registered in timm",
                    stacklevel=2,
                )
                continue
            known = timm.models.list_pretrained(f"{arch}.*") if tags else [arch]
            if sorted(known) == sorted(cfgs):
                continue
        default_cfgs.update(timm.models.generate_default_cfgs(cfgs))
        entrypoint = _entrypoint(arch)
        globals()[arch] = entrypoint
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Overwriting", category=UserWarning)
            timm.models.register_model(entrypoint)
        registered.append(arch)
    return registered
