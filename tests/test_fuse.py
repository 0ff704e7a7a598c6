"""BatchNorm folding: the folded copy computes what the eager model computes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import gglnet
from gglnet.blocks import ConvNormAct
from gglnet.inference import fuse_batchnorm


def _randomize_batchnorm(model: nn.Module) -> nn.Module:
    """Mild random BN statistics and affine terms, so folding is not a near-identity."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def _assert_fused_equals_eager(model: nn.Module, x: torch.Tensor) -> None:
    """Exact in float64 (folding is algebra), within float32 rounding on probabilities."""
    with torch.no_grad():
        model64 = model.double()
        torch.testing.assert_close(
            fuse_batchnorm(model64)(x.double()), model64(x.double()), rtol=1e-10, atol=1e-10
        )
        model32 = model.float()
        torch.testing.assert_close(
            fuse_batchnorm(model32)(x).sigmoid(), model32(x).sigmoid(), rtol=0, atol=1e-5
        )


@pytest.mark.parametrize("name", gglnet.list_models())
def test_fused_equals_eager_for_every_variant(name: str) -> None:
    model = _randomize_batchnorm(gglnet.create_model(name, widths=(8, 16, 16)))
    _assert_fused_equals_eager(model, torch.rand(2, 3, 16, 16))


@pytest.mark.slow
def test_fused_equals_eager_full_model() -> None:
    model = _randomize_batchnorm(gglnet.create_model("gglnet"))
    _assert_fused_equals_eager(model, torch.rand(1, 3, 32, 32))


def test_every_batchnorm_is_replaced_and_the_input_model_is_untouched() -> None:
    model = _randomize_batchnorm(gglnet.create_model("gglnet", widths=(8, 16)))
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fused = fuse_batchnorm(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    assert sum(isinstance(m, nn.Identity) for m in fused.modules()) == sum(
        isinstance(m, nn.BatchNorm2d) for m in model.modules()
    )
    assert not fused.training
    assert model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_folding_handles_a_conv_bias() -> None:
    block = _randomize_batchnorm(ConvNormAct(3, 4, act=False))
    block.conv.bias.data.uniform_(-1.0, 1.0)
    x = torch.randn(2, 3, 8, 8)
    fused = fuse_batchnorm(block)
    assert isinstance(fused.bn, nn.Identity)
    with torch.no_grad():
        torch.testing.assert_close(fused(x), block(x), rtol=0, atol=1e-5)


def test_batchnorm_outside_convnormact_is_rejected() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    with pytest.raises(ValueError, match="outside a ConvNormAct"):
        fuse_batchnorm(model)
