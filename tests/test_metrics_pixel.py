"""IoU and nIoU (gglnet/metrics/pixel.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gglnet.metrics import iou, niou
from gglnet.metrics.pixel import EPS, iou_from_counts, niou_per_image, pixel_counts


def _example() -> tuple[np.ndarray, np.ndarray]:
    """Image 0: |P∩T| = 2, |P∪T| = 4. Image 1: |P∩T| = 1, |P∪T| = 3. IoU 3/7, nIoU 5/12."""
    pred = np.zeros((2, 4, 4), np.float32)
    pred[0, 0, 0] = pred[0, 0, 1] = pred[0, 1, 0] = 0.9
    pred[0, 2, 0] = 0.5  # not predicted: the cut-off is strict
    pred[1, 3, 3] = pred[1, 3, 2] = pred[1, 2, 3] = 0.6
    target = np.zeros((2, 4, 4), np.float32)
    target[0, 0, 0] = target[0, 0, 1] = target[0, 1, 1] = 1
    target[1, 3, 3] = 1
    return pred, target


TARGET_KINDS = {
    "float": lambda t: t,
    "bool": lambda t: t.astype(bool),
    "uint8_255": lambda t: (t * 255).astype(np.uint8),
    "int64": lambda t: t.astype(np.int64),
    "torch_float": torch.from_numpy,
    "torch_uint8_255": lambda t: torch.from_numpy((t * 255).astype(np.uint8)),
}
PRED_KINDS = {
    "numpy_bhw": lambda p: p,
    "numpy_b1hw": lambda p: p[:, None],
    "torch_bhw": torch.from_numpy,
    "torch_b1hw": lambda p: torch.from_numpy(p[:, None]),
    "numpy_float64": lambda p: p.astype(np.float64),
}


@pytest.mark.parametrize("pred_kind", PRED_KINDS)
@pytest.mark.parametrize("target_kind", TARGET_KINDS)
def test_hand_computed_values_for_every_input_kind(pred_kind, target_kind):
    pred, target = _example()
    pred, target = PRED_KINDS[pred_kind](pred), TARGET_KINDS[target_kind](target)
    assert iou(pred, target) == pytest.approx(3 / 7, rel=1e-12)
    assert niou(pred, target) == pytest.approx(5 / 12, rel=1e-12)


def test_single_image_hw():
    pred, target = _example()
    assert iou(pred[1], target[1]) == pytest.approx(1 / 3, rel=1e-12)
    assert niou(torch.from_numpy(pred[0]), target[0].astype(bool)) == pytest.approx(0.5)


def test_threshold_and_logits():
    pred, target = _example()
    # At 0.7 image 1 has no prediction: IoU (2 + 0) / (4 + 1), nIoU (1/2 + 0) / 2.
    assert iou(pred, target, threshold=0.7) == pytest.approx(2 / 5)
    assert niou(pred, target, threshold=0.7) == pytest.approx(1 / 4)
    logits = np.log(pred / (1 - pred) + 1e-30).astype(np.float32)
    assert iou(logits, target, from_logits=True) == pytest.approx(3 / 7)


def test_empty_union_counts_zero():
    pred, target = _example()
    pred[1] = 0
    target[1] = 0
    assert niou(pred, target) == pytest.approx(0.5 / 2)  # the empty image scores 0
    assert iou(pred, target) == pytest.approx(2 / 4)  # and does not change the IoU
    empty = np.zeros((3, 4, 4), np.float32)
    assert iou(empty, empty) == 0.0
    assert niou(empty, empty) == 0.0


def test_no_prediction_and_everything_predicted():
    _, target = _example()
    assert iou(np.zeros_like(target), target) == 0.0
    assert niou(np.zeros_like(target), target) == 0.0
    # Everything predicted: IoU is the target's share of the pixels.
    assert iou(np.ones_like(target), target) == pytest.approx(4 / 32)
    assert niou(np.ones_like(target), target) == pytest.approx((3 / 16 + 1 / 16) / 2)


def test_counts_and_epsilon_as_released():
    pred, target = _example()
    inter, union = pixel_counts(pred > 0.5, target > 0.5)
    assert inter.tolist() == [2, 1] and union.tolist() == [4, 3]
    assert np.spacing(1) == EPS
    # The released code divides by union + np.spacing(1): a perfect 1-pixel image is 1 - 2e-16.
    assert niou_per_image(np.array([1]), np.array([1]))[0] == 1 / (1 + np.spacing(1)) < 1
    assert iou_from_counts(inter, union) == 3 / (7 + np.spacing(1))
