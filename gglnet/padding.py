"""Padding frames to the model's size multiple, and cropping results back: the one home of the
padding arithmetic and of the padding modes (the model's input check, evaluation, Predictor and
its shape buckets, training crops)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "DEFAULT_SIZE_BUCKETS",
    "PAD_MODES",
    "PadMode",
    "bucket_size",
    "check_pad_mode",
    "model_pad_mode",
    "pad_array",
    "pad_bottom_right",
    "pad_to_multiple",
    "padded_size",
]

PadMode = Literal["zeros", "reflect", "replicate"]
PAD_MODES: tuple[str, ...] = get_args(PadMode)
"""What fills the padded rows and columns: ``"zeros"``; ``"reflect"``, the frame mirrored
about its last row/column (that row not repeated, as ``numpy.pad``'s ``"reflect"``);
``"replicate"``, the last row/column repeated. Which one suits a model is a property of its
weights (``GGLNetConfig.pad_mode``): weights trained only on whole frames of one size may never
have seen an edge of zeros inside their input (docs/results.md measures it)."""

_NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge"}

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


def check_pad_mode(mode: object) -> PadMode:
    """``mode`` if it is one of :data:`PAD_MODES`, else a ValueError naming them."""
    if mode not in PAD_MODES:
        raise ValueError(f"pad_mode must be one of {PAD_MODES}, got {mode!r}")
    return mode  # type: ignore[return-value]


def model_pad_mode(model: object, override: PadMode | None = None) -> PadMode:
    """The padding a model's frames get: ``override`` if given, else ``model.config.pad_mode``,
    else ``"zeros"`` (a model, or an exported graph, whose config predates pad modes)."""
    mode = (
        override
        if override is not None
        else getattr(getattr(model, "config", None), "pad_mode", "zeros")
    )
    return check_pad_mode(mode)


def pad_to_multiple(image: torch.Tensor, multiple: int, mode: PadMode = "zeros") -> torch.Tensor:
    """Pad the bottom and right of an image so H and W become multiples of ``multiple``.

    With zeros the model's gradient image of the original pixels is that of the frame itself
    (it treats everything beyond the border as 0, paper Fig. 1); with ``"reflect"`` the model
    sees no edge at all where the frame ends, which weights trained only on whole frames of
    one size need (``docs/results.md``). The original pixels keep their coordinates: crop the
    result with ``out[..., :H, :W]``.

    Args:
        image: ``(..., H, W)`` float tensor, e.g. ``(3, H, W)`` or ``(B, 3, H, W)``.
        multiple: the size divisor (16 for GGL-Net, ``model.config.size_divisor``).
        mode: one of :data:`PAD_MODES` (``model.config.pad_mode``).

    Returns:
        ``(..., H', W')`` with ``(H', W') = padded_size(H, W, multiple)``; ``image`` itself when
        no padding is needed.

    Example:
        >>> pad_to_multiple(torch.ones(3, 20, 33), 16).shape
        torch.Size([3, 32, 48])
        >>> pad_to_multiple(torch.arange(3.0).view(1, 3), 2, "reflect")
        tensor([[0., 1., 2., 1.]])
    """
    height, width = image.shape[-2:]
    return pad_bottom_right(image, *padded_size(height, width, multiple), mode)


def pad_bottom_right(
    image: torch.Tensor, height: int, width: int, mode: PadMode = "zeros"
) -> torch.Tensor:
    """Pad ``(..., h, w)`` at the bottom and right to ``(..., height, width)``.

    A reflection longer than the side it mirrors is repeated (as ``numpy.pad`` does); a side of
    one pixel cannot be mirrored and is replicated.

    Args:
        image: ``(..., h, w)`` float tensor with ``h <= height`` and ``w <= width``.
        height, width: the padded size.
        mode: one of :data:`PAD_MODES`.

    Returns:
        ``(..., height, width)``; ``image`` itself when it has that size already.

    Raises:
        ValueError: an unknown mode, a target size smaller than the image, or reflect/replicate
            of an image with an empty side (nothing to mirror).
    """
    check_pad_mode(mode)
    h, w = image.shape[-2:]
    pad_h, pad_w = height - h, width - w
    if pad_h < 0 or pad_w < 0:
        raise ValueError(f"cannot pad a {h}x{w} image to the smaller {height}x{width}")
    if (pad_h or pad_w) and mode != "zeros" and not (h and w):
        raise ValueError(f"cannot {mode} an image with an empty side ({h}x{w})")
    if not (pad_h or pad_w):
        return image
    if mode == "zeros" or image.numel() == 0:
        return F.pad(image, (0, pad_w, 0, pad_h))
    # reflect and replicate pad the last two axes of a 3-D tensor: fold the leading axes
    lead = image.shape[:-2]
    x = image.reshape(-1, h, w)
    if mode == "reflect":
        while pad_h or pad_w:
            step_h, step_w = min(pad_h, x.shape[-2] - 1), min(pad_w, x.shape[-1] - 1)
            if not (step_h or step_w):
                break  # a one-pixel side: replicated below
            x = F.pad(x, (0, step_w, 0, step_h), mode="reflect")
            pad_h, pad_w = pad_h - step_h, pad_w - step_w
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
    return x.reshape(*lead, height, width)


def pad_array(array: np.ndarray, height: int, width: int, mode: PadMode = "zeros") -> np.ndarray:
    """:func:`pad_bottom_right` for an ``(h, w)`` or ``(h, w, C)`` NumPy array (training data).

    Args:
        array: ``(h, w[, C])`` of any dtype, ``h <= height`` and ``w <= width``.
        height, width: the padded size.
        mode: one of :data:`PAD_MODES`.

    Returns:
        ``(height, width[, C])``, the same dtype; ``array`` itself when no padding is needed.

    Example:
        >>> pad_array(np.array([[1, 2, 3]]), 2, 5, "reflect")
        array([[1, 2, 3, 2, 1],
               [1, 2, 3, 2, 1]])
    """
    check_pad_mode(mode)
    pad_h, pad_w = height - array.shape[0], width - array.shape[1]
    if pad_h < 0 or pad_w < 0:
        raise ValueError(
            f"cannot pad a {array.shape[0]}x{array.shape[1]} array to the smaller {height}x{width}"
        )
    if (pad_h or pad_w) and mode != "zeros" and not (array.shape[0] and array.shape[1]):
        raise ValueError(
            f"cannot {mode} an array with an empty side ({array.shape[0]}x{array.shape[1]})"
        )
    if not (pad_h or pad_w):
        return array
    pad = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(array, pad, mode=_NUMPY_MODES[mode])
