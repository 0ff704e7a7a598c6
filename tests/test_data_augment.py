"""gglnet.data.augment: the recipe's SomeOf-style policy (paper §III-B)."""

from __future__ import annotations

import numpy as np
import pytest

from gglnet.data import Augment
from gglnet.data.augment import _OPERATIONS, OPERATIONS


def _sample(height: int = 24, width: int = 32) -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros((height, width), np.uint8)
    mask[3:6, 20:24] = 1
    mask[15, 2] = 1
    image = np.random.default_rng(0).uniform(0, 0.3, (height, width, 3)).astype(np.float32)
    image[mask == 1] = 0.9
    return image, mask


def test_ten_operations_as_in_the_recipe() -> None:
    assert len(OPERATIONS) == 10 and OPERATIONS.count("no_op") == 2
    assert set(OPERATIONS) == set(_OPERATIONS)


@pytest.mark.parametrize("name", ["vertical_flip", "horizontal_flip", "transpose", "rot90"])
def test_geometric_operations_move_mask_with_image(name: str) -> None:
    image, mask = _sample()
    for seed in range(4):  # rot90 draws k
        out_image, out_mask = _OPERATIONS[name](Augment(), image, mask, np.random.default_rng(seed))
        assert out_mask.sum() == mask.sum()
        np.testing.assert_array_equal(out_image[..., 0] > 0.5, out_mask == 1)


def test_shift_scale_rotate_keeps_mask_binary_and_aligned() -> None:
    image, mask = _sample(64, 64)
    for seed in range(5):
        out_image, out_mask = _OPERATIONS["shift_scale_rotate"](
            Augment(), image, mask, np.random.default_rng(seed)
        )
        assert out_image.shape == image.shape and out_image.dtype == np.float32
        assert set(np.unique(out_mask)) <= {0, 1} and out_mask.any()
        assert out_image[..., 0][out_mask == 1].mean() > 0.6  # targets stay under the mask


@pytest.mark.parametrize("name", ["brightness", "contrast", "gaussian_noise", "no_op"])
def test_photometric_operations_leave_mask_and_keep_grey_grey(name: str) -> None:
    image, mask = _sample()
    grey = np.repeat(image[..., :1], 3, axis=2)
    out_image, out_mask = _OPERATIONS[name](Augment(), grey, mask, np.random.default_rng(1))
    assert out_mask is mask
    assert out_image.dtype == np.float32
    np.testing.assert_array_equal(out_image[..., 0], out_image[..., 2])


def test_noise_variance_is_on_the_255_scale() -> None:
    flat = np.full((256, 256), 0.5, np.float32)
    policy = Augment(noise_var=(25.0, 25.0))
    out, _ = _OPERATIONS["gaussian_noise"](
        policy, flat, flat.astype(np.uint8), np.random.default_rng(0)
    )
    assert np.std(out * 255) == pytest.approx(5.0, rel=0.02)


def test_policy_is_reproducible_clipped_and_binary() -> None:
    image, mask = _sample()
    policy = Augment(p=1.0, n=10)  # every operation, in a random order
    a = policy(image, mask, np.random.default_rng(7))
    b = policy(image, mask, np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].min() >= 0 and a[0].max() <= 1 and a[0].flags.c_contiguous
    assert set(np.unique(a[1])) <= {0, 1} and a[1].flags.c_contiguous


def test_probability_zero_is_identity_and_half_augments_about_half() -> None:
    image, mask = _sample()
    out_image, out_mask = Augment(p=0.0)(image, mask, np.random.default_rng(0))
    np.testing.assert_array_equal(out_image, image)
    np.testing.assert_array_equal(out_mask, mask)
    changed = sum(
        not np.array_equal(Augment()(image, mask, np.random.default_rng(s))[0], image)
        for s in range(1000)
    )
    assert 440 < changed < 560  # p = 0.5 (3 drawn identities, 1 in 480, hardly count)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"p": 1.5}, "p must"), ({"n": 11}, "n must"), ({"noise_var": (50.0, 10.0)}, "noise_var")],
)
def test_bad_policy(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Augment(**kwargs)


def test_image_and_mask_must_agree() -> None:
    with pytest.raises(ValueError, match="sizes differ"):
        Augment()(np.zeros((4, 5), np.float32), np.zeros((5, 4), np.uint8), np.random.default_rng())
