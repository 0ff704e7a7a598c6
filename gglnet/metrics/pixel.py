"""Pixel-level metrics: IoU over the whole set and nIoU, its per-image mean (docs/metrics.md)."""

from __future__ import annotations

import numpy as np

from gglnet.metrics._inputs import ArrayLike, binarize, check_threshold, load_pair

__all__ = ["EPS", "iou", "iou_from_counts", "niou", "niou_per_image", "pixel_counts"]

EPS = float(np.spacing(1))
"""The released code's ``np.spacing(1)`` (2.2e-16) added to every union: an empty union gives 0."""


def pixel_counts(pred_mask: np.ndarray, true_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-image intersection and union pixel counts.

    Args:
        pred_mask: ``(B, H, W)`` bool predicted target pixels.
        true_mask: ``(B, H, W)`` bool true target pixels.

    Returns:
        ``(intersection, union)``, two ``(B,)`` int64 arrays.
    """
    inter = [np.count_nonzero(p & t) for p, t in zip(pred_mask, true_mask, strict=True)]
    union = [np.count_nonzero(p | t) for p, t in zip(pred_mask, true_mask, strict=True)]
    return np.asarray(inter, np.int64), np.asarray(union, np.int64)


def iou_from_counts(intersection: np.ndarray | int, union: np.ndarray | int) -> float:
    """``Σ|P∩T| / (Σ|P∪T| + ε)`` over per-image counts (or their sums); 0 for an empty union."""
    return float(np.sum(intersection) / (np.sum(union) + EPS))


def niou_per_image(intersection: np.ndarray, union: np.ndarray) -> np.ndarray:
    """``|P∩T| / (|P∪T| + ε)`` per image; an image without target and prediction scores 0."""
    return intersection / (union + EPS)


def iou(
    pred: ArrayLike, target: ArrayLike, threshold: float = 0.5, from_logits: bool = False
) -> float:
    """IoU of the whole batch: total intersection over total union (docs/metrics.md).

    Args:
        pred: probabilities (logits with ``from_logits=True``), torch or numpy,
            ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``.
        target: binary mask of the same extent: {0, 1} (bool, integer, float) or {0, 255}
            (integer).
        threshold: pixels with probability strictly greater are predicted.
        from_logits: apply a sigmoid to ``pred`` first.

    Returns:
        The IoU in ``[0, 1]``; 0 when neither prediction nor target has a set pixel.

    Raises:
        TypeError, ValueError: invalid inputs, see :class:`gglnet.metrics.IRSTDMetrics`.

    Example:
        >>> pred = np.array([[0.9, 0.8], [0.2, 0.1]], np.float32)
        >>> iou(pred, np.array([[1, 0], [0, 0]]))
        0.5
    """
    prob, truth = load_pair(pred, target, from_logits)
    return iou_from_counts(*pixel_counts(binarize(prob, check_threshold(threshold)), truth))


def niou(
    pred: ArrayLike, target: ArrayLike, threshold: float = 0.5, from_logits: bool = False
) -> float:
    """nIoU: the mean over images of each image's IoU (docs/metrics.md).

    An image whose union is empty (no target, no prediction) counts 0, as in the released
    code, which divides by ``union + ε``.

    Args:
        pred: probabilities (logits with ``from_logits=True``), torch or numpy,
            ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``.
        target: binary mask of the same extent: {0, 1} (bool, integer, float) or {0, 255}
            (integer).
        threshold: pixels with probability strictly greater are predicted.
        from_logits: apply a sigmoid to ``pred`` first.

    Returns:
        The nIoU in ``[0, 1]``.

    Raises:
        TypeError, ValueError: invalid inputs, see :class:`gglnet.metrics.IRSTDMetrics`.

    Example:
        >>> pred = np.zeros((2, 4, 4), np.float32)
        >>> pred[0, 0, :2] = 1.0
        >>> target = np.zeros((2, 4, 4), bool)
        >>> target[0, 0, 0] = True
        >>> niou(pred, target)  # (1/2 + 0) / 2: the empty second image counts 0
        0.25
    """
    prob, truth = load_pair(pred, target, from_logits)
    counts = pixel_counts(binarize(prob, check_threshold(threshold)), truth)
    return float(niou_per_image(*counts).mean())
