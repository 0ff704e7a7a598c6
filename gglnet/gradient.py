"""The paper's gradient image (paper Fig. 1, the authors' ``gradient_1order``)."""

from __future__ import annotations

from typing import TypeVar, overload

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GradientMagnitude", "gradient_magnitude"]

ArrayT = TypeVar("ArrayT", torch.Tensor, np.ndarray)

_NUMPY_FLOATS = (np.float16, np.float32, np.float64)


def _gradient_magnitude(x: torch.Tensor) -> torch.Tensor:
    """Central-difference gradient magnitude of a ``(..., H, W)`` float tensor, zero padded."""
    padded = F.pad(x, (1, 1, 1, 1))
    gx = (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2]) / 2
    gy = (padded[..., :-2, 1:-1] - padded[..., 2:, 1:-1]) / 2
    squared = gx * gx + gy * gy
    # sqrt'(0) is infinite: route flat pixels through sqrt(1) so their gradient is 0, not NaN,
    # without changing any value (the double-where trick).
    flat = squared == 0
    return torch.where(flat, torch.zeros_like(squared), torch.where(flat, 1.0, squared).sqrt())


@overload
def gradient_magnitude(x: torch.Tensor) -> torch.Tensor: ...
@overload
def gradient_magnitude(x: np.ndarray) -> np.ndarray: ...


def gradient_magnitude(x: ArrayT) -> ArrayT:
    """Per-channel gradient magnitude, the paper's gradient image (paper Fig. 1).

    ``G(y, x) = sqrt(((I(y, x+1) - I(y, x-1)) / 2)^2 + ((I(y-1, x) - I(y+1, x)) / 2)^2)``
    with zeros beyond the image border. Differentiable, with finite gradients on flat
    regions (where ``G = 0``).

    Args:
        x: floating image(s), torch or numpy, shaped ``(B, C, H, W)``, ``(C, H, W)`` or
            ``(H, W)``. Pixel values as the model sees them (``uint8 / 255``).

    Returns:
        The gradient magnitude with the shape, dtype and device of ``x``; a numpy array when
        ``x`` is one.

    Raises:
        TypeError: ``x`` is neither a tensor nor an ndarray, or is not floating point.
        ValueError: ``x`` does not have 2, 3 or 4 dimensions.

    Example:
        >>> img = torch.zeros(1, 1, 5, 5)
        >>> img[..., 2, 2] = 1.0
        >>> gradient_magnitude(img)[0, 0, 2, 1:4]
        tensor([0.5000, 0.0000, 0.5000])
    """
    if isinstance(x, np.ndarray):
        if x.dtype.type not in _NUMPY_FLOATS:
            raise TypeError(
                f"gradient_magnitude expects a floating array (float16/32/64), got {x.dtype}; "
                "convert 8-bit images with `img.astype(np.float32) / 255`"
            )
        _check_rank(x.shape)
        return _gradient_magnitude(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"gradient_magnitude expects a torch.Tensor or numpy.ndarray, got {type(x).__name__}"
        )
    if not x.is_floating_point():
        raise TypeError(
            f"gradient_magnitude expects a floating tensor, got {x.dtype}; "
            "convert 8-bit images with `img.float() / 255`"
        )
    _check_rank(tuple(x.shape))
    return _gradient_magnitude(x)


def _check_rank(shape: tuple[int, ...]) -> None:
    if len(shape) not in (2, 3, 4):
        raise ValueError(f"Expected an image shaped (B, C, H, W), (C, H, W) or (H, W), got {shape}")


class GradientMagnitude(nn.Module):
    """Module form of :func:`gradient_magnitude`: ``(B, C, H, W)`` → ``(B, C, H, W)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gradient_magnitude(x)
