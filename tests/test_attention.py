"""gglnet.blocks.attention: SE, channel and spatial gates."""

from __future__ import annotations

import pytest
import torch

from gglnet.blocks import ChannelAttention, SpatialAttention, SqueezeExcitation


def test_se_shape_and_hand_computed_gate() -> None:
    se = SqueezeExcitation(8, reduction=4)
    assert se.fc1.weight.shape == (2, 8) and se.fc1.bias is None
    torch.nn.init.zeros_(se.fc2.weight)  # gate = sigmoid(0) = 0.5 everywhere
    x = torch.rand(2, 8, 5, 5)
    torch.testing.assert_close(se(x), x * 0.5)


def test_se_gate_follows_channel_means() -> None:
    se = SqueezeExcitation(4, reduction=2)
    x = torch.rand(1, 4, 3, 3)
    gate = torch.sigmoid(se.fc2(torch.relu(se.fc1(x.mean((2, 3))))))
    torch.testing.assert_close(se(x), x * gate[:, :, None, None])


def test_channel_attention_sums_avg_and_max_paths() -> None:
    ca = ChannelAttention(16, reduction=8)
    assert ca.fc1.weight.shape == (2, 16, 1, 1)
    x = torch.rand(2, 16, 6, 6)
    mlp = lambda v: ca.fc2(torch.relu(ca.fc1(v)))  # noqa: E731
    expected = torch.sigmoid(mlp(x.mean((2, 3), keepdim=True)) + mlp(x.amax((2, 3), keepdim=True)))
    out = ca(x)
    assert out.shape == (2, 16, 1, 1)
    torch.testing.assert_close(out, expected)


def test_spatial_attention_takes_max_first() -> None:
    sa = SpatialAttention()
    with torch.no_grad():
        sa.conv.weight.zero_()
        sa.conv.bias.zero_()
        sa.conv.weight[0, 0, 3, 3] = 1.0  # picks channel 0 of [max; mean] at the centre tap
    x = torch.tensor([[[[1.0]], [[3.0]]]])  # (1, 2, 1, 1): max 3, mean 2
    assert sa(x).item() == pytest.approx(torch.sigmoid(torch.tensor(3.0)).item())


def test_spatial_attention_shape() -> None:
    assert SpatialAttention()(torch.rand(2, 5, 7, 9)).shape == (2, 1, 7, 9)


@pytest.mark.parametrize("cls", [SqueezeExcitation, ChannelAttention])
def test_hidden_width_rounds_down_to_at_least_one(cls: type) -> None:
    assert cls(10, reduction=4).fc1.weight.shape[0] == 2
    assert cls(4, reduction=8).fc1.weight.shape[0] == 1
    with pytest.raises(ValueError, match="positive"):
        cls(4, reduction=0)
