"""gglnet.blocks.tgfm: two-way guidance fusion and its ablations (paper Eq. 1, Table III)."""

from __future__ import annotations

import pytest
import torch

from gglnet.blocks import TGFM


def _parts(tgfm: TGFM, low: torch.Tensor, high: torch.Tensor):
    y = tgfm.project(tgfm.upsample(high))
    ca = tgfm.channel_attention(y) if tgfm.channel_attention is not None else None
    sa = tgfm.spatial_attention(low) if tgfm.spatial_attention is not None else None
    return y, ca, sa


@pytest.mark.parametrize(
    ("mode", "formula"),
    [
        ("two_way", lambda x, y, ca, sa: ca * x + sa * y),
        ("add", lambda x, y, ca, sa: x + y),
        ("cam", lambda x, y, ca, sa: ca * x + y),
        ("sam", lambda x, y, ca, sa: x + sa * y),
    ],
)
def test_modes_follow_their_equations(mode: str, formula) -> None:
    tgfm = TGFM(8, 16, mode=mode).eval()  # type: ignore[arg-type]
    low, high = torch.rand(2, 8, 8, 8), torch.rand(2, 16, 4, 4)
    y, ca, sa = _parts(tgfm, low, high)
    out = tgfm(low, high)
    assert out.shape == (2, 8, 8, 8)
    torch.testing.assert_close(out, formula(low, y, ca, sa))


@pytest.mark.parametrize(
    ("mode", "has_ca", "has_sa"),
    [("two_way", True, True), ("add", False, False), ("cam", True, False), ("sam", False, True)],
)
def test_modes_hold_only_their_gates(mode: str, has_ca: bool, has_sa: bool) -> None:
    tgfm = TGFM(16, 32, mode=mode)  # type: ignore[arg-type]
    assert (tgfm.channel_attention is not None) == has_ca
    assert (tgfm.spatial_attention is not None) == has_sa


def test_upsampling_aligns_corners() -> None:
    tgfm = TGFM(1, 1, mode="add")
    high = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    up = tgfm.upsample(high)
    assert up.shape == (1, 1, 4, 4)
    assert up[0, 0, 0, 0] == 0 and up[0, 0, -1, -1] == 3  # corners kept: align_corners=True
    assert up[0, 0, 0, 1].item() == pytest.approx(1 / 3)


def test_reduction_ratio() -> None:
    assert TGFM(64, 128, reduction=4).channel_attention.fc1.out_channels == 16


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="two_way"):
        TGFM(8, 16, mode="concat")  # type: ignore[arg-type]
