"""Padding frames to the model's size multiple, and cropping results back."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["pad_to_multiple", "padded_size"]


def padded_size(height: int, width: int, multiple: int) -> tuple[int, int]:
    """The smallest ``(H', W')`` with ``H' >= height``, ``W' >= width``, both multiples."""
    return -(-height // multiple) * multiple, -(-width // multiple) * multiple


def pad_to_multiple(image: torch.Tensor, multiple: int) -> torch.Tensor:
    """Zero-pad the bottom and right of an image so H and W become multiples of ``multiple``.

    Zeros, not a reflection: the model's gradient image already treats everything beyond the
    border as 0 (SPEC §2), so on the original pixels the gradient of the padded frame equals
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
