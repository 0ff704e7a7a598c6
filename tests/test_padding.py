"""Padding to the model's size multiple: shapes, zeros, and the gradient image kept intact."""

from __future__ import annotations

import pytest
import torch

import gglnet
from gglnet.inference import DEFAULT_SIZE_BUCKETS, bucket_size, pad_to_multiple, padded_size


@pytest.mark.parametrize(
    ("size", "multiple", "expected"),
    [
        ((16, 16), 16, (16, 16)),
        ((17, 1), 16, (32, 16)),
        ((50, 70), 16, (64, 80)),
        ((5, 6), 4, (8, 8)),
    ],
)
def test_padded_size(size: tuple[int, int], multiple: int, expected: tuple[int, int]) -> None:
    assert padded_size(*size, multiple) == expected


@pytest.mark.parametrize("shape", [(3, 50, 70), (2, 3, 17, 33), (9, 1)])
def test_pads_bottom_right_with_zeros(shape: tuple[int, ...]) -> None:
    image = torch.rand(shape) + 0.1
    padded = pad_to_multiple(image, 16)
    height, width = shape[-2:]
    assert padded.shape[-2:] == padded_size(height, width, 16)
    assert padded.shape[:-2] == image.shape[:-2]
    assert torch.equal(padded[..., :height, :width], image)
    assert padded[..., height:, :].eq(0).all()
    assert padded[..., :, width:].eq(0).all()


def test_no_padding_returns_the_input() -> None:
    image = torch.rand(3, 32, 48)
    assert pad_to_multiple(image, 16) is image


def test_gradient_image_of_the_original_pixels_is_unchanged() -> None:
    image = torch.rand(1, 3, 21, 30)
    padded = pad_to_multiple(image, 16)
    torch.testing.assert_close(
        gglnet.gradient_magnitude(padded)[..., :21, :30], gglnet.gradient_magnitude(image)
    )


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((220, 325), (256, 384)),
        ((256, 256), (256, 256)),
        ((1, 1), (256, 256)),
        ((513, 100), (768, 256)),
        ((1100, 90), (1104, 256)),  # above every bucket: the next multiple of 16
    ],
)
def test_bucket_size(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert bucket_size(*size, DEFAULT_SIZE_BUCKETS, 16) == expected
