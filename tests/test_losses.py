"""gglnet.losses: soft IoU (paper Eq. 4)."""

from __future__ import annotations

import pytest
import torch

from gglnet.losses import SoftIoULoss, soft_iou_bce_loss, soft_iou_loss


def test_hand_computed_per_sample_mean() -> None:
    prob = torch.zeros(2, 1, 2, 2)
    target = torch.zeros(2, 1, 2, 2)
    prob[0, 0, 0, 0] = 1.0  # sample 0: intersection 1, union 1 -> (1+1)/(1+1) = 1
    target[0, 0, 0, 0] = 1.0
    prob[1, 0, 0, 0] = 0.5  # sample 1: inter 0, union 0.5 + 1 -> (0+1)/(1.5+1) = 0.4
    target[1, 0, 1, 1] = 1.0
    loss = SoftIoULoss(from_logits=False)(prob, target)
    assert loss.item() == pytest.approx(1 - (1.0 + 0.4) / 2)


def test_hand_computed_batch_ratio() -> None:
    prob = torch.zeros(2, 1, 2, 2)
    target = torch.zeros(2, 1, 2, 2)
    prob[0, 0, 0, 0] = 1.0  # sample 0: intersection 1, union 1
    target[0, 0, 0, 0] = 1.0
    prob[1, 0, 0, 0] = 0.5  # sample 1: intersection 0, union 1.5
    target[1, 0, 1, 1] = 1.0
    # One ratio over the batch: (1 + 1) / (2.5 + 1), not the mean of the two samples' ratios.
    loss = SoftIoULoss(from_logits=False, reduction="batch")(prob, target)
    assert loss.item() == pytest.approx(1 - 2.0 / 3.5)
    assert soft_iou_loss(prob, target, False, reduction="batch").item() == loss.item()


def test_batch_ratio_weighs_large_targets_more() -> None:
    # Sample 0: a 1-pixel target found; sample 1: a 16-pixel target half found. Per sample,
    # each image weighs half; over the batch, the larger target's missed pixels dominate.
    prob = torch.zeros(2, 1, 8, 8)
    target = torch.zeros(2, 1, 8, 8)
    prob[0, 0, 0, 0] = target[0, 0, 0, 0] = 1.0
    target[1, 0, :4, :4] = 1.0
    prob[1, 0, :2, :4] = 1.0
    sample = soft_iou_loss(prob, target, False, smooth=0.0)
    batch = soft_iou_loss(prob, target, False, smooth=0.0, reduction="batch")
    assert sample.item() == pytest.approx(1 - (1 + 0.5) / 2)
    assert batch.item() == pytest.approx(1 - 9 / 17)
    # One sample: both reductions agree.
    torch.testing.assert_close(
        soft_iou_loss(prob[1:], target[1:], False),
        soft_iou_loss(prob[1:], target[1:], False, reduction="batch"),
    )


@pytest.mark.parametrize("call", [soft_iou_loss, SoftIoULoss])
def test_unknown_reduction(call) -> None:
    with pytest.raises(ValueError, match=r"reduction must be one of \('sample', 'batch'\)"):
        if call is SoftIoULoss:
            SoftIoULoss(reduction="mean")
        else:
            soft_iou_loss(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2), reduction="mean")


def test_logits_by_default() -> None:
    logits = torch.randn(3, 1, 4, 4)
    target = (torch.rand(3, 1, 4, 4) > 0.5).float()
    torch.testing.assert_close(
        SoftIoULoss()(logits, target), soft_iou_loss(logits.sigmoid(), target, from_logits=False)
    )


def test_perfect_and_empty_predictions() -> None:
    target = torch.zeros(1, 1, 4, 4)
    target[..., 1, 1] = 1
    assert soft_iou_loss(target, target, from_logits=False).item() == pytest.approx(0.0)
    # Empty target and empty prediction: smoothing makes it a perfect score, not a NaN.
    assert soft_iou_loss(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), False).item() == 0


def test_gradient_finite_in_half_precision_inputs() -> None:
    logits = torch.randn(2, 1, 8, 8, dtype=torch.bfloat16, requires_grad=True)
    loss = SoftIoULoss()(logits, torch.ones(2, 1, 8, 8))
    assert loss.dtype == torch.float32
    loss.backward()
    assert torch.isfinite(logits.grad).all()


def test_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"\(2, 1, 4, 4\) vs \(2, 1, 4, 5\)"):
        soft_iou_loss(torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 5))


def test_soft_iou_bce_is_soft_iou_plus_weighted_bce() -> None:
    logits = torch.tensor([[[[2.0, -1.0], [0.5, -3.0]]]])
    target = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])
    p = torch.sigmoid(logits)
    soft_iou = 1 - ((p * target).sum() + 1) / ((p + target - p * target).sum() + 1)
    bce = -(target * p.log() + (1 - target) * (1 - p).log()).mean()
    assert torch.allclose(soft_iou_bce_loss(logits, target, 0.5), soft_iou + 0.5 * bce)
    assert torch.equal(soft_iou_bce_loss(logits, target, 0.0), soft_iou_loss(logits, target))
    torch.testing.assert_close(
        soft_iou_bce_loss(logits, target, 0.5, reduction="batch"),
        soft_iou_loss(logits, target, reduction="batch") + 0.5 * bce,
    )
    with pytest.raises(ValueError, match="bce_weight must be >= 0"):
        soft_iou_bce_loss(logits, target, -1.0)


def test_bce_term_gives_gradient_where_soft_iou_is_flat() -> None:
    # An empty prediction of a one-pixel target: BCE pulls the target pixel up much harder.
    logits = torch.full((1, 1, 32, 32), -8.0, requires_grad=True)
    target = torch.zeros(1, 1, 32, 32)
    target[0, 0, 16, 16] = 1
    soft_iou_loss(logits, target).backward()
    flat = logits.grad[0, 0, 16, 16].abs().item()
    logits.grad = None
    soft_iou_bce_loss(logits, target, 1.0).backward()
    assert logits.grad[0, 0, 16, 16].abs().item() > 5 * flat
