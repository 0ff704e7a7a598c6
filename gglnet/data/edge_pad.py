"""Training samples whose bottom and right edges are padded, as inference pads frames.

:class:`gglnet.Predictor` and evaluation pad a frame whose sides are not multiples of the
model's size divisor (16) at the bottom and right (:func:`gglnet.padding.pad_to_multiple`), so
a 1920x1080 frame reaches the model with 8 padded rows. Weights trained only on whole frames of
one size never see that edge inside their input and can flood it with false alarms
(``docs/results.md`` measures it for NUDT-SIRST, whose images are all 256x256). Cutting a
share of the training samples short and padding them back the same way teaches the edge.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

from gglnet.padding import PadMode, check_pad_mode, pad_array

__all__ = ["random_edge_pad"]


def random_edge_pad(
    image: np.ndarray,
    mask: np.ndarray,
    max_pad: int,
    rng: Generator,
    pad_mode: PadMode = "zeros",
) -> tuple[np.ndarray, np.ndarray]:
    """Replace the last rows and columns of a sample by padding of the rest.

    ``dh`` rows and ``dw`` columns, each uniform in ``0..max_pad`` (at most the side less one
    pixel) and not both 0, are cut from the bottom and right and padded back with ``pad_mode``: the
    size stays, and the mask is padded the same way (a mirrored target stays labelled). A 1x1
    sample is returned as it is.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` array of any dtype.
        mask: ``(H, W)`` array.
        max_pad: the most rows or columns to pad (``size_divisor - 1`` covers every frame).
        rng: the only source of randomness.
        pad_mode: one of :data:`gglnet.padding.PAD_MODES` (the model's ``config.pad_mode``).

    Returns:
        ``(image, mask)`` of the input shapes and dtypes.

    Raises:
        ValueError: sizes of image and mask differ, ``max_pad < 1``, or an unknown mode.

    Example:
        >>> image, mask = random_edge_pad(np.ones((4, 4)), np.ones((4, 4), np.uint8), 2,
        ...                               np.random.default_rng(0))
        >>> image.shape, bool((image == 0).any())
        ((4, 4), True)
    """
    if image.shape[:2] != mask.shape:
        raise ValueError(f"image and mask sizes differ: {image.shape[:2]} vs {mask.shape}")
    if isinstance(max_pad, bool) or not isinstance(max_pad, int) or max_pad < 1:
        raise ValueError(f"max_pad must be a positive integer, got {max_pad!r}")
    check_pad_mode(pad_mode)
    height, width = mask.shape
    # at most the side less one pixel; a 1x1 sample has nothing to pad
    limit_h, limit_w = min(max_pad, height - 1), min(max_pad, width - 1)
    if not (limit_h or limit_w):
        return image, mask
    pad_h, pad_w = int(rng.integers(0, limit_h + 1)), int(rng.integers(0, limit_w + 1))
    if not (pad_h or pad_w):
        if limit_h:
            pad_h = int(rng.integers(1, limit_h + 1))
        else:
            pad_w = int(rng.integers(1, limit_w + 1))
    keep_h, keep_w = height - pad_h, width - pad_w
    return (
        np.ascontiguousarray(pad_array(image[:keep_h, :keep_w], height, width, pad_mode)),
        np.ascontiguousarray(pad_array(mask[:keep_h, :keep_w], height, width, pad_mode)),
    )
