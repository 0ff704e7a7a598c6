"""gglnet.blocks.lcl: local contrast learning."""

from __future__ import annotations

import torch

from gglnet.blocks import LCL


def test_lcl_layers_and_shape() -> None:
    lcl = LCL(8)
    assert lcl.conv1.kernel_size == (1, 1) and lcl.conv2.kernel_size == (3, 3)
    assert lcl.conv1.bias is not None and lcl.conv2.bias is not None
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in lcl.modules())
    out = lcl(torch.randn(2, 8, 5, 7))
    assert out.shape == (2, 8, 5, 7)
    assert out.min() >= 0


def test_lcl_hand_computed_identity_weights() -> None:
    lcl = LCL(1)
    with torch.no_grad():
        lcl.conv1.weight.fill_(1.0)
        lcl.conv1.bias.fill_(-0.5)
        lcl.conv2.weight.zero_()
        lcl.conv2.weight[0, 0, 1, 1] = 2.0
        lcl.conv2.bias.zero_()
    x = torch.tensor([[[[0.0, 1.0], [2.0, 0.25]]]])
    torch.testing.assert_close(lcl(x), 2 * torch.relu(x - 0.5))
