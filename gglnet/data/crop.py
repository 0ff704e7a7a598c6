"""Random training crops, a share of them centred on a target (as BasicIRSTD samples).

Training on crops of the images at their native scale keeps targets at the size they have in
real frames, so the weights work on full frames of any size (the network is fully
convolutional). An image smaller than the crop is padded at the bottom and right first (zeros,
or the model's :data:`~gglnet.padding.PAD_MODES`, as frames are padded for it at inference).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.random import Generator

from gglnet.padding import PadMode, check_pad_mode, pad_array

__all__ = ["random_crop"]


def random_crop(
    image: np.ndarray,
    mask: np.ndarray,
    size: int,
    rng: Generator,
    target_fraction: float = 0.5,
    pad_mode: PadMode = "zeros",
) -> tuple[np.ndarray, np.ndarray]:
    """Cut one ``size x size`` window from an image and its mask.

    With probability ``target_fraction`` (and when the mask holds a target) the window is
    centred on one target, chosen uniformly among the mask's 8-connected components: on its
    centroid, moved only as far as needed to stay inside the (padded) image, so the target is
    always inside the window. Otherwise the window's position is uniform.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` array of any dtype.
        mask: ``(H, W)`` uint8 of 0 and 1.
        size: side of the window, >= 1.
        rng: the only source of randomness.
        target_fraction: share of windows centred on a target, in ``[0, 1]``.
        pad_mode: how an image smaller than ``size`` is padded (its mask the same way, so a
            mirrored target stays labelled).

    Returns:
        ``(image, mask)`` of ``(size, size[, C])``, same dtypes, contiguous.

    Raises:
        ValueError: sizes of image and mask differ, bad ``size`` or ``target_fraction``.

    Example:
        >>> mask = np.zeros((40, 60), np.uint8); mask[30, 50] = 1
        >>> image, crop = random_crop(np.zeros((40, 60), np.float32), mask, 16,
        ...                           np.random.default_rng(0), target_fraction=1.0)
        >>> image.shape, int(crop.sum())
        ((16, 16), 1)
    """
    if image.shape[:2] != mask.shape:
        raise ValueError(f"image and mask sizes differ: {image.shape[:2]} vs {mask.shape}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"crop size must be a positive integer, got {size!r}")
    if not 0 <= target_fraction <= 1:
        raise ValueError(f"target_fraction must lie in [0, 1], got {target_fraction}")
    check_pad_mode(pad_mode)
    image, mask = _pad_to(image, size, pad_mode), _pad_to(mask, size, pad_mode)
    height, width = mask.shape
    centred = rng.random() < target_fraction
    centroids = _target_centroids(mask) if centred else None
    if centroids is not None and len(centroids):
        x, y = centroids[rng.integers(len(centroids))]
        top = int(np.clip(round(y) - size // 2, 0, height - size))
        left = int(np.clip(round(x) - size // 2, 0, width - size))
    else:
        top = int(rng.integers(height - size + 1))
        left = int(rng.integers(width - size + 1))
    window = (slice(top, top + size), slice(left, left + size))
    return np.ascontiguousarray(image[window]), np.ascontiguousarray(mask[window])


def _pad_to(array: np.ndarray, size: int, mode: PadMode) -> np.ndarray:
    height, width = array.shape[:2]
    return pad_array(array, max(height, size), max(width, size), mode)


def _target_centroids(mask: np.ndarray) -> np.ndarray:
    """``(N, 2)`` (x, y) centroids of the mask's 8-connected components."""
    count, _, _, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return centroids[1:count]
