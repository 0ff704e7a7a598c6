"""Pd and Fa: centroid matching of 8-connected components (gglnet/metrics/target.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from gglnet.metrics import PdFa, match_components, pd_fa

SHAPE = (10, 12)
N_PIXELS = SHAPE[0] * SHAPE[1]


def _image(*pixels: tuple[int, int], shape: tuple[int, int] = SHAPE) -> np.ndarray:
    image = np.zeros(shape, np.float32)
    for y, x in pixels:
        image[y, x] = 1.0
    return image


def _row(y: int, x0: int, x1: int) -> list[tuple[int, int]]:
    return [(y, x) for x in range(x0, x1 + 1)]


def test_greedy_can_miss_what_optimal_matches():
    # T1 (5, 4) reaches P1 (4, 6) and P2 (6, 2); T2 (5, 8) reaches only P1. Greedy gives P1,
    # first in label order, to T1 and leaves T2 unmatched; a maximum matching finds both.
    target = _image((5, 4), (5, 8))
    pred = _image((4, 6), (6, 2))
    assert pd_fa(pred, target) == PdFa(0.5, 1 / N_PIXELS)
    assert pd_fa(pred, target, matching="optimal") == PdFa(1.0, 0.0)


def test_blob_spanning_two_targets_matches_neither():
    # Centroid (5, 6) is 4 px from both targets.
    target = _image((5, 2), (5, 10))
    pred = _image(*_row(5, 2, 10))
    assert pd_fa(pred, target) == PdFa(0.0, 9 / N_PIXELS)


def test_blob_covering_two_close_targets_matches_only_the_first():
    # Centroid (5, 6) is 2 px from both; the first target takes it and it is removed.
    target = _image((5, 4), (5, 8))
    pred = _image(*_row(5, 4, 8))
    assert pd_fa(pred, target) == PdFa(0.5, 0.0)


@pytest.mark.parametrize(
    ("pred_pixels", "matched"),
    [
        ([(5, 8)], False),  # exactly 3 px: not a match
        ([(8, 5)], False),
        ([(2, 5)], False),
        ([(5, 7), (5, 8)], True),  # centroid (5, 7.5): 2.5 px
        ([(7, 7)], True),  # sqrt(8) = 2.83 px
        ([(7, 8)], False),  # sqrt(13) = 3.6 px
    ],
)
def test_distance_cut_off_is_strict(pred_pixels, matched):
    result = pd_fa(_image(*pred_pixels), _image((5, 5)))
    assert result.pd == float(matched)
    assert result.fa == (0.0 if matched else len(pred_pixels) / N_PIXELS)


def test_first_fit_in_label_order_not_nearest():
    # (4, 3) comes first in raster order and is within reach (sqrt 5), so it is matched
    # although (5, 6) is closer; (5, 6) is then a false alarm.
    assert pd_fa(_image((4, 3), (5, 6)), _image((5, 5))) == PdFa(1.0, 1 / N_PIXELS)


def test_diagonal_pixels_form_one_target_and_one_prediction():
    target = _image((3, 3), (4, 4))  # one target, centroid (3.5, 3.5)
    pred = _image((6, 6), (7, 7))  # one prediction, centroid (6.5, 6.5): 4.24 px away
    assert pd_fa(pred, target) == PdFa(0.0, 2 / N_PIXELS)
    assert pd_fa(_image((5, 5), (6, 6)), target) == PdFa(1.0, 0.0)  # 2.83 px away


def test_no_targets_gives_nan_pd():
    result = pd_fa(_image((1, 1)), np.zeros(SHAPE))
    assert math.isnan(result.pd)
    assert result.fa == 1 / N_PIXELS


def test_no_predictions():
    assert pd_fa(np.zeros(SHAPE, np.float32), _image((1, 1), (6, 6))) == PdFa(0.0, 0.0)


def test_everything_predicted():
    everything = np.ones(SHAPE, np.float32)  # one component, centroid (4.5, 5.5)
    assert pd_fa(everything, _image((5, 5))) == PdFa(1.0, 0.0)
    assert pd_fa(everything, _image((0, 0))) == PdFa(0.0, 1.0)


def test_unmatched_blob_with_the_area_of_a_matched_one_is_counted():
    # DNANet drops unmatched regions whose area equals a matched region's area; we do not.
    assert pd_fa(_image((2, 2), (8, 8)), _image((2, 2))) == PdFa(1.0, 1 / N_PIXELS)


def test_each_image_of_a_batch_is_labelled_on_its_own():
    # The released code labels a batch as one 3-D volume; a prediction in image 0 must not
    # detect a target at the same place in image 1.
    pred = np.stack([_image((2, 2)), np.zeros(SHAPE, np.float32)])
    target = np.stack([np.zeros(SHAPE), _image((2, 2))])
    assert pd_fa(pred, target) == PdFa(0.0, 1 / (2 * N_PIXELS))
    both = np.stack([_image((2, 2))] * 2)
    assert pd_fa(both, both) == PdFa(1.0, 0.0)


def test_threshold_logits_and_tensors():
    target = torch.from_numpy(_image((5, 5))).bool()
    pred = torch.from_numpy(_image((5, 5))) * 0.6
    assert pd_fa(pred, target).pd == 1.0
    assert pd_fa(pred, target, threshold=0.6).pd == 0.0
    logits = torch.where(pred > 0, 0.4, -10.0)
    assert pd_fa(logits, target, from_logits=True).pd == 1.0  # sigmoid(0.4) = 0.599


def test_match_components_returns_indices():
    targets = np.array([[5.0, 4.0], [5.0, 8.0], [0.0, 0.0]])
    preds = np.array([[4.0, 6.0], [6.0, 2.0]])
    assert match_components(targets, preds).tolist() == [0, -1, -1]
    assert match_components(targets, preds, "optimal").tolist() == [1, 0, -1]
    assert match_components(np.zeros((0, 2)), preds).tolist() == []
    assert match_components(targets, np.zeros((0, 2))).tolist() == [-1, -1, -1]


def _maximum_matching_size(close: np.ndarray) -> int:
    """Oracle: try every one-to-one assignment between targets and predictions."""
    n_targets, n_preds = close.shape
    if n_targets <= n_preds:
        options = [
            zip(range(n_targets), perm, strict=True)
            for perm in itertools.permutations(range(n_preds), n_targets)
        ]
    else:
        options = [
            zip(perm, range(n_preds), strict=True)
            for perm in itertools.permutations(range(n_targets), n_preds)
        ]
    return max(sum(bool(close[t, p]) for t, p in pairs) for pairs in options)


@pytest.mark.parametrize("seed", range(20))
def test_optimal_is_a_maximum_matching(seed):
    rng = np.random.default_rng(seed)
    targets = rng.uniform(0, 6, (int(rng.integers(1, 5)), 2))
    preds = rng.uniform(0, 6, (int(rng.integers(1, 5)), 2))
    close = np.linalg.norm(targets[:, None] - preds[None], axis=-1) < 3
    greedy = match_components(targets, preds)
    optimal = match_components(targets, preds, "optimal")
    for match in (greedy, optimal):
        hit = match[match >= 0]
        assert len(set(hit.tolist())) == hit.size  # a prediction matches at most once
        assert all(close[t, p] for t, p in enumerate(match) if p >= 0)
    assert (optimal >= 0).sum() == _maximum_matching_size(close) >= (greedy >= 0).sum()


def test_match_components_validates_shapes():
    with pytest.raises(ValueError, match=r"Expected pred_centroids of shape \(N, 2\), got \(3,\)"):
        match_components(np.zeros((1, 2)), np.zeros(3))
