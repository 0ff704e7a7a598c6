"""Attention gates: squeeze-excitation (encoder) and the channel / spatial gates of TGFM.

These follow the paper and the released code, not timm's SE/CBAM layers: no biases in
the MLPs, no channel rounding, ``[max; mean]`` order in the spatial gate, and the channel and
spatial gates return their weights so TGFM can apply them to *another* tensor.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ChannelAttention", "SpatialAttention", "SqueezeExcitation"]


def _hidden_channels(channels: int, reduction: int) -> int:
    """``C // r``, at least 1 so narrow experimental models still build."""
    if channels < 1 or reduction < 1:
        raise ValueError(f"channels and reduction must be positive, got {channels} and {reduction}")
    return max(1, channels // reduction)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation: rescale channels by a gate learned from their global average.

    ``x * sigmoid(fc2(relu(fc1(avgpool(x)))))`` with bias-free linear layers (docs/architecture.md).

    Args:
        channels: channels ``C`` of the input.
        reduction: hidden width is ``C // reduction`` (at least 1).

    Shapes:
        ``(B, C, H, W)`` → ``(B, C, H, W)``.
    """

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        hidden = _hidden_channels(channels, reduction)
        self.fc1 = nn.Linear(channels, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, channels, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.fc2(F.relu(self.fc1(x.mean(dim=(2, 3))))).sigmoid()
        return x * gate[:, :, None, None]


class ChannelAttention(nn.Module):
    """Channel gate ``C(Y) = σ(MLP(avgpool(Y)) + MLP(maxpool(Y)))`` (paper Eq. 2).

    The MLP is ``conv1x1(C→C/r) - ReLU - conv1x1(C/r→C)``, bias-free and shared by both pools.

    Args:
        channels: channels ``C`` of the input.
        reduction: the ratio ``r`` (paper Fig. 7; default 8); hidden width ``max(1, C // r)``.

    Shapes:
        ``(B, C, H, W)`` → gate ``(B, C, 1, 1)`` in ``(0, 1)``.
    """

    def __init__(self, channels: int, reduction: int = 8) -> None:
        super().__init__()
        hidden = _hidden_channels(channels, reduction)
        self.fc1 = nn.Conv2d(channels, hidden, 1, bias=False)
        self.fc2 = nn.Conv2d(hidden, channels, 1, bias=False)

    def _mlp(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        avg = F.adaptive_avg_pool2d(x, 1)
        peak = F.adaptive_max_pool2d(x, 1)
        return (self._mlp(avg) + self._mlp(peak)).sigmoid()


class SpatialAttention(nn.Module):
    """Spatial gate ``S(X) = σ(conv7x7([max_c X; mean_c X]))`` (paper Eq. 3, max first).

    Args:
        kernel_size: size of the single convolution (7 in the paper).

    Shapes:
        ``(B, C, H, W)`` → gate ``(B, 1, H, W)`` in ``(0, 1)``.
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return self.conv(pooled).sigmoid()
