"""Padding frames to the model's size multiple, and cropping results back: the one home of the
padding arithmetic (the model's input check, evaluation, Predictor and its shape buckets)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = ["DEFAULT_SIZE_BUCKETS", "bucket_size", "pad_to_multiple", "padded_size"]

DEFAULT_SIZE_BUCKETS: tuple[int, ...] = (256, 384, 512, 768, 1024)
"""Sides a compiled :class:`gglnet.Predictor` pads frames up to, so that a stream of mixed
sizes compiles a few graphs instead of one per size."""


def padded_size(height: int, width: int, multiple: int) -> tuple[int, int]:
    """The smallest ``(H', W')`` with ``H' >= height``, ``W' >= width``, both multiples."""
    return -(-height // multiple) * multiple, -(-width // multiple) * multiple


def bucket_size(height: int, width: int, buckets: Sequence[int], multiple: int) -> tuple[int, int]:
    """The padded ``(H', W')`` of a frame: each side up to the smallest bucket that holds it.

    A side longer than every bucket is padded to a multiple of ``multiple`` only (it gets a
    graph of its own). Height and width are bucketed independently, so 5 buckets give at most
    25 shapes (fewer in practice: frames of one camera share an aspect ratio).

    Args:
        height, width: the frame's size.
        buckets: allowed sides, each a multiple of ``multiple``.
        multiple: the model's size divisor.

    Returns:
        ``(H', W')`` with ``H' >= height`` and ``W' >= width``.

    Example:
        >>> bucket_size(220, 325, (256, 384, 512), 16)
        (256, 384)
        >>> bucket_size(600, 100, (256, 384, 512), 16)
        (608, 256)
    """
    sides = sorted(buckets)
    fallback = padded_size(height, width, multiple)
    return (
        next((b for b in sides if b >= height), fallback[0]),
        next((b for b in sides if b >= width), fallback[1]),
    )


def pad_to_multiple(image: torch.Tensor, multiple: int) -> torch.Tensor:
    """Zero-pad the bottom and right of an image so H and W become multiples of ``multiple``.

    Zeros, not a reflection: the model's gradient image already treats everything beyond the
    border as 0 (paper Fig. 1), so on the original pixels the gradient of the padded frame equals
    that of the frame itself, and the first convolutions see the same zeros their own padding
    supplies. The original pixels keep their coordinates: crop the result with
    ``out[..., :H, :W]``.

    Args:
        image: ``(..., H, W)`` tensor, e.g. ``(3, H, W)`` or ``(B, 3, H, W)``.
        multiple: the size divisor (16 for GGL-Net, ``model.config.size_divisor``).

    Returns:
        ``(..., H', W')`` with ``(H', W') = padded_size(H, W, multiple)``; ``image`` itself when
        no padding is needed.

    Example:
        >>> pad_to_multiple(torch.ones(3, 20, 33), 16).shape
        torch.Size([3, 32, 48])
    """
    height, width = image.shape[-2:]
    target_h, target_w = padded_size(height, width, multiple)
    if (target_h, target_w) == (height, width):
        return image
    return F.pad(image, (0, target_w - width, 0, target_h - height))
