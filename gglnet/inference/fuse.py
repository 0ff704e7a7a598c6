"""Folding eval-mode BatchNorm into the preceding convolution."""

from __future__ import annotations

import copy

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from gglnet.blocks import ConvNormAct

__all__ = ["fuse_batchnorm"]


def fuse_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in eval mode with every ConvNormAct's BatchNorm folded into its conv.

    In eval mode BatchNorm is the affine map ``y = (x - mean) / sqrt(var + eps) * weight + bias``
    per channel; folded into the convolution's weight and bias it costs nothing at run time.
    The folded ``bn`` child is replaced by ``nn.Identity`` so the module tree (and every other
    parameter name) stays as it was. All BatchNorms of GGL-Net sit in
    :class:`~gglnet.blocks.ConvNormAct`; a model with BatchNorm elsewhere is rejected rather
    than left half-folded. The model passed in is not modified.

    Args:
        model: any module; GGL-Net or one built from :mod:`gglnet.blocks`.

    Returns:
        The folded copy, in eval mode, on the device and dtype of ``model``.

    Raises:
        ValueError: ``model`` holds a BatchNorm2d outside a ConvNormAct (its name is given).

    Example:
        >>> model = gglnet.create_model("gglnet", widths=(8, 16)).eval()
        >>> fused = fuse_batchnorm(model)
        >>> any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
        False
    """
    fused = copy.deepcopy(model).eval()
    for block in fused.modules():
        if isinstance(block, ConvNormAct) and isinstance(block.bn, nn.BatchNorm2d):
            block.conv = fuse_conv_bn_eval(block.conv, block.bn)
            block.bn = nn.Identity()
    leftover = [name for name, m in fused.named_modules() if isinstance(m, nn.BatchNorm2d)]
    if leftover:
        raise ValueError(
            f"cannot fold BatchNorm2d outside a ConvNormAct (conv, bn, act): {leftover}; "
            "only gglnet.blocks.ConvNormAct pairs are folded"
        )
    return fused
