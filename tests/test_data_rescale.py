"""gglnet.data.rescale: random rescaling of a training sample, every target kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gglnet.data import IRSTDDataset, random_rescale, write_synthetic_dataset
from gglnet.data.rescale import check_scale_range


def _targets(mask: np.ndarray) -> int:
    return cv2.connectedComponents(mask, connectivity=8)[0] - 1


@pytest.mark.parametrize(
    ("scale", "shape"), [(0.5, (20, 30)), (1.0, (40, 60)), (2.0, (80, 120)), (0.01, (1, 1))]
)
@pytest.mark.parametrize("channels", [None, 1, 3])
def test_output_size_and_dtypes(scale: float, shape: tuple[int, int], channels: int | None) -> None:
    rng = np.random.default_rng(0)
    image = rng.random((40, 60) if channels is None else (40, 60, channels), np.float32)
    mask = np.zeros((40, 60), np.uint8)
    mask[10:14, 20:24] = 1
    out_image, out_mask = random_rescale(image, mask, (scale, scale), rng)
    assert out_image.shape[:2] == out_mask.shape == shape
    assert out_image.shape[2:] == image.shape[2:]
    assert out_image.dtype == np.float32 and out_mask.dtype == np.uint8
    assert set(np.unique(out_mask)) <= {0, 1}


def test_upscaling_grows_a_target_by_the_square_of_the_factor() -> None:
    mask = np.zeros((40, 60), np.uint8)
    mask[10:14, 20:24] = 1
    _, out = random_rescale(
        np.zeros((40, 60), np.float32), mask, (2.0, 2.0), np.random.default_rng(0)
    )
    assert out.sum() == 16 * 4


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    points=st.lists(st.tuples(st.integers(0, 63), st.integers(0, 63)), min_size=1, max_size=12),
    low=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_target_vanishes_when_shrinking(
    points: list[tuple[int, int]], low: float, seed: int
) -> None:
    mask = np.zeros((64, 64), np.uint8)
    for y, x in points:
        mask[y, x] = 1
    _, out = random_rescale(
        np.zeros((64, 64), np.float32), mask, (low, 1.0), np.random.default_rng(seed)
    )
    if _targets(mask) and out.size > 1:
        assert _targets(out) >= 1
        # every original target still owns a pixel near its place (merges may join targets)
        for y, x in points:
            row = min(int((y + 0.5) * out.shape[0] / 64), out.shape[0] - 1)
            col = min(int((x + 0.5) * out.shape[1] / 64), out.shape[1] - 1)
            assert out[max(0, row - 1) : row + 2, max(0, col - 1) : col + 2].any()


def test_factors_are_log_uniform_within_the_range_and_seeded() -> None:
    image, mask = np.zeros((100, 100), np.float32), np.zeros((100, 100), np.uint8)
    sides = [
        random_rescale(image, mask, (0.5, 2.0), np.random.default_rng(s))[1].shape[0]
        for s in range(400)
    ]
    assert min(sides) >= 50 and max(sides) <= 200
    shrunk = sum(side < 100 for side in sides) / len(sides)
    assert 0.4 < shrunk < 0.6  # log-uniform: as likely to shrink as to grow
    again = [
        random_rescale(image, mask, (0.5, 2.0), np.random.default_rng(s))[1].shape[0]
        for s in range(400)
    ]
    assert sides == again


@pytest.mark.parametrize(
    ("scale_range", "message"),
    [((0, 1), "0 < low <= high"), ((2, 1), "0 < low <= high"), ((1,), "two numbers"),
     (("a", 1), "two numbers"), ((1, float("nan")), "0 < low <= high")],
)  # fmt: skip
def test_bad_scale_ranges(scale_range: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_scale_range(scale_range)


@pytest.mark.parametrize(
    ("image", "mask", "message"),
    [(np.zeros((4, 5), np.float32), np.zeros((5, 4), np.uint8), "same size"),
     (np.zeros((4, 5), np.float32), np.zeros((4, 5, 1), np.uint8), "same size"),
     (np.zeros((4, 5, 3, 1), np.float32), np.zeros((4, 5), np.uint8), "same size"),
     (np.zeros((4, 5), np.float32), np.zeros((4, 5), bool), "uint8 of 0 and 1, got bool"),
     (np.zeros((4, 5), np.float32), np.full((4, 5), 255, np.uint8), "maximum 255")],
)  # fmt: skip
def test_bad_inputs_are_refused(image: np.ndarray, mask: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        random_rescale(image, mask, (1, 2), np.random.default_rng(0))


def test_dataset_rescales_before_the_crop(tmp_path) -> None:
    root = write_synthetic_dataset(tmp_path / "data", n=4, size=32, seed=0, test_fraction=0.25)
    data = IRSTDDataset(root, size=None, crop=24, scale_range=(0.5, 2.0), augment=False)
    for index in range(len(data)):
        item = data[index]
        assert item["image"].shape == (3, 24, 24) and item["mask"].shape == (1, 24, 24)
    # doubled, then cropped to the doubled size: each target pixel is now a 2x2 block
    doubled = IRSTDDataset(root, size=None, crop=64, scale_range=(2, 2), augment=False)
    for index in range(len(doubled)):
        _, mask = doubled.load(index)
        assert mask is not None and mask.sum() > 0
        assert int(doubled[index]["mask"].sum()) == 4 * int(mask.sum())
    with pytest.raises(ValueError, match="needs a crop"):
        IRSTDDataset(root, size=None, scale_range=(0.5, 2.0))
