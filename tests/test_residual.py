"""gglnet.blocks.residual and ConvNormAct."""

from __future__ import annotations

import pytest
import torch

from gglnet.blocks import ConvNormAct, DownResBlock, ResBlock, SEResBlock


def test_conv_norm_act_layout() -> None:
    block = ConvNormAct(3, 8)
    assert [name for name, _ in block.named_children()] == ["conv", "bn", "act"]
    assert block.conv.bias is not None  # released convs keep a bias before BN
    assert [name for name, _ in ConvNormAct(3, 8, act=False).named_children()] == ["conv", "bn"]


@pytest.mark.parametrize("block", [ResBlock(8), SEResBlock(8)])
def test_same_size_blocks(block: torch.nn.Module) -> None:
    out = block(torch.rand(2, 8, 6, 6))
    assert out.shape == (2, 8, 6, 6)
    assert out.min() >= 0  # ends with a ReLU


@pytest.mark.parametrize("block_cls", [ResBlock, SEResBlock])
def test_zero_residual_branch_is_relu_identity(block_cls: type) -> None:
    block = block_cls(4).eval()
    torch.nn.init.zeros_(block.conv2.bn.weight)
    torch.nn.init.zeros_(block.conv2.bn.bias)
    x = torch.randn(1, 4, 5, 5)
    torch.testing.assert_close(block(x), torch.relu(x))


def test_down_block_halves_and_widens() -> None:
    out = DownResBlock(8, 16)(torch.rand(2, 8, 10, 12))
    assert out.shape == (2, 16, 5, 6)


def test_down_block_sums_main_and_shortcut() -> None:
    block = DownResBlock(4, 8).eval()
    x = torch.rand(1, 4, 8, 8)
    main = block.conv2(block.pool(block.conv1(x)))
    torch.testing.assert_close(block(x), torch.relu(main + block.shortcut(x)))
