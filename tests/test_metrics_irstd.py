"""IRSTDMetrics, the accumulator (gglnet/metrics/irstd.py), against the authors' values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from gglnet.metrics import IRSTDMetrics, iou, niou, pd_fa

KEYS = {"iou", "niou", "pd", "fa", "n_images", "n_targets", "n_pixels"}


def _reference(shared) -> tuple[np.ndarray, np.ndarray, dict]:
    folder = shared("reference", "metrics_example")
    expected = json.loads((folder / "expected.json").read_text())
    return np.load(folder / "pred.npy"), np.load(folder / "target.npy"), expected


def _random(n: int = 6, size: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pred = rng.random((n, 1, size, size), dtype=np.float32) ** 4
    target = rng.random((n, 1, size, size)) > 0.9
    return pred, target


@pytest.mark.parametrize(
    "convert",
    [
        lambda p, t: (p, t),
        lambda p, t: (torch.from_numpy(p), torch.from_numpy(t)),
        lambda p, t: (p[:, 0], (t[:, 0] * 255).astype(np.uint8)),
        lambda p, t: (torch.from_numpy(p), torch.from_numpy(t[:, 0]).bool()),
    ],
    ids=["numpy", "torch", "numpy_bhw_uint8_255", "torch_bool_target"],
)
@pytest.mark.parametrize("splits", [(3, 10), (1, 2, 19), ()], ids=["3+7+10", "1+1+17+1", "20"])
def test_reference_values_in_uneven_batches(shared, convert, splits):
    pred, target, expected = _reference(shared)
    metrics = IRSTDMetrics(threshold=expected["threshold"])
    for p, t in zip(np.split(pred, splits), np.split(target, splits), strict=True):
        metrics.update(*convert(p, t))
    result = metrics.compute()
    for key in ("iou", "niou", "pd", "fa"):
        assert result[key] == pytest.approx(expected[key], rel=1e-9, abs=0), key
    assert result["n_images"] == expected["n_images"] == 20
    assert result["n_pixels"] == 20 * expected["size"] ** 2


def test_reference_values_one_image_at_a_time(shared):
    pred, target, expected = _reference(shared)
    metrics = IRSTDMetrics()
    for p, t in zip(pred, target, strict=True):
        metrics.update(p[0], t[0])
    result = metrics.compute()
    assert [result[k] for k in ("iou", "niou", "pd", "fa")] == pytest.approx(
        [expected[k] for k in ("iou", "niou", "pd", "fa")], rel=1e-9
    )


def test_reference_values_from_logits(shared):
    pred, target, expected = _reference(shared)
    metrics = IRSTDMetrics(from_logits=True)
    metrics.update(torch.logit(torch.from_numpy(pred).double()), target)
    assert metrics.compute()["pd"] == pytest.approx(expected["pd"], rel=1e-9)


def test_functions_equal_the_accumulator():
    pred, target = _random()
    metrics = IRSTDMetrics(threshold=0.3)
    metrics.update(pred, target)
    result = metrics.compute()
    assert result["iou"] == iou(pred, target, threshold=0.3)
    assert result["niou"] == niou(pred, target, threshold=0.3)
    assert (result["pd"], result["fa"]) == pd_fa(pred, target, threshold=0.3)


def test_compute_returns_plain_types():
    pred, target = _random()
    metrics = IRSTDMetrics()
    metrics.update(pred, target)
    result = metrics.compute()
    assert set(result) == KEYS
    assert all(type(result[k]) is float for k in ("iou", "niou", "pd", "fa"))
    assert all(type(result[k]) is int for k in ("n_images", "n_targets", "n_pixels"))
    assert result["n_images"] == 6 and result["n_pixels"] == 6 * 24 * 24
    json.dumps(result)


def test_compute_before_update_raises():
    with pytest.raises(RuntimeError, match=r"compute\(\) called before any update\(\)"):
        IRSTDMetrics().compute()


def test_reset_forgets_everything():
    pred, target = _random()
    metrics = IRSTDMetrics()
    metrics.update(pred, target)
    metrics.reset()
    with pytest.raises(RuntimeError):
        metrics.compute()
    metrics.update(pred[:2], target[:2])
    fresh = IRSTDMetrics()
    fresh.update(pred[:2], target[:2])
    assert metrics.compute() == fresh.compute()


def test_mixed_image_sizes_use_each_images_own_size():
    big_pred = np.zeros((64, 64), np.float32)
    big_pred[10, 10:12] = 0.9  # a 2-pixel false alarm
    big_target = np.zeros((64, 64), bool)
    big_target[40, 40] = True  # missed
    small_pred = np.zeros((1, 1, 32, 32), np.float32)
    small_pred[..., 5, 5] = 0.9
    small_target = (small_pred > 0.5).astype(np.float32)  # detected exactly
    metrics = IRSTDMetrics()
    metrics.update(big_pred, big_target)
    metrics.update(small_pred, small_target)
    result = metrics.compute()
    assert result["fa"] == 2 / (64 * 64 + 32 * 32)  # not 2 / (2 * 32 * 32), as released
    assert result["pd"] == 1 / 2
    assert result["n_pixels"] == 64 * 64 + 32 * 32
    assert result["iou"] == pytest.approx(1 / 4)
    assert result["niou"] == pytest.approx((0 + 1) / 2)


def test_image_without_targets():
    pred = np.zeros((2, 8, 8), np.float32)
    target = np.zeros((2, 8, 8), bool)
    pred[0, 2, 2] = target[0, 2, 2] = True  # image 0: found; image 1: no target at all
    pred[1, 5, 5:7] = 0.8  # image 1: a 2-pixel false alarm
    metrics = IRSTDMetrics()
    metrics.update(pred, target)
    result = metrics.compute()
    assert result["pd"] == 1.0 and result["n_targets"] == 1
    assert result["fa"] == 2 / 128
    assert result["niou"] == pytest.approx((1 + 0) / 2)


def test_set_without_targets_has_nan_pd():
    pred = np.zeros((3, 8, 8), np.float32)
    pred[1, 4, 4] = 0.9
    metrics = IRSTDMetrics()
    metrics.update(pred, np.zeros((3, 8, 8), np.uint8))
    result = metrics.compute()
    assert math.isnan(result["pd"])
    assert result["fa"] == 1 / 192
    assert result["iou"] == 0.0 and result["niou"] == 0.0
    assert result["n_targets"] == 0


def test_no_predictions_and_everything_predicted():
    target = np.zeros((1, 8, 8), bool)
    target[0, 0, 0] = target[0, 4, 4] = True
    nothing = IRSTDMetrics()
    nothing.update(np.zeros((1, 8, 8), np.float32), target)
    assert {k: nothing.compute()[k] for k in ("iou", "niou", "pd", "fa")} == {
        "iou": 0.0,
        "niou": 0.0,
        "pd": 0.0,
        "fa": 0.0,
    }
    everything = IRSTDMetrics()
    everything.update(np.ones((1, 8, 8), np.float32), target)
    result = everything.compute()
    # One component over the whole image, centroid (3.5, 3.5): 4.9 px from the target at
    # (0, 0), 0.7 px from the one at (4, 4), which it detects; matched, it is no false alarm.
    assert result["pd"] == 1 / 2 and result["fa"] == 0.0
    assert result["iou"] == pytest.approx(2 / 64)


def test_optimal_matching_option():
    target = np.zeros((10, 12), bool)
    target[5, 4] = target[5, 8] = True
    pred = np.zeros((10, 12), np.float32)
    pred[4, 6] = pred[6, 2] = 1.0
    greedy, optimal = IRSTDMetrics(), IRSTDMetrics(matching="optimal")
    greedy.update(pred, target)
    optimal.update(pred, target)
    assert greedy.compute()["pd"] == 0.5
    assert optimal.compute()["pd"] == 1.0
    assert repr(optimal) == "IRSTDMetrics(threshold=0.5, from_logits=False, matching='optimal')"


def test_invalid_update_leaves_state_untouched():
    pred, target = _random()
    metrics = IRSTDMetrics()
    metrics.update(pred, target)
    before = metrics.compute()
    bad = pred.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        metrics.update(bad, target)
    assert metrics.compute() == before


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_tensors_equal_cpu():
    pred, target = _random(seed=1)
    logits = torch.randn(4, 1, 24, 24)
    for from_logits, p in [(False, torch.from_numpy(pred)), (True, logits)]:
        t = torch.from_numpy(target[: len(p)])
        cpu, gpu = IRSTDMetrics(from_logits=from_logits), IRSTDMetrics(from_logits=from_logits)
        cpu.update(p, t)
        gpu.update(p.cuda(), t.cuda())
        assert gpu.compute() == cpu.compute()
