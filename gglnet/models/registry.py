"""Names, as timm has them: architectures (``gglnet``) and their weights (``gglnet.sirst``).

An architecture is a name and a :class:`~gglnet.GGLNetConfig`. Its published weights are tags
of it, named ``arch.tag``, each with a :class:`~gglnet.PretrainedCfg`. The first tag registered
for an architecture is its default: ``create_model("gglnet", pretrained=True)`` loads it.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gglnet.models.config import GGLNetConfig
from gglnet.models.pretrained import PretrainedCfg

__all__ = [
    "Architecture",
    "get_architecture",
    "get_pretrained_cfg",
    "get_weights_config",
    "list_models",
    "names_weights",
    "pretrained_name",
    "register_model",
    "register_pretrained",
    "split_model_name",
    "unregister_model",
]


@dataclass(frozen=True)
class Architecture:
    """A registered architecture.

    Attributes:
        name: the registered name (``gglnet``, ``gglnet_fuse_add``, ...).
        config: its architecture options.
        description: one line for listings.
    """

    name: str
    config: GGLNetConfig
    description: str


_ARCHITECTURES: dict[str, Architecture] = {}
# "arch.tag" -> weights, in registration order (an architecture's first tag is its default)
_PRETRAINED: dict[str, PretrainedCfg] = {}


def split_model_name(name: str) -> tuple[str, str | None]:
    """``"gglnet.sirst"`` → ``("gglnet", "sirst")``; ``"gglnet"`` → ``("gglnet", None)``."""
    arch, dot, tag = str(name).partition(".")
    return arch, (tag if dot else None)


def register_model(name: str, config: GGLNetConfig, description: str) -> Architecture:
    """Register an architecture; re-registering a name is an error so names cannot shadow.

    Raises:
        ValueError: ``name`` is taken or holds a ``.`` (reserved for ``arch.tag``).
    """
    if "." in name:
        raise ValueError(f"architecture names cannot hold '.', got {name!r} (arch.tag is weights)")
    if name in _ARCHITECTURES:
        raise ValueError(f"model name {name!r} is already registered")
    entry = Architecture(name, config, description)
    _ARCHITECTURES[name] = entry
    return entry


def register_pretrained(cfgs: Mapping[str, PretrainedCfg]) -> None:
    """Register published weights by ``arch.tag`` (an architecture's weights table).

    Raises:
        ValueError: a name is not ``arch.tag`` of a registered architecture, or is taken.
    """
    for name, cfg in cfgs.items():
        arch, tag = split_model_name(name)
        if not tag:
            raise ValueError(f"weights are named arch.tag (e.g. 'gglnet.sirst'), got {name!r}")
        get_architecture(arch)
        if name in _PRETRAINED:
            raise ValueError(f"weights {name!r} are already registered")
        if not isinstance(cfg, PretrainedCfg):
            raise TypeError(f"{name}: expected a PretrainedCfg, got {type(cfg).__name__}")
        _PRETRAINED[name] = cfg


def unregister_model(name: str) -> None:
    """Remove an architecture (with its weights) or one ``arch.tag`` (for tests).

    Raises:
        ValueError: ``name`` is not registered.
    """
    arch, tag = split_model_name(name)
    if tag is not None:
        pretrained_name(name)
        del _PRETRAINED[name]
        return
    get_architecture(arch)
    del _ARCHITECTURES[arch]
    for weights in [w for w in _PRETRAINED if split_model_name(w)[0] == arch]:
        del _PRETRAINED[weights]


def list_models(filter: str = "", pretrained: bool = False) -> list[str]:
    """Registered names: architectures, or with ``pretrained=True`` weights as ``arch.tag``.

    Args:
        filter: shell-style pattern (``"gglnet_fuse_*"``, ``"*.sirst"``); empty for all.
        pretrained: list the published weights instead of the architectures. Within one
            architecture they keep their table order (the default first).

    Example:
        >>> list_models("gglnet_fuse_*")
        ['gglnet_fuse_add', 'gglnet_fuse_cam', 'gglnet_fuse_sam']
    """
    if pretrained:
        order = {name: index for index, name in enumerate(_PRETRAINED)}
        names = sorted(_PRETRAINED, key=lambda n: (split_model_name(n)[0], order[n]))
    else:
        names = sorted(_ARCHITECTURES)
    return [n for n in names if fnmatch.fnmatch(n, filter)] if filter else names


def names_weights(text: str) -> bool:
    """Whether ``text`` reads as a registered name rather than a path.

    True for an architecture or published ``arch.tag``, and for ``arch.tag`` of a registered
    architecture when no such file or folder exists (so that an unpublished tag is reported as
    such, not as a missing file).
    """
    if text in _ARCHITECTURES or text in _PRETRAINED:
        return True
    arch, tag = split_model_name(text)
    return arch in _ARCHITECTURES and bool(tag) and "/" not in text and not Path(text).exists()


def get_architecture(name: str) -> Architecture:
    """The architecture of ``name`` (``arch`` or ``arch.tag``); unknown names list close ones.

    Raises:
        ValueError: unknown architecture.
    """
    arch, _ = split_model_name(name)
    try:
        return _ARCHITECTURES[arch]
    except KeyError:
        known = [*_ARCHITECTURES, *_PRETRAINED]
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
        raise ValueError(
            f"unknown model {name!r}; {hint}architectures: {', '.join(list_models())}; "
            f"weights: {', '.join(list_models(pretrained=True)) or 'none yet'}"
        ) from None


def pretrained_name(name: str) -> str:
    """The full ``arch.tag`` of ``name``: itself, or an architecture's default tag.

    Raises:
        ValueError: unknown architecture, unknown tag, or an architecture without weights
            (the names that have weights are listed).
    """
    arch, tag = split_model_name(name)
    get_architecture(arch)
    tags = [w for w in _PRETRAINED if split_model_name(w)[0] == arch]
    if tag is None and tags:
        return tags[0]
    if tag is not None and name in _PRETRAINED:
        return name
    available = ", ".join(list_models(pretrained=True)) or "none yet"
    what = f"weights {name!r} are not published" if tag else f"model {name!r} has no weights"
    raise ValueError(
        f"{what}; names with weights: {available}. Pass pretrained=PATH to load a weight file."
    )


def get_pretrained_cfg(name: str) -> PretrainedCfg:
    """The :class:`~gglnet.PretrainedCfg` of ``arch.tag`` (or of an architecture's default).

    Raises:
        ValueError: as :func:`pretrained_name`.

    Example::

        for name in gglnet.list_models(pretrained=True):
            cfg = gglnet.get_pretrained_cfg(name)
            print(name, cfg.hub_url, cfg.dataset, cfg.metrics)
    """
    return _PRETRAINED[pretrained_name(name)]


def get_weights_config(name: str) -> GGLNetConfig:
    """The :class:`~gglnet.GGLNetConfig` of published weights: their architecture's, with the
    weights' own ``pad_mode`` (what their ``config.json`` holds).

    Raises:
        ValueError: as :func:`pretrained_name`.

    Example:
        >>> get_weights_config("gglnet.nudt").pad_mode
        'reflect'
    """
    name = pretrained_name(name)
    arch, _ = split_model_name(name)
    return get_architecture(arch).config.replace(pad_mode=get_pretrained_cfg(name).pad_mode)
