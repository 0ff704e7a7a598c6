"""The encoder's residual blocks (docs/architecture.md, Encoder)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gglnet.blocks.attention import SqueezeExcitation
from gglnet.blocks.layers import ConvNormAct

__all__ = ["DownResBlock", "ResBlock", "SEResBlock"]


class ResBlock(nn.Module):
    """Basic residual block: ``relu(x + bn(conv(relu(bn(conv(x))))))``.

    Args:
        channels: channels ``C``.

    Shapes:
        ``(B, C, H, W)`` → ``(B, C, H, W)``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvNormAct(channels, channels)
        self.conv2 = ConvNormAct(channels, channels, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(self.conv1(x)))


class SEResBlock(nn.Module):
    """Residual block with squeeze-excitation between its two convolutions.

    ``relu(x + bn(conv(SE(relu(bn(conv(x)))))))``.

    Args:
        channels: channels ``C``.
        reduction: SE reduction ratio (4 in GGL-Net).

    Shapes:
        ``(B, C, H, W)`` → ``(B, C, H, W)``.
    """

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        self.conv1 = ConvNormAct(channels, channels)
        self.se = SqueezeExcitation(channels, reduction)
        self.conv2 = ConvNormAct(channels, channels, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(self.se(self.conv1(x))))


class DownResBlock(nn.Module):
    """Residual block that halves the resolution and changes the width.

    Main path ``conv-BN-ReLU-maxpool2-conv-BN``; shortcut ``conv(stride 2)-BN-ReLU``; summed,
    then ReLU.

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.

    Shapes:
        ``(B, C_in, H, W)`` → ``(B, C_out, H / 2, W / 2)`` (H, W even).
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = ConvNormAct(in_channels, out_channels)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = ConvNormAct(out_channels, out_channels, act=False)
        self.shortcut = ConvNormAct(in_channels, out_channels, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(self.pool(self.conv1(x))) + self.shortcut(x))
