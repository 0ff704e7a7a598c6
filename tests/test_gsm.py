"""gglnet.blocks.gsm: G_Block, Res and GSM (paper Fig. 4)."""

from __future__ import annotations

import pytest
import torch

from gglnet.blocks import GSM, GBlock, GuidedResidual


def test_g_block_maps_guidance_to_width() -> None:
    out = GBlock(3, 16)(torch.rand(2, 3, 8, 8))
    assert out.shape == (2, 16, 8, 8)
    assert out.min() >= 0


def test_guided_residual_concatenates_main_first() -> None:
    res = GuidedResidual(4).eval()
    x, s = torch.rand(1, 4, 6, 6), torch.rand(1, 4, 6, 6)
    inner = res.conv2(res.se(res.conv1(torch.cat([x, s], 1))))
    torch.testing.assert_close(res(x, s), torch.relu(x + inner))
    assert not torch.allclose(res(x, s), res(s, x))


@pytest.mark.parametrize("fusion", ["res", "add"])
def test_gsm_shapes(fusion: str) -> None:
    gsm = GSM(16, fusion=fusion)
    assert gsm(torch.rand(2, 16, 8, 8), torch.rand(2, 3, 8, 8)).shape == (2, 16, 8, 8)
    assert (gsm.res is None) == (fusion == "add")


def test_gsm_add_is_plain_sum() -> None:
    gsm = GSM(8, guide_channels=1, fusion="add").eval()
    x, g = torch.rand(1, 8, 4, 4), torch.rand(1, 1, 4, 4)
    torch.testing.assert_close(gsm(x, g), x + gsm.g_block(g))


def test_gsm_res_equals_its_parts() -> None:
    gsm = GSM(8).eval()
    x, g = torch.rand(1, 8, 4, 4), torch.rand(1, 3, 4, 4)
    torch.testing.assert_close(gsm(x, g), gsm.res(x, gsm.g_block(g)))


def test_gsm_rejects_unknown_fusion() -> None:
    with pytest.raises(ValueError, match=r"one of \('res', 'add'\)"):
        GSM(8, fusion="concat")  # type: ignore[arg-type]


def test_gsm_usable_in_other_networks() -> None:
    net = torch.nn.ModuleDict({"conv": torch.nn.Conv2d(1, 8, 3, padding=1), "gsm": GSM(8, 1)})
    img = torch.rand(2, 1, 8, 8, requires_grad=True)
    out = net["gsm"](net["conv"](img), img)
    out.sum().backward()
    assert img.grad is not None and torch.isfinite(img.grad).all()
