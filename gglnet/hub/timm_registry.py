"""timm integration: every gglnet model name is also a timm model.

After ``import gglnet``, ``timm.create_model("gglnet")`` builds the same :class:`~gglnet.GGLNet`
as ``gglnet.create_model("gglnet")``, and ``timm.create_model(name, pretrained=True)`` loads a
registered single-file weight through timm's own Hub path (``hf_hub_id`` +
``hf_hub_filename``) and sharded weights through gglnet's resolution.

Importing timm takes seconds (it imports torchvision), so ``import gglnet`` does not import it:
:func:`install` registers the names at once when timm is already imported and otherwise arms an
import hook that registers them as soon as timm's import finishes. Names added to gglnet's
registry later reach timm through :func:`register_timm_models`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from torch import nn

from gglnet.hub.download import load_pretrained
from gglnet.hub.serialization import WEIGHTS_NAME
from gglnet.models.registry import get_model_entry, list_models

__all__ = ["default_cfgs", "install", "register_timm_models", "timm_pretrained_cfg"]

# timm's register_model reads the pretrained config of each entrypoint from its module's
# ``default_cfgs``; it also appends each name to this module's __all__.
default_cfgs: dict[str, dict[str, Any]] = {}

# Untrained variants have no measured input size: the paper's SIRST training size (SPEC §10).
_DEFAULT_INPUT_SIZE = (512, 512)


def timm_pretrained_cfg(name: str) -> dict[str, Any]:
    """timm's pretrained config for a gglnet name (input size, normalisation, weight source).

    Inputs are pixels / 255 (mean 0, std 1). Names with single-file published weights get
    ``hf_hub_id="ORG/NAME@revision"`` and ``hf_hub_filename="model.safetensors"``, which timm
    downloads itself; sharded weights, which timm cannot read, are loaded by the entrypoint
    through :func:`gglnet.hub.load_pretrained`.
    """
    entry = get_model_entry(name)
    weights = entry.pretrained_cfg
    channels = entry.config.in_chans
    size = weights.input_size if weights else _DEFAULT_INPUT_SIZE
    cfg: dict[str, Any] = {
        "input_size": (channels, *size),
        "fixed_input_size": False,
        "interpolation": "bilinear",
        "crop_pct": 1.0,
        "mean": (0.0,) * channels,
        "std": (1.0,) * channels,
        "num_classes": entry.config.num_classes,
        "description": entry.description,
        "paper_name": "Gradient-Guided Learning Network for Infrared Small Target Detection",
    }
    if weights is not None:
        cfg["license"] = weights.license
        cfg["notes"] = (f"trained on {weights.dataset}, measured on {weights.split}",)
        if weights.filename == WEIGHTS_NAME:
            cfg["hf_hub_id"] = weights.hub_url
            cfg["hf_hub_filename"] = weights.filename
    return cfg


def _entrypoint(name: str) -> Callable[..., nn.Module]:
    def create(pretrained: bool = False, **kwargs: Any) -> nn.Module:
        from timm.models import build_model_with_cfg

        from gglnet.models.gglnet import GGLNet

        if kwargs.pop("features_only", False):
            raise ValueError(
                f"timm's features_only is not supported by {name}: GGL-Net is a dense predictor; "
                "use the model's encoder (model.stages) directly"
            )
        entry = get_model_entry(name)
        pretrained_cfg = kwargs.pop("pretrained_cfg", None) or timm_pretrained_cfg(name)
        # timm's Hub path reads one file; sharded weights load through gglnet's resolution
        # (weights folders, then huggingface_hub), with the same sha256 checks.
        sharded = entry.pretrained_cfg is not None and entry.pretrained_cfg.filename != WEIGHTS_NAME
        model = build_model_with_cfg(
            GGLNet,
            name,
            pretrained and not sharded,
            pretrained_cfg=pretrained_cfg,
            config=entry.config,
            **kwargs,
        )
        if pretrained and sharded:
            load_pretrained(model, entry)
        return model

    create.__name__ = create.__qualname__ = name
    create.__module__ = __name__
    create.__doc__ = f"{get_model_entry(name).description} (gglnet model for timm)"
    return create


def register_timm_models(names: Sequence[str] | None = None) -> list[str]:
    """Register gglnet model names in timm's registry (imports timm).

    Names timm already knows from gglnet are skipped; a name taken by one of timm's own models
    is left to timm, with a warning.

    Args:
        names: gglnet names to register; ``None`` for all of ``gglnet.list_models()``.

    Returns:
        The names registered by this call.
    """
    from timm.models import is_model, model_entrypoint, register_model

    module = sys.modules[__name__]
    registered = []
    for name in list_models() if names is None else names:
        if is_model(name):
            if model_entrypoint(name).__module__ != __name__:
                warnings.warn(
                    f"timm has its own model named {name!r}; gglnet's is not registered in timm",
                    stacklevel=2,
                )
            continue
        default_cfgs[name] = timm_pretrained_cfg(name)
        entrypoint = _entrypoint(name)
        setattr(module, name, entrypoint)
        register_model(entrypoint)
        registered.append(name)
    return registered


class _RegisterWhenTimmImported(importlib.abc.MetaPathFinder):
    """Finds timm like the other finders do, and registers gglnet's names once it has loaded."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "timm":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("timm")
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_register(module: ModuleType) -> None:
            exec_module(module)
            register_timm_models()

        spec.loader.exec_module = exec_and_register  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Make gglnet's names timm models: now if timm is imported, else when it gets imported."""
    if "timm" in sys.modules:
        register_timm_models()
    elif not any(isinstance(finder, _RegisterWhenTimmImported) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegisterWhenTimmImported())
