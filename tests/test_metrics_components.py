"""Connected components shared by Pd/Fa and detections (gglnet/metrics/components.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gglnet.metrics import Component, find_components
from gglnet.metrics.components import component_stats


def _flood_fill(mask: np.ndarray) -> list[list[tuple[int, int]]]:
    """Oracle: 8-connected components by breadth-first search, in raster order of first pixel."""
    seen = np.zeros_like(mask)
    components = []
    for y, x in zip(*np.nonzero(mask), strict=True):
        if seen[y, x]:
            continue
        seen[y, x] = True
        queue, pixels = [(y, x)], []
        while queue:
            cy, cx = queue.pop()
            pixels.append((cy, cx))
            for ny in range(max(cy - 1, 0), min(cy + 2, mask.shape[0])):
                for nx in range(max(cx - 1, 0), min(cx + 2, mask.shape[1])):
                    if mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        components.append(pixels)
    return components


def _mask(shape: tuple[int, int], *pixels: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for y, x in pixels:
        mask[y, x] = True
    return mask


def test_diagonal_neighbours_are_one_component():
    (component,) = find_components(_mask((6, 6), (2, 2), (3, 3)))
    assert component == Component(centroid=(2.5, 2.5), bbox=(2, 2, 4, 4), area=2)


def test_fields_of_a_component():
    mask = _mask((10, 12), (4, 7), (4, 8), (5, 8))
    scores = np.zeros((10, 12), np.float32)
    scores[4, 8] = 0.75
    (component,) = find_components(mask, scores)
    assert component.centroid == (13 / 3, 23 / 3)
    assert component.bbox == (7, 4, 9, 6)
    assert component.area == 3
    assert component.peak_score == 0.75


def test_label_order_is_raster_order_of_first_pixel():
    # A block-based labeller (OpenCV's default) numbers the blob starting at (1, 0) first.
    mask = _mask((4, 6), (1, 0), (0, 3))
    assert [c.centroid for c in find_components(mask)] == [(0.0, 3.0), (1.0, 0.0)]


def test_to_dict_is_json_ready():
    scores = np.full((4, 4), 0.5)
    (component,) = find_components(_mask((4, 4), (1, 1)), scores)
    as_dict = component.to_dict()
    assert as_dict == {"centroid": [1.0, 1.0], "bbox": [1, 1, 2, 2], "area": 1, "peak_score": 0.5}
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert all(type(v) is int for v in as_dict["bbox"])
    (no_score,) = find_components(_mask((4, 4), (1, 1)))
    assert json.loads(json.dumps(no_score.to_dict()))["peak_score"] is None


def test_empty_mask():
    assert find_components(np.zeros((5, 7), bool)) == []
    stats = component_stats(np.zeros((5, 7), bool), np.zeros((5, 7)))
    assert stats.area.shape == (0,) and stats.centroid.shape == (0, 2)
    assert stats.bbox.shape == (0, 4) and stats.peak.shape == (0,)


@pytest.mark.parametrize(
    "pixels",
    [
        [(0, 0), (2, 0)],  # one empty row between: two components
        [(0, 0), (0, 2)],  # one empty column between
        [(0, 0), (1, 1), (3, 3), (3, 4)],  # diagonal pair, gap, horizontal pair
        [(9, 9), (0, 9), (9, 0)],  # corners
    ],
)
def test_sparse_packing_keeps_components_apart(pixels):
    mask = _mask((10, 10), *pixels)
    expected = _flood_fill(mask)
    assert [c.area for c in find_components(mask)] == [len(p) for p in expected]


@pytest.mark.parametrize("shape", [(1, 1), (1, 17), (13, 1), (23, 31), (64, 48)])
@pytest.mark.parametrize("density", [0.05, 0.3, 0.6])
def test_matches_flood_fill_oracle(shape, density):
    rng = np.random.default_rng([*shape, int(density * 100)])
    mask = rng.random(shape) < density
    scores = rng.random(shape)
    expected = _flood_fill(mask)
    found = find_components(mask, scores)
    assert len(found) == len(expected)
    for component, pixels in zip(found, expected, strict=True):
        ys, xs = np.array(pixels).T
        assert component.area == len(pixels)
        assert component.centroid == (ys.mean(), xs.mean())  # exact: unweighted mean
        assert component.bbox == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert component.peak_score == scores[ys, xs].max()


def test_integer_scores():
    scores = np.arange(16).reshape(4, 4)
    (component,) = find_components(_mask((4, 4), (1, 1), (2, 2)), scores)
    assert component.peak_score == 10.0


@pytest.mark.parametrize(
    ("mask", "scores", "error", "message"),
    [
        (np.zeros((4, 4), np.float32), None, TypeError, "bool numpy array .* got float32"),
        ([[True]], None, TypeError, "got list"),
        (np.zeros((1, 4, 4), bool), None, ValueError, r"Expected mask of shape \(H, W\)"),
        (np.zeros((4, 4), bool), np.zeros((4, 5)), ValueError, r"\(4, 4\) vs \(4, 5\)"),
        (np.zeros((4, 4), bool), np.zeros((4, 4), bool), TypeError, "real numpy array"),
    ],
)
def test_validation(mask, scores, error, message):
    with pytest.raises(error, match=message):
        find_components(mask, scores)
