"""3D-ROC: Pd and Fa over thresholds and the three AUCs (gglnet/metrics/roc.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from gglnet.metrics import IRSTDMetrics, ROCCurve, roc
from gglnet.metrics.roc import DEFAULT_THRESHOLDS


def _two_blobs() -> tuple[np.ndarray, np.ndarray]:
    """A target scored 0.9 at (2, 2) and a 1-pixel false alarm scored 0.3 at (6, 6)."""
    prob = np.zeros((1, 8, 8), np.float32)
    prob[0, 2, 2], prob[0, 6, 6] = 0.9, 0.3
    return prob, prob == np.float32(0.9)


def _mixed_sizes(seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Blobs with graded scores, noise and targets, in batches of 16x16, 24x32 and 8x8."""
    rng = np.random.default_rng(seed)
    preds, targets = [], []
    for shape in [(3, 16, 16), (2, 24, 32), (1, 8, 8)]:
        target = rng.random(shape) > 0.93
        noise = rng.random(shape, dtype=np.float32) ** 3
        preds.append(np.where(target, rng.uniform(0.3, 1.0, shape), noise).astype(np.float32))
        targets.append(target)
    return preds, targets


def test_hand_computed_curve_and_aucs():
    curve = roc(*_two_blobs(), thresholds=[0.0, 0.25, 0.5, 0.95])
    assert curve.pd.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert curve.fa.tolist() == [1 / 64, 1 / 64, 0.0, 0.0]
    assert curve.auc_pd_tau == pytest.approx(0.25 + 0.25 + 0.45 / 2)
    assert curve.auc_fa_tau == pytest.approx(0.25 / 64 + 0.25 / 128)
    # Points sorted by Fa: (0, 0), (0, 1), (1/64, 1), (1/64, 1).
    assert curve.auc_pd_fa == pytest.approx(1 / 64)


def test_thresholds_keep_their_order_and_duplicates():
    curve = roc(*_two_blobs(), thresholds=[0.95, 0.25, 0.5, 0.25, 0.0])
    assert curve.thresholds.tolist() == [0.95, 0.25, 0.5, 0.25, 0.0]
    assert curve.pd.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert curve.fa.tolist() == [0.0, 1 / 64, 0.0, 1 / 64, 1 / 64]
    sorted_curve = roc(*_two_blobs(), thresholds=[0.0, 0.25, 0.25, 0.5, 0.95])
    assert curve.auc_pd_tau == sorted_curve.auc_pd_tau
    assert curve.auc_pd_fa == sorted_curve.auc_pd_fa


def test_default_thresholds():
    curve = roc(*_two_blobs())
    np.testing.assert_array_equal(curve.thresholds, np.linspace(0, 1, DEFAULT_THRESHOLDS))
    assert curve.pd.shape == curve.fa.shape == (100,)


@pytest.mark.parametrize("matching", ["greedy", "optimal"])
def test_equals_irstd_metrics_at_every_threshold(matching):
    preds, targets = _mixed_sizes()
    thresholds = [0.0, 0.05, 0.3, 0.3, 0.31, 0.5, 0.99, 1.0, 0.12, 0.7]
    curve = roc(preds, targets, thresholds, matching=matching)
    for k, threshold in enumerate(thresholds):
        metrics = IRSTDMetrics(threshold=threshold, matching=matching)
        for p, t in zip(preds, targets, strict=True):
            metrics.update(p, t)
        result = metrics.compute()
        assert (curve.pd[k], curve.fa[k]) == (result["pd"], result["fa"]), threshold


def _bump(prob: np.ndarray, y: int, x: int, peak: float) -> None:
    """A Gaussian bump centred on pixel (y, x), cut off 4 px away."""
    yy, xx = np.mgrid[y - 4 : y + 5, x - 4 : x + 5]
    prob[y - 4 : y + 5, x - 4 : x + 5] = peak * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / 4.5)


def _radial_scene() -> tuple[np.ndarray, np.ndarray]:
    """Three 3x3 targets; bumps of peak 0.9 and 0.6 on two of them, a false alarm of 0.8."""
    prob = np.zeros((32, 32), np.float32)
    target = np.zeros((32, 32), bool)
    for y, x in [(8, 8), (8, 24), (24, 8)]:
        target[y - 1 : y + 2, x - 1 : x + 2] = True
    _bump(prob, 8, 8, 0.9)
    _bump(prob, 8, 24, 0.6)
    _bump(prob, 24, 24, 0.8)  # a false alarm; the target at (24, 8) is missed
    return prob, target


def test_monotone_for_isolated_radial_blobs():
    # Each blob's mask shrinks around its own centre as the threshold rises, so a detected
    # target stays detected until its blob vanishes, and false alarms only shrink.
    curve = roc(*_radial_scene(), thresholds=np.linspace(0, 1, 101))
    assert (np.diff(curve.pd) <= 0).all() and (np.diff(curve.fa) <= 0).all()
    assert curve.pd[[0, 59, 60, 89, 90]].tolist() == [2 / 3, 2 / 3, 1 / 3, 1 / 3, 0.0]
    assert curve.fa[0] == 81 / 1024 and curve.fa[80] == 0.0


def test_not_monotone_in_general():
    # Centroid matching makes neither Pd nor Fa monotone in the threshold. A bar scored 0.4
    # with one end at 0.9: at 0.3 the bar's centroid is 4 px from the target at its end, at
    # 0.5 only that end remains and detects it.
    prob = np.zeros((1, 10, 12), np.float32)
    prob[0, 5, 2:11] = 0.4
    prob[0, 5, 2] = 0.9
    curve = roc(prob, prob == np.float32(0.9), thresholds=[0.3, 0.5])
    assert curve.pd.tolist() == [0.0, 1.0] and curve.fa.tolist() == [9 / 120, 0.0]
    # Both ends at 0.9 and the target in the middle: the bar detects it, its ends do not.
    prob[0, 5, 10] = 0.9
    target = np.zeros((1, 10, 12), bool)
    target[0, 5, 6] = True
    curve = roc(prob, target, thresholds=[0.3, 0.5])
    assert curve.pd.tolist() == [1.0, 0.0] and curve.fa.tolist() == [0.0, 2 / 120]


def test_fine_step_as_in_the_paper():
    prob, target = _radial_scene()
    thresholds = np.linspace(0, 1, 10001)  # 1e-4 step
    fine = roc(prob, target, thresholds)
    coarse = roc(prob, target, thresholds[::100])
    np.testing.assert_array_equal(fine.pd[::100], coarse.pd)
    np.testing.assert_array_equal(fine.fa[::100], coarse.fa)
    assert 0 < fine.auc_pd_tau < 1


def test_reference_fixture_at_its_threshold(shared):
    folder = shared("reference", "metrics_example")
    expected = json.loads((folder / "expected.json").read_text())
    pred, target = np.load(folder / "pred.npy"), np.load(folder / "target.npy")
    curve = roc(
        [pred[:3], torch.from_numpy(pred[3:])],
        [target[:3], target[3:]],
        [0.1, expected["threshold"]],
    )
    assert curve.pd[1] == pytest.approx(expected["pd"], rel=1e-9)
    assert curve.fa[1] == pytest.approx(expected["fa"], rel=1e-9)


def test_from_logits():
    prob, target = _two_blobs()
    logits = torch.logit(torch.from_numpy(prob).double().clamp(1e-12, 1 - 1e-12))
    curve = roc(logits, target, [0.25, 0.5, 0.95], from_logits=True)
    assert curve.pd.tolist() == [1.0, 1.0, 0.0]
    assert curve.fa.tolist() == [1 / 64, 0.0, 0.0]


def test_no_targets_gives_nan_pd():
    prob, _ = _two_blobs()
    curve = roc(prob, np.zeros_like(prob, dtype=bool), [0.0, 0.5])
    assert np.isnan(curve.pd).all() and math.isnan(curve.auc_pd_tau)
    assert curve.fa.tolist() == [2 / 64, 1 / 64]


@pytest.mark.parametrize("thresholds", [[0.5], [0.5, 0.5]])
def test_fewer_than_two_thresholds_are_refused(thresholds):
    """One threshold spans no interval: every AUC would be a silent 0."""
    with pytest.raises(ValueError, match="at least 2 distinct thresholds"):
        roc(*_two_blobs(), thresholds=thresholds)


def test_to_dict_is_json_ready():
    curve = roc(*_two_blobs(), thresholds=[0.0, 1.0])
    as_dict = json.loads(json.dumps(curve.to_dict()))
    assert as_dict["pd"] == [1.0, 0.0] and as_dict["thresholds"] == [0.0, 1.0]
    assert isinstance(curve, ROCCurve) and as_dict["auc_pd_tau"] == curve.auc_pd_tau
