"""Overlays: 8-bit RGB views of frames with boxes around the targets."""

from __future__ import annotations

import numpy as np
import pytest

from gglnet.inference.overlay import BOX_COLOR, BOX_MARGIN, draw_detections, to_display_rgb
from gglnet.metrics import Component


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (np.array([[0, 128, 255]], np.uint8), [0, 128, 255]),
        (np.array([[1000, 1500, 2000]], np.uint16), [0, 128, 255]),
        (np.array([[0.0, 0.5, 1.0]], np.float32), [0, 128, 255]),
        (np.full((1, 3, 1), 7, np.uint8), [7, 7, 7]),
    ],
)
def test_display_rgb(image: np.ndarray, expected: list[int]) -> None:
    rgb = to_display_rgb(image)
    assert rgb.shape == (1, 3, 3)
    assert rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[0, :, 0], expected)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_rgb_is_kept() -> None:
    image = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_display_rgb(image), image)


def test_a_box_surrounds_the_target_without_covering_it() -> None:
    image = np.zeros((40, 40), np.uint8)
    image[10:13, 20:24] = 200
    target = Component(centroid=(11.0, 21.5), bbox=(20, 10, 24, 13), area=12, peak_score=0.9)
    drawn = draw_detections(image, [target], scores=False)
    red = np.all(drawn == BOX_COLOR, axis=2)
    top, left = 10 - BOX_MARGIN, 20 - BOX_MARGIN
    bottom, right = 12 + BOX_MARGIN, 23 + BOX_MARGIN
    assert red[top, left : right + 1].all() and red[bottom, left : right + 1].all()
    assert red[top : bottom + 1, left].all() and red[top : bottom + 1, right].all()
    assert red.sum() == 2 * (right - left + 1) + 2 * (bottom - top - 1)
    np.testing.assert_array_equal(drawn[10:13, 20:24], 200)
    assert image.max() == 200 and image.ndim == 2


def test_scores_are_written_and_boxes_clip_at_the_border() -> None:
    image = np.zeros((30, 30), np.uint8)
    target = Component(centroid=(0.0, 0.0), bbox=(0, 0, 1, 1), area=1, peak_score=0.75)
    without = draw_detections(image, [target], scores=False)
    with_score = draw_detections(image, [target])
    assert np.all(without[0, : BOX_MARGIN + 1] == BOX_COLOR)
    assert not np.all(without[0, BOX_MARGIN + 1 :] == BOX_COLOR, axis=-1).any()
    assert (with_score != without).any()


def test_score_of_a_target_at_the_right_edge_stays_in_the_frame() -> None:
    image = np.zeros((40, 60), np.uint8)
    target = Component(centroid=(20.0, 58.5), bbox=(57, 19, 60, 22), area=9, peak_score=1.0)
    with_score = draw_detections(image, [target])
    without = draw_detections(image, [target], scores=False)
    text = np.any(with_score != without, axis=2)
    columns = np.flatnonzero(text.any(axis=0))
    # "1.00" is about 20 px wide at the overlay's font size: all of it is drawn, left of the box.
    assert columns.max() <= 59 and columns.max() - columns.min() >= 15
