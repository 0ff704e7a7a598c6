"""gglnet.data.edge_pad: samples whose bottom and right edges are padded, as inference pads."""

from __future__ import annotations

import numpy as np
import pytest

from gglnet.data import random_edge_pad
from gglnet.padding import PAD_MODES, pad_array


def _sample(
    height: int = 12, width: int = 10, channels: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """An image of distinct values from 1 up (no zeros) and a mask with targets at the edge."""
    shape = (height, width) if channels is None else (height, width, channels)
    image = np.arange(1, np.prod(shape) + 1, dtype=np.float32).reshape(shape)
    mask = np.zeros((height, width), np.uint8)
    mask[1:3, 1:3] = 1
    mask[-3:, -4:-1] = 1  # at the bottom edge: cut short, then mirrored back
    return image, mask


def _padded_rows_and_cols(image: np.ndarray, original: np.ndarray) -> tuple[int, int]:
    """``(dh, dw)``: how many last rows and columns were padded (the first column and row never
    are, and every value of ``original`` is distinct from the padding's)."""
    rows = (image[:, 0] != original[:, 0]).reshape(image.shape[0], -1).any(-1)
    cols = (image[0] != original[0]).reshape(image.shape[1], -1).any(-1)
    dh, dw = int(rows.sum()), int(cols.sum())
    assert rows[image.shape[0] - dh :].all() and cols[image.shape[1] - dw :].all()  # trailing
    return dh, dw


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize(
    ("channels", "dtype"), [(None, np.float32), (3, np.float32), (None, np.uint8), (3, np.uint16)]
)
def test_shape_and_dtype_are_kept(mode: str, channels: int | None, dtype: type) -> None:
    image, mask = _sample(channels=channels)
    image = image.astype(dtype)
    padded, padded_mask = random_edge_pad(image, mask, 4, np.random.default_rng(0), mode)
    assert padded.shape == image.shape and padded.dtype == dtype
    assert padded_mask.shape == mask.shape and padded_mask.dtype == np.uint8
    assert padded.flags.c_contiguous and padded_mask.flags.c_contiguous


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("max_pad", [1, 3, 7])
def test_only_the_last_rows_and_columns_change(mode: str, max_pad: int) -> None:
    image, mask = _sample(channels=3)
    for seed in range(30):
        padded, _ = random_edge_pad(image, mask, max_pad, np.random.default_rng(seed), mode)
        np.testing.assert_array_equal(padded[:-max_pad, :-max_pad], image[:-max_pad, :-max_pad])


@pytest.mark.parametrize("max_pad", [1, 2, 5, 15])
def test_zeros_pad_at_most_max_pad_and_at_least_one(max_pad: int) -> None:
    image, mask = _sample(20, 24)
    seen = set()
    for seed in range(60):
        padded, padded_mask = random_edge_pad(image, mask, max_pad, np.random.default_rng(seed))
        dh, dw = _padded_rows_and_cols(padded, image)
        assert 0 <= dh <= max_pad and 0 <= dw <= max_pad and dh + dw >= 1, (seed, dh, dw)
        assert (padded[20 - dh :] == 0).all() and (padded[:, 24 - dw :] == 0).all()
        assert (padded_mask[20 - dh :] == 0).all() and (padded_mask[:, 24 - dw :] == 0).all()
        np.testing.assert_array_equal(padded[: 20 - dh, : 24 - dw], image[: 20 - dh, : 24 - dw])
        seen.add((dh, dw))
    if max_pad <= 2:  # every (dh, dw) but (0, 0) is drawn
        assert seen == {(h, w) for h in range(max_pad + 1) for w in range(max_pad + 1)} - {(0, 0)}


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_mask_is_padded_as_the_image(mode: str) -> None:
    image, mask = _sample(12, 10)
    labelled = image * mask  # the mask's pattern, in the image's values
    for seed in range(30):
        padded, padded_mask = random_edge_pad(image, mask, 4, np.random.default_rng(seed), mode)
        again, _ = random_edge_pad(labelled, mask, 4, np.random.default_rng(seed), mode)
        np.testing.assert_array_equal(padded_mask, again != 0)
        dh, dw = _padded_rows_and_cols(padded, image)
        assert dh + dw >= 1
        keep = (slice(0, 12 - dh), slice(0, 10 - dw))
        np.testing.assert_array_equal(padded, pad_array(image[keep], 12, 10, mode))
        np.testing.assert_array_equal(padded_mask, pad_array(mask[keep], 12, 10, mode))


def test_reflect_mirrors_about_the_last_kept_row_and_column() -> None:
    image = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
    mask = (image > 12).astype(np.uint8)  # the bottom row
    results = set()
    for seed in range(40):
        padded, padded_mask = random_edge_pad(
            image, mask, 1, np.random.default_rng(seed), "reflect"
        )
        dh, dw = _padded_rows_and_cols(padded, image)
        if dh:
            np.testing.assert_array_equal(padded[3], padded[1])
            assert padded_mask[3].sum() == 0  # row 1 holds no target
        if dw:
            np.testing.assert_array_equal(padded[:, 3], padded[:, 1])
        results.add((dh, dw))
    assert results == {(1, 0), (0, 1), (1, 1)}


def test_pads_longer_than_the_side_keep_one_pixel() -> None:
    image, mask = _sample(3, 2)
    for seed in range(20):
        padded, _ = random_edge_pad(image, mask, 15, np.random.default_rng(seed))
        assert padded.shape == (3, 2) and padded[0, 0] == image[0, 0]


@pytest.mark.parametrize(("height", "width"), [(1, 10), (10, 1)])
def test_a_one_pixel_side_pads_the_other(height: int, width: int) -> None:
    image, mask = _sample(height, width)
    for seed in range(50):
        padded, _ = random_edge_pad(image, mask, 3, np.random.default_rng(seed))
        dh, dw = _padded_rows_and_cols(padded, image)
        assert (dh, dw) != (0, 0)
        assert (dh if height == 1 else dw) == 0


def test_a_one_pixel_sample_is_returned_as_it_is() -> None:
    image, mask = _sample(1, 1)
    padded, padded_mask = random_edge_pad(image, mask, 3, np.random.default_rng(0))
    assert np.array_equal(padded, image) and np.array_equal(padded_mask, mask)


def test_deterministic_for_a_seeded_rng() -> None:
    image, mask = _sample(channels=3)
    a = random_edge_pad(image, mask, 6, np.random.default_rng(5), "reflect")
    b = random_edge_pad(image, mask, 6, np.random.default_rng(5), "reflect")
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    others = [random_edge_pad(image, mask, 6, np.random.default_rng(s))[0] for s in range(8)]
    assert any(not np.array_equal(others[0], other) for other in others[1:])


def test_inputs_are_not_modified() -> None:
    image, mask = _sample()
    before = image.copy(), mask.copy()
    random_edge_pad(image, mask, 5, np.random.default_rng(0))
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(mask, before[1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mask": np.zeros((5, 6), np.uint8)}, "image and mask sizes differ"),
        ({"max_pad": 0}, "max_pad must be a positive integer, got 0"),
        ({"max_pad": -2}, "max_pad must be a positive integer"),
        ({"max_pad": 2.0}, "max_pad must be a positive integer"),
        ({"max_pad": True}, "max_pad must be a positive integer"),
        ({"pad_mode": "mirror"}, r"pad_mode must be one of \('zeros', 'reflect', 'replicate'\)"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    args = {
        "image": np.zeros((8, 8), np.float32),
        "mask": np.zeros((8, 8), np.uint8),
        "max_pad": 3,
        "rng": np.random.default_rng(0),
    } | kwargs
    with pytest.raises(ValueError, match=message):
        random_edge_pad(**args)
