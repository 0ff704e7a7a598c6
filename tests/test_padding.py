"""Padding to the model's size multiple: shapes, the pad modes (torch and NumPy alike), and
the gradient image kept intact."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import gglnet
from gglnet.inference import DEFAULT_SIZE_BUCKETS, bucket_size, pad_to_multiple, padded_size
from gglnet.padding import (
    PAD_MODES,
    check_pad_mode,
    model_pad_mode,
    pad_array,
    pad_bottom_right,
)

NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge"}


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


def test_pad_modes() -> None:
    assert PAD_MODES == ("zeros", "reflect", "replicate")
    assert all(check_pad_mode(mode) == mode for mode in PAD_MODES)


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize(
    ("size", "target"),
    [
        ((5, 7), (16, 16)),
        ((3, 2), (12, 9)),  # pads longer than the side: the reflection repeats
        ((1, 4), (3, 11)),  # a one-pixel side: replicated
        ((4, 1), (9, 2)),
        ((1, 1), (4, 4)),
        ((2, 3), (2, 8)),  # the width only
        ((2, 2), (2, 2)),  # nothing to pad
    ],
)
def test_torch_and_numpy_pad_alike(
    mode: str, size: tuple[int, int], target: tuple[int, int]
) -> None:
    grey = np.random.default_rng(0).integers(1, 255, size).astype(np.float32)
    expected = np.pad(grey, [(0, target[0] - size[0]), (0, target[1] - size[1])], NUMPY_MODES[mode])
    padded = pad_bottom_right(torch.from_numpy(grey), *target, mode).numpy()
    np.testing.assert_array_equal(padded, expected)
    np.testing.assert_array_equal(pad_array(grey, *target, mode), expected)
    colour = np.random.default_rng(1).integers(1, 255, (*size, 3)).astype(np.float32)
    channels_first = pad_bottom_right(torch.from_numpy(colour).permute(2, 0, 1), *target, mode)
    np.testing.assert_array_equal(
        channels_first.permute(1, 2, 0).numpy(), pad_array(colour, *target, mode)
    )


@pytest.mark.parametrize(
    ("image", "target", "mode", "expected"),
    [
        ([[0, 1, 2]], (1, 8), "reflect", [[0, 1, 2, 1, 0, 1, 2, 1]]),
        ([[1, 2, 3], [4, 5, 6]], (3, 5), "reflect", [[1, 2, 3, 2, 1], [4, 5, 6, 5, 4],
                                                     [1, 2, 3, 2, 1]]),
        ([[1], [2], [3]], (5, 2), "reflect", [[1, 1], [2, 2], [3, 3], [2, 2], [1, 1]]),
        ([[5]], (2, 3), "reflect", [[5, 5, 5], [5, 5, 5]]),
        ([[1, 2], [3, 4]], (3, 4), "replicate", [[1, 2, 2, 2], [3, 4, 4, 4], [3, 4, 4, 4]]),
        ([[1, 2], [3, 4]], (3, 3), "zeros", [[1, 2, 0], [3, 4, 0], [0, 0, 0]]),
    ],
)  # fmt: skip
def test_hand_computed_padding(image: list, target: tuple[int, int], mode: str, expected) -> None:
    padded = pad_bottom_right(torch.tensor(image, dtype=torch.float32), *target, mode)
    assert padded.tolist() == expected
    assert pad_array(np.array(image, np.uint8), *target, mode).tolist() == expected


@pytest.mark.parametrize("mode", PAD_MODES)
def test_leading_dims_are_kept(mode: str) -> None:
    image = torch.rand(2, 3, 5, 6)
    padded = pad_bottom_right(image, 9, 16, mode)
    assert padded.shape == (2, 3, 9, 16)
    assert torch.equal(padded[..., :5, :6], image)
    for b in range(2):
        for c in range(3):
            assert torch.equal(padded[b, c], pad_bottom_right(image[b, c], 9, 16, mode))


@pytest.mark.parametrize("mode", PAD_MODES)
def test_pad_to_multiple_with_a_mode(mode: str) -> None:
    image = torch.rand(1, 3, 20, 33)
    padded = pad_to_multiple(image, 16, mode)
    assert padded.shape == (1, 3, 32, 48)
    expected = np.pad(image.numpy(), [(0, 0), (0, 0), (0, 12), (0, 15)], NUMPY_MODES[mode])
    np.testing.assert_array_equal(padded.numpy(), expected)
    whole = torch.rand(3, 32, 48)
    assert pad_to_multiple(whole, 16, mode) is whole


def test_reflect_mirrors_without_repeating_the_last_row() -> None:
    image = torch.rand(3, 20, 20)
    padded = pad_to_multiple(image, 16, "reflect")
    assert torch.equal(padded[:, 20:, :20], image[:, 7:19].flip(-2))
    assert torch.equal(padded[:, :20, 20:], image[:, :, 7:19].flip(-1))


@pytest.mark.parametrize("mode", PAD_MODES)
def test_no_padding_returns_the_input_in_every_mode(mode: str) -> None:
    tensor, array = torch.rand(3, 8, 8), np.zeros((8, 8, 3), np.uint8)
    assert pad_bottom_right(tensor, 8, 8, mode) is tensor
    assert pad_array(array, 8, 8, mode) is array


@pytest.mark.parametrize("target", [(4, 9), (5, 8), (3, 3)])
def test_a_smaller_target_is_refused(target: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match=rf"cannot pad a 5x9 image to the smaller {target[0]}x"):
        pad_bottom_right(torch.zeros(3, 5, 9), *target)
    with pytest.raises(ValueError, match=r"cannot pad a 5x9 array to the smaller"):
        pad_array(np.zeros((5, 9)), *target)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape", [(0, 5), (4, 0)])
def test_nothing_to_mirror_is_refused(mode: str, shape: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match=rf"cannot {mode} an image with an empty side"):
        pad_bottom_right(torch.zeros(1, *shape), 8, 8, mode)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rf"cannot {mode} an array with an empty side"):
        pad_array(np.zeros(shape), 8, 8, mode)  # type: ignore[arg-type]
    assert pad_bottom_right(torch.zeros(1, *shape), 8, 8).shape == (1, 8, 8)  # zeros can


@pytest.mark.parametrize(
    ("model", "override", "expected"),
    [
        (SimpleNamespace(config=SimpleNamespace(pad_mode="reflect")), None, "reflect"),
        (SimpleNamespace(config=SimpleNamespace(pad_mode="reflect")), "zeros", "zeros"),
        (SimpleNamespace(config=SimpleNamespace(size_divisor=16)), None, "zeros"),  # older
        (torch.nn.Identity(), "replicate", "replicate"),
    ],
)
def test_model_pad_mode(model: object, override: str | None, expected: str) -> None:
    assert model_pad_mode(model, override) == expected  # type: ignore[arg-type]


def test_model_pad_mode_checks_what_it_returns() -> None:
    with pytest.raises(ValueError, match="pad_mode must be one of"):
        model_pad_mode(SimpleNamespace(config=SimpleNamespace(pad_mode="mirror")))


@pytest.mark.parametrize("mode", ["mirror", "constant", "edge", None, "Reflect"])
def test_an_unknown_mode_is_refused(mode: object) -> None:
    message = r"pad_mode must be one of \('zeros', 'reflect', 'replicate'\)"
    with pytest.raises(ValueError, match=message):
        check_pad_mode(mode)
    with pytest.raises(ValueError, match=message):
        pad_bottom_right(torch.zeros(1, 4, 4), 8, 8, mode)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        pad_array(np.zeros((4, 4)), 4, 4, mode)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        pad_to_multiple(torch.zeros(1, 4, 4), 16, mode)  # type: ignore[arg-type]
