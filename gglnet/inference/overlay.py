"""Drawing detections on a frame for people to look at."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from gglnet.metrics import Component

__all__ = ["draw_detections", "to_display_rgb"]

BOX_COLOR = (255, 0, 0)
"""RGB colour of the boxes and scores (red)."""
BOX_MARGIN = 2
"""Pixels between a target and its box, so the box does not hide a small target."""
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_SCALE = 0.35


def to_display_rgb(image: np.ndarray) -> np.ndarray:
    """An 8-bit RGB view of a frame.

    ``uint8`` is kept; ``uint16`` is stretched from its minimum to its maximum (infrared
    sensors use a small part of the 16-bit range, which would look black); float in
    ``[0, 1]`` is scaled by 255. Grey frames are repeated to three channels.

    Args:
        image: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` RGB, uint8, uint16 or float.

    Returns:
        ``(H, W, 3)`` uint8 RGB.
    """
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.dtype == np.uint16:
        low, high = int(image.min()), int(image.max())
        scaled = (image.astype(np.float32) - low) * (255.0 / max(high - low, 1))
        image = np.rint(scaled).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image)


def draw_detections(
    image: np.ndarray, targets: Sequence[Component], scores: bool = True
) -> np.ndarray:
    """The frame as 8-bit RGB with a box around each target and, optionally, its peak score.

    Args:
        image: the frame as given to the model (see :func:`to_display_rgb`).
        targets: components of that frame, e.g. from :meth:`gglnet.Predictor.find_targets`.
        scores: write each target's peak probability above its box.

    Returns:
        ``(H, W, 3)`` uint8 RGB; the input is not modified.
    """
    canvas = to_display_rgb(image).copy()
    height, width = canvas.shape[:2]
    for target in targets:
        x0, y0, x1, y1 = target.bbox
        top_left = (max(x0 - BOX_MARGIN, 0), max(y0 - BOX_MARGIN, 0))
        bottom_right = (min(x1 - 1 + BOX_MARGIN, width - 1), min(y1 - 1 + BOX_MARGIN, height - 1))
        cv2.rectangle(canvas, top_left, bottom_right, BOX_COLOR, thickness=1)
        if scores and target.peak_score is not None:
            text = f"{target.peak_score:.2f}"
            (text_width, text_height), _ = cv2.getTextSize(text, _FONT, _FONT_SCALE, 1)
            # Above the box, kept inside the frame near its right and top edges.
            origin = (
                max(min(top_left[0], width - text_width - 1), 0),
                max(top_left[1] - 3, text_height),
            )
            cv2.putText(canvas, text, origin, _FONT, _FONT_SCALE, BOX_COLOR, 1, cv2.LINE_AA)
    return canvas
