"""Random rescaling of a training image and its mask, so that a model learns across scales.

A model trained at one scale is best run at that scale; frames come at many. Rescaling each
training sample by a random factor before it is cropped shows the network targets and clutter
at the sizes around the native one (SIRST's images vary from about 180 to 420 pixels a side,
so a fixed resize to 256x256 already mixes scales; native-scale crops alone do not).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.random import Generator

__all__ = ["check_scale_range", "random_rescale"]


def check_scale_range(scale_range: tuple[float, float]) -> tuple[float, float]:
    """``(low, high)`` as floats, checked: ``0 < low <= high``, both finite.

    Raises:
        ValueError: anything else (the message shows what came).
    """
    try:
        low, high = (float(value) for value in scale_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"scale range must be two numbers (low, high), got {scale_range!r}"
        ) from None
    if not (0 < low <= high and math.isfinite(high)):
        raise ValueError(f"scale range must satisfy 0 < low <= high (finite), got ({low}, {high})")
    return low, high


def random_rescale(
    image: np.ndarray,
    mask: np.ndarray,
    scale_range: tuple[float, float],
    rng: Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Resize an image and its mask by one factor drawn log-uniformly from ``scale_range``.

    The image is resampled with area averaging when it shrinks and bilinearly when it grows;
    the mask with nearest-neighbour sampling, so it stays binary. A target that shrinks away
    under nearest-neighbour sampling keeps one pixel at its centroid: every target of the
    mask is still there, so the loss never teaches the network to ignore a visible target.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` float32 in ``[0, 1]``.
        mask: ``(H, W)`` uint8 of 0 and 1.
        scale_range: ``(low, high)`` with ``0 < low <= high``; ``(1, 1)`` returns the inputs.
        rng: the only source of randomness (one draw).

    Returns:
        ``(image, mask)`` of ``(round(H * s), round(W * s)[, C])`` (at least 1 pixel a side),
        same dtypes.

    Raises:
        ValueError: the image and mask sizes differ, a mask that is not uint8 of 0 and 1, or
            a bad ``scale_range``.

    Example:
        >>> mask = np.zeros((40, 60), np.uint8); mask[20, 30] = 1
        >>> image, small = random_rescale(np.zeros((40, 60), np.float32), mask, (0.5, 0.5),
        ...                               np.random.default_rng(0))
        >>> image.shape, int(small.sum())
        ((20, 30), 1)
    """
    if mask.ndim != 2 or image.ndim not in (2, 3) or image.shape[:2] != mask.shape:
        raise ValueError(
            f"expected an (H, W[, C]) image and an (H, W) mask of the same size, got "
            f"{image.shape} and {mask.shape}"
        )
    if mask.dtype != np.uint8 or mask.max(initial=0) > 1:
        raise ValueError(
            f"mask must be uint8 of 0 and 1, got {mask.dtype} with maximum {mask.max(initial=0)}"
        )
    low, high = check_scale_range(scale_range)
    scale = math.exp(rng.uniform(math.log(low), math.log(high)))
    height, width = mask.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # cv2: (W, H)
    if size == (width, height):
        return image, mask
    shrink = size[0] * size[1] < width * height
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    image = resized.reshape(size[1], size[0], *image.shape[2:])  # cv2 drops a single channel
    scaled = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST_EXACT)
    if shrink:
        _keep_every_target(mask, scaled)
    return image, scaled


def _keep_every_target(mask: np.ndarray, scaled: np.ndarray) -> None:
    """Give each target of ``mask`` that vanished from ``scaled`` its centroid pixel there."""
    count, labels, _, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return
    new_height, new_width = scaled.shape
    # Labels are small integers, exact in float32; the same sampling as the mask's.
    kept = cv2.resize(
        labels.astype(np.float32), (new_width, new_height), interpolation=cv2.INTER_NEAREST_EXACT
    )
    lost = np.setdiff1d(np.arange(1, count), kept.astype(np.int64))
    height, width = mask.shape
    for label in lost:
        x, y = centroids[label]
        row = min(int(y * new_height / height), new_height - 1)
        col = min(int(x * new_width / width), new_width - 1)
        scaled[row, col] = 1
