"""Convolution building blocks shared by every GGL-Net module."""

from __future__ import annotations

from torch import nn

__all__ = ["ConvNormAct"]


class ConvNormAct(nn.Sequential):
    """Convolution (with bias, as released) → BatchNorm2d → optional ReLU.

    Children are named ``conv``, ``bn`` and, with ``act=True``, ``act``, so that eval-time
    BatchNorm folding can find every (conv, bn) pair by type.

    Args:
        in_channels: input channels ``C_in``.
        out_channels: output channels ``C_out``.
        kernel_size: 1 or 3 (odd); padding keeps the size (``kernel_size // 2``).
        stride: convolution stride.
        act: append a ReLU.

    Shapes:
        ``(B, C_in, H, W)`` → ``(B, C_out, H / stride, W / stride)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        act: bool = True,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, padding=kernel_size // 2, bias=True
        )
        self.bn = nn.BatchNorm2d(out_channels)
        if act:
            self.act = nn.ReLU(inplace=True)
