"""Model registry: names → architecture config (+ pretrained weights, where published)."""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from typing import Any

from gglnet.models.config import GGLNetConfig

__all__ = ["ModelEntry", "get_model_entry", "list_models", "register_model", "unregister_model"]


@dataclass(frozen=True)
class ModelEntry:
    """A registered model name.

    Attributes:
        name: the registered name (``gglnet``, ``gglnet_fuse_add``, ...).
        config: its architecture.
        description: one line for listings.
        pretrained_cfg: where its published weights come from, or ``None``.
    """

    name: str
    config: GGLNetConfig
    description: str
    pretrained_cfg: Any = None


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    name: str, config: GGLNetConfig, description: str, pretrained_cfg: Any = None
) -> ModelEntry:
    """Register ``name``; re-registering a name is an error so entries cannot shadow others."""
    if name in _REGISTRY:
        raise ValueError(f"model name {name!r} is already registered")
    entry = ModelEntry(name, config, description, pretrained_cfg)
    _REGISTRY[name] = entry
    return entry


def unregister_model(name: str) -> ModelEntry:
    """Remove ``name`` and return its entry (for tests that register a temporary name).

    Raises:
        ValueError: ``name`` is not registered.
    """
    entry = get_model_entry(name)
    del _REGISTRY[name]
    return entry


def list_models(filter: str = "", pretrained: bool = False) -> list[str]:
    """Registered model names, sorted.

    Args:
        filter: shell-style pattern (``"gglnet_fuse_*"``); empty for all.
        pretrained: only names with published weights.
    """
    names = sorted(
        name
        for name, entry in _REGISTRY.items()
        if not pretrained or entry.pretrained_cfg is not None
    )
    return [n for n in names if fnmatch.fnmatch(n, filter)] if filter else names


def get_model_entry(name: str) -> ModelEntry:
    """The entry for ``name``; an unknown name is a ValueError naming the closest matches."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), _REGISTRY, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
        raise ValueError(
            f"unknown model {name!r}; {hint}registered models: {', '.join(list_models())}"
        ) from None
