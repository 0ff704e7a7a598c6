"""gglnet.data.crop: random windows, a share of them centred on a target."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gglnet.data import random_crop
from gglnet.padding import PAD_MODES


def _scene(height: int, width: int, targets: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    for y, x in targets:
        mask[y, x] = 1
    return mask


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    height=st.integers(1, 80),
    width=st.integers(1, 80),
    size=st.integers(1, 48),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_target_centred_crops_contain_their_target(
    height: int, width: int, size: int, seed: int, data: st.DataObject
) -> None:
    y = data.draw(st.integers(0, height - 1))
    x = data.draw(st.integers(0, width - 1))
    mask = _scene(height, width, [(y, x)])
    image = np.arange(height * width, dtype=np.float32).reshape(height, width) + 1
    crop_image, crop_mask = random_crop(
        image, mask, size, np.random.default_rng(seed), target_fraction=1.0
    )
    assert crop_image.shape == crop_mask.shape == (size, size)
    assert crop_mask.sum() == 1
    # The target pixel keeps its image value: the window is a true cut of the image.
    assert crop_image[crop_mask == 1][0] == image[y, x]


def test_centred_on_one_of_several_targets_chosen_uniformly() -> None:
    mask = _scene(100, 300, [(50, 20), (50, 280)])
    image = np.zeros((100, 300), np.uint8)
    image[:, 150:] = 1  # tells which half a window came from
    picked = []
    for seed in range(200):
        crop_image, crop_mask = random_crop(image, mask, 32, np.random.default_rng(seed), 1.0)
        assert crop_mask.sum() == 1
        picked.append(int(crop_image[crop_mask == 1][0]))
    assert 60 < sum(picked) < 140


def test_target_fraction_is_the_share_of_centred_crops() -> None:
    # A 2x2 target in a 400x400 frame: a uniform 16x16 window holds it ~0.5% of the time.
    mask = np.zeros((400, 400), np.uint8)
    mask[300:302, 100:102] = 1
    image = np.zeros((400, 400), np.float32)
    found = [
        random_crop(image, mask, 16, np.random.default_rng(seed), target_fraction=0.5)[1].any()
        for seed in range(400)
    ]
    assert 0.4 < np.mean(found) < 0.6


def test_smaller_image_is_padded_with_zeros() -> None:
    image = np.full((10, 12, 3), 200, np.uint8)
    mask = _scene(10, 12, [(9, 11)])
    crop_image, crop_mask = random_crop(image, mask, 16, np.random.default_rng(0))
    assert crop_image.shape == (16, 16, 3) and crop_image.dtype == np.uint8
    assert crop_image[:10, :12].min() == 200 and crop_image[10:].max() == 0
    assert crop_mask[9, 11] == 1


@pytest.mark.parametrize("channels", [(), (3,)])
def test_smaller_image_is_padded_with_reflect(channels: tuple[int, ...]) -> None:
    image = np.arange(1, 10 * 12 + 1, dtype=np.float32).reshape(10, 12)
    image = np.stack([image] * channels[0], -1) if channels else image
    mask = _scene(10, 12, [(9, 11), (7, 8)])
    crop_image, crop_mask = random_crop(image, mask, 16, np.random.default_rng(0), 0.5, "reflect")
    assert crop_image.shape == (16, 16, *channels) and crop_image.dtype == np.float32
    np.testing.assert_array_equal(crop_image[:10, :12], image)
    np.testing.assert_array_equal(crop_image[10:16, :12], image[8:2:-1])  # row 9 not repeated
    np.testing.assert_array_equal(crop_image[:10, 12:16], image[:, 10:6:-1])
    np.testing.assert_array_equal(crop_image[10:, 12:], image[8:2:-1, 10:6:-1])
    # the mask is mirrored with the image: (9, 11) lies on both mirror axes, so stays one
    # pixel; (7, 8) comes back three times
    assert crop_mask.sum() == 1 + 4
    assert crop_mask[9, 11] == 1 and crop_mask[11, 11] == 0
    assert crop_mask[11, 8] == crop_mask[7, 14] == crop_mask[11, 14] == 1


@pytest.mark.parametrize("mode", PAD_MODES)
def test_larger_image_is_cut_alike_in_every_pad_mode(mode: str) -> None:
    image = np.random.default_rng(2).random((40, 30), dtype=np.float32)
    mask = _scene(40, 30, [(20, 10)])
    a = random_crop(image, mask, 16, np.random.default_rng(4), 0.5, mode)
    b = random_crop(image, mask, 16, np.random.default_rng(4))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_deterministic_for_a_seed_and_keeps_dtypes() -> None:
    rng_image = np.random.default_rng(1).random((64, 64), dtype=np.float32)
    mask = _scene(64, 64, [(5, 5), (40, 50)])
    a = random_crop(rng_image, mask, 24, np.random.default_rng(7))
    b = random_crop(rng_image, mask, 24, np.random.default_rng(7))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert a[0].dtype == np.float32 and a[1].dtype == np.uint8
    assert a[0].flags.c_contiguous and a[1].flags.c_contiguous


def test_no_target_falls_back_to_a_uniform_window() -> None:
    image = np.zeros((50, 50), np.float32)
    crop_image, crop_mask = random_crop(
        image, np.zeros((50, 50), np.uint8), 20, np.random.default_rng(0), target_fraction=1.0
    )
    assert crop_image.shape == crop_mask.shape == (20, 20)


def test_centroid_of_an_extended_target() -> None:
    mask = np.zeros((200, 200), np.uint8)
    cv2.circle(mask, (150, 60), 5, 1, -1)
    _, crop = random_crop(np.zeros((200, 200), np.float32), mask, 32, np.random.default_rng(3), 1.0)
    assert crop.sum() == mask.sum()  # the whole disc, centred


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "crop size must be a positive integer"),
        ({"size": True}, "crop size must be a positive integer"),
        ({"target_fraction": -0.1}, "target_fraction must lie in"),
        ({"mask": np.zeros((5, 6), np.uint8)}, "image and mask sizes differ"),
        ({"pad_mode": "mirror"}, "pad_mode must be one of"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    args = {
        "image": np.zeros((8, 8), np.float32),
        "mask": np.zeros((8, 8), np.uint8),
        "size": 4,
        "rng": np.random.default_rng(0),
    } | kwargs
    with pytest.raises(ValueError, match=message):
        random_crop(**args)
