"""Two-way guidance fusion module, TGFM (paper Eq. 1–3) and its ablations."""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn

from gglnet.blocks.attention import ChannelAttention, SpatialAttention
from gglnet.blocks.layers import ConvNormAct

__all__ = ["TGFM", "FusionMode"]

FusionMode = Literal["two_way", "add", "cam", "sam"]
FUSION_MODES: tuple[str, ...] = get_args(FusionMode)


class TGFM(nn.Module):
    """Fuses a low-level map ``X`` with the upsampled high-level map ``Y`` of the next level.

    ``Y' = ReLU(BN(conv1x1(upsample2x(Y))))`` (bilinear, ``align_corners=True``), then

    - ``"two_way"`` (TGFM, Eq. 1): ``Z = C(Y') ⊗ X + S(X) ⊗ Y'``
    - ``"add"``: ``Z = X + Y'``
    - ``"cam"``: ``Z = C(Y') ⊗ X + Y'``
    - ``"sam"``: ``Z = X + S(X) ⊗ Y'``

    with ``C`` the :class:`~gglnet.blocks.ChannelAttention` gate (ratio ``r``) and ``S`` the
    :class:`~gglnet.blocks.SpatialAttention` gate.

    Args:
        low_channels: channels ``C`` of ``X`` (and of the output).
        high_channels: channels ``C_h`` of ``Y``.
        mode: one of ``"two_way"``, ``"add"``, ``"cam"``, ``"sam"``.
        reduction: channel-attention ratio ``r`` (paper Fig. 7, default 8).

    Shapes:
        ``low``: ``(B, C, H, W)``, ``high``: ``(B, C_h, H / 2, W / 2)`` → ``(B, C, H, W)``.

    Example:
        >>> tgfm = TGFM(16, 32)
        >>> tgfm(torch.rand(1, 16, 32, 32), torch.rand(1, 32, 16, 16)).shape
        torch.Size([1, 16, 32, 32])
    """

    def __init__(
        self,
        low_channels: int,
        high_channels: int,
        mode: FusionMode = "two_way",
        reduction: int = 8,
    ) -> None:
        super().__init__()
        if mode not in FUSION_MODES:
            raise ValueError(f"TGFM mode must be one of {FUSION_MODES}, got {mode!r}")
        self.mode = mode
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.project = ConvNormAct(high_channels, low_channels, kernel_size=1)
        self.channel_attention = (
            ChannelAttention(low_channels, reduction) if mode in ("two_way", "cam") else None
        )
        self.spatial_attention = SpatialAttention() if mode in ("two_way", "sam") else None

    def forward(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        high = self.project(self.upsample(high))
        low_term = low if self.channel_attention is None else self.channel_attention(high) * low
        high_term = high if self.spatial_attention is None else self.spatial_attention(low) * high
        return low_term + high_term
