"""Gradient supplementary module, GSM = G_Block + Res (paper Fig. 4)."""

from __future__ import annotations

from typing import Literal, get_args, overload

import torch
import torch.nn.functional as F
from torch import nn

from gglnet.blocks.attention import SqueezeExcitation
from gglnet.blocks.layers import ConvNormAct

__all__ = ["GSM", "GSM_FUSIONS", "GBlock", "GSMFusion", "GuidedResidual"]

GSMFusion = Literal["res", "add"]
GSM_FUSIONS: tuple[str, ...] = get_args(GSMFusion)


class GBlock(nn.Module):
    """G_Block: turns a guidance image (or guidance features) into features of the main width.

    ``conv3x3-BN-ReLU, SE(r=4), conv3x3-BN-ReLU``.

    Args:
        in_channels: guidance channels ``C_g`` (3 for a gradient image).
        out_channels: main-branch width ``C``.
        reduction: SE reduction ratio.

    Shapes:
        ``(B, C_g, H, W)`` → ``(B, C, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, reduction: int = 4) -> None:
        super().__init__()
        self.conv1 = ConvNormAct(in_channels, out_channels)
        self.se = SqueezeExcitation(out_channels, reduction)
        self.conv2 = ConvNormAct(out_channels, out_channels)

    def forward(self, g: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.se(self.conv1(g)))


class GuidedResidual(nn.Module):
    """Res: fuses main features with guidance features as a residual on the main features.

    ``relu(x + BN(conv(SE(relu(BN(conv([x; s])))))))`` — main features first in the concat.

    Args:
        channels: width ``C`` of both inputs.
        reduction: SE reduction ratio.

    Shapes:
        ``x``: ``(B, C, H, W)``, ``s``: ``(B, C, H, W)`` → ``(B, C, H, W)``.
    """

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        self.conv1 = ConvNormAct(2 * channels, channels)
        self.se = SqueezeExcitation(channels, reduction)
        self.conv2 = ConvNormAct(channels, channels, act=False)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(self.se(self.conv1(torch.cat([x, s], dim=1)))))


class GSM(nn.Module):
    """Gradient supplementary module: injects gradient guidance into an encoder level.

    ``GSM(x, g) = fuse(x, G_Block(g))`` where ``fuse`` is :class:`GuidedResidual` (``"res"``,
    GGL-Net) or a plain sum ``x + G_Block(g)`` (``"add"``, the paper's M_G_Add ablation).

    Args:
        channels: main-branch width ``C``.
        guide_channels: channels ``C_g`` of the guidance input (3 for a gradient image).
        fusion: ``"res"`` or ``"add"``.
        reduction: SE reduction ratio used inside.

    Shapes:
        ``x``: ``(B, C, H, W)``, ``g``: ``(B, C_g, H, W)`` → ``(B, C, H, W)``.

    Example:
        >>> gsm = GSM(16)
        >>> gsm(torch.rand(2, 16, 32, 32), torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 16, 32, 32])
    """

    def __init__(
        self,
        channels: int,
        guide_channels: int = 3,
        fusion: GSMFusion = "res",
        reduction: int = 4,
    ) -> None:
        super().__init__()
        if fusion not in GSM_FUSIONS:
            raise ValueError(f"GSM fusion must be one of {GSM_FUSIONS}, got {fusion!r}")
        self.g_block = GBlock(guide_channels, channels, reduction)
        self.res = GuidedResidual(channels, reduction) if fusion == "res" else None

    def fuse(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Fuse main features ``x`` with G_Block features ``s``, both ``(B, C, H, W)``."""
        return x + s if self.res is None else self.res(x, s)

    @overload
    def forward(
        self, x: torch.Tensor, g: torch.Tensor, *, return_guide: Literal[False] = False
    ) -> torch.Tensor: ...

    @overload
    def forward(
        self, x: torch.Tensor, g: torch.Tensor, *, return_guide: Literal[True]
    ) -> tuple[torch.Tensor, torch.Tensor]: ...

    def forward(
        self, x: torch.Tensor, g: torch.Tensor, *, return_guide: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Fuse ``x`` with the G_Block features of ``g``.

        Args:
            x: main features ``(B, C, H, W)``.
            g: guidance ``(B, C_g, H, W)``.
            return_guide: also return the G_Block features ``(B, C, H, W)``, which the
                chained layout (the paper's M-G-M_Res, Table II) pools into the next level's
                guidance.

        Returns:
            ``(B, C, H, W)``, or ``(fused, guide_features)`` with ``return_guide``.
        """
        guide_features = self.g_block(g)
        fused = self.fuse(x, guide_features)
        return (fused, guide_features) if return_guide else fused
