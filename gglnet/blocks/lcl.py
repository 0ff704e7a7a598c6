"""Local contrast learning, LCL (docs/architecture.md, LCL)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LCL"]


class LCL(nn.Module):
    """Local contrast learning: ``relu(conv3x3(relu(conv1x1(x))))``, with biases, no BN.

    Args:
        channels: channels ``C``.

    Shapes:
        ``(B, C, H, W)`` → ``(B, C, H, W)``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 1, bias=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))))
