"""Conversion of the authors' released state_dict key names to gglnet's (docs/architecture.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

__all__ = ["convert_official_state_dict", "is_official_state_dict"]

# Sub-module indices inside the authors' nn.Sequential blocks → our attribute names.
# conv3x3-BN-ReLU-[SE or MaxPool]-conv3x3-BN[-ReLU] (G_Block, Res, down-sampling main path):
_CONV_SE_CONV = {
    "0": "conv1.conv",
    "1": "conv1.bn",
    "3.fc.0": "se.fc1",
    "3.fc.2": "se.fc2",
    "4": "conv2.conv",
    "5": "conv2.bn",
}
_SE_RESBLOCK = {
    "layer1.0": "conv1.conv",
    "layer1.1": "conv1.bn",
    "layer2.0": "conv2.conv",
    "layer2.1": "conv2.bn",
    "SEAttention.fc.0": "se.fc1",
    "SEAttention.fc.2": "se.fc2",
}
_TGFM = {
    "hl_layer.1": "project.conv",  # hl_layer.0 is the Upsample
    "hl_layer.2": "project.bn",
    "hl_layer_2.se.0": "channel_attention.fc1",
    "hl_layer_2.se.2": "channel_attention.fc2",
    "ll_layer.conv": "spatial_attention.conv",
}

# (official prefix, our prefix, sub-module renames). {level} and {block} are 1-based in the
# authors' names and 0-based in ours.
_PREFIXES: list[tuple[str, str, dict[str, str]]] = [
    (r"stage\.layer1", "stem", {"0": "0.conv", "1": "0.bn", "3": "1.conv", "4": "1.bn"}),
    (
        r"stage\.resnet1_1\.layer",
        "stages.0.0",
        {"0": "conv1.conv", "1": "conv1.bn", "3": "conv2.conv", "4": "conv2.bn"},
    ),
    (r"stage\.resnet(?P<level>\d)_1\.layer1", "stages.{level}.0", _CONV_SE_CONV),
    (
        r"stage\.resnet(?P<level>\d)_1\.layer2",
        "stages.{level}.0.shortcut",
        {"0": "conv", "1": "bn"},
    ),
    (r"stage\.resnet(?P<level>\d)_(?P<block>[23])", "stages.{level}.{block}", _SE_RESBLOCK),
    (r"stage\.Res(?P<level>\d)\.layer1", "gsms.{level}.g_block", _CONV_SE_CONV),
    (r"stage\.Res(?P<level>\d)\.layer2", "gsms.{level}.res", _CONV_SE_CONV),
    (r"lcl(?P<level>\d)\.layer1", "lcls.{level}", {"0": "conv1", "2": "conv2"}),
    (r"sbam(?P<level>\d)", "fusions.{level}", _TGFM),
    (r"layer", "head", {"0": "0", "2": "2"}),
]


def _compile(prefix: str, renames: dict[str, str]) -> re.Pattern[str]:
    subs = "|".join(re.escape(k) for k in sorted(renames, key=len, reverse=True))
    return re.compile(rf"^{prefix}\.(?P<sub>{subs})\.(?P<param>[A-Za-z_]+)$")


_RULES = [(_compile(prefix, renames), target, renames) for prefix, target, renames in _PREFIXES]


def _rename(key: str) -> str | None:
    for pattern, target, renames in _RULES:
        match = pattern.match(key)
        if match:
            indices = {
                k: int(v) - 1 for k, v in match.groupdict().items() if k in ("level", "block")
            }
            return f"{target.format(**indices)}.{renames[match['sub']]}.{match['param']}"
    return None


def is_official_state_dict(state_dict: Mapping[str, object]) -> bool:
    """True when the keys are the authors' (``stage.``/``sbam`` prefixes, maybe ``module.``)."""
    return any(key.removeprefix("module.").startswith(("stage.", "sbam")) for key in state_dict)


def convert_official_state_dict(
    state_dict: Mapping[str, torch.Tensor],
) -> dict[str, torch.Tensor]:
    """Rename a state_dict saved by the authors' GGL-Net code to :class:`gglnet.GGLNet` keys.

    A ``module.`` prefix (DataParallel) is stripped first.

    Args:
        state_dict: the released tensors, e.g. ``torch.load(f, weights_only=True)["state_dict"]``.

    Returns:
        A new dict with the same tensors under gglnet's names.

    Raises:
        ValueError: a key matches no known official name (the message lists them).

    Example:
        >>> sd = convert_official_state_dict({"layer.2.bias": torch.zeros(1)})
        >>> list(sd)
        ['head.2.bias']
    """
    converted: dict[str, torch.Tensor] = {}
    unknown: list[str] = []
    for key, tensor in state_dict.items():
        new_key = _rename(key.removeprefix("module."))
        if new_key is None:
            unknown.append(key)
        else:
            converted[new_key] = tensor
    if unknown:
        more = " ..." if len(unknown) > 10 else ""
        raise ValueError(
            f"{len(unknown)} key(s) are not GGL-Net official names: {unknown[:10]}{more}"
        )
    return converted
