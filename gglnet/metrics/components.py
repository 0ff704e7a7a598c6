"""8-connected components: the one labelling behind Pd/Fa and per-target detections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import cv2
import numpy as np

__all__ = ["Component", "ComponentStats", "component_stats", "find_components"]


class ComponentStats(NamedTuple):
    """Per-component arrays of one mask, in label order (see :func:`component_stats`).

    Attributes:
        area: ``(N,)`` int64 pixel counts.
        centroid: ``(N, 2)`` float64 ``(y, x)``: unweighted means of the pixel coordinates.
        bbox: ``(N, 4)`` int64 ``(x0, y0, x1, y1)``, ``x1``/``y1`` exclusive.
        peak: ``(N,)`` float64 maximum score inside each component, or ``None`` without scores.
    """

    area: np.ndarray
    centroid: np.ndarray
    bbox: np.ndarray
    peak: np.ndarray | None


def _occupied(any_set: np.ndarray) -> np.ndarray:
    """Indices of the set lines plus the empty line after each run of them.

    Keeping one empty line after every run lets the runs be packed together without
    touching each other, so the packed mask has exactly the components of the original.
    """
    keep = any_set.copy()
    keep[1:] |= any_set[:-1]
    return np.flatnonzero(keep)


def _pack(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``image[rows][:, cols]`` as a contiguous array, without copying when nothing is dropped."""
    if rows.size < image.shape[0]:
        image = image.take(rows, axis=0)
    if cols.size < image.shape[1]:
        image = image.take(cols, axis=1)
    return np.ascontiguousarray(image)


def component_stats(mask: np.ndarray, scores: np.ndarray | None = None) -> ComponentStats:
    """Area, centroid and box of every 8-connected component of a 2-D bool mask.

    Labels come from ``cv2.connectedComponentsWithStatsWithAlgorithm`` with connectivity 8
    and ``CCL_SAUF``, whose labels follow the raster order of each component's first pixel
    (top-most row, then left-most column), the order of ``skimage.measure.label`` that the
    released Pd/Fa code matches in. Rows and columns without set pixels are dropped before
    labelling (one empty separator line kept per gap), which makes sparse masks cheap.

    Args:
        mask: ``(H, W)`` bool.
        scores: optional ``(H, W)`` float scores; gives each component's maximum.

    Returns:
        A :class:`ComponentStats` with ``N`` rows, ``N`` the number of components.
    """
    rows = _occupied(mask.any(axis=1))
    if rows.size == 0:
        return ComponentStats(
            np.zeros(0, np.int64),
            np.zeros((0, 2)),
            np.zeros((0, 4), np.int64),
            None if scores is None else np.zeros(0),
        )
    cols = _occupied(mask.any(axis=0))
    packed = _pack(mask, rows, cols).view(np.uint8)
    _, labels, stats, centroids = cv2.connectedComponentsWithStatsWithAlgorithm(
        packed, 8, cv2.CV_32S, cv2.CCL_SAUF
    )
    stats, centroids = stats[1:].astype(np.int64), centroids[1:]
    area = stats[:, cv2.CC_STAT_AREA]
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    # A component lies within one run of rows and of columns, so packing shifted it by a
    # constant; undo the shift on the exact integer coordinate sums, then divide once, so the
    # centroid is the correctly rounded mean of the original coordinates.
    dx, dy = cols[left] - left, rows[top] - top
    sum_x = np.rint(centroids[:, 0] * area) + dx * area
    sum_y = np.rint(centroids[:, 1] * area) + dy * area
    x0, y0 = left + dx, top + dy
    bbox = np.stack(
        [x0, y0, x0 + stats[:, cv2.CC_STAT_WIDTH], y0 + stats[:, cv2.CC_STAT_HEIGHT]], axis=1
    )
    peak = None
    if scores is not None:
        inside = labels > 0
        peak = np.full(area.size, -np.inf)
        np.maximum.at(peak, labels[inside] - 1, _pack(scores, rows, cols)[inside])
    return ComponentStats(area, np.stack([sum_y / area, sum_x / area], axis=1), bbox, peak)


@dataclass(frozen=True)
class Component:
    """One 8-connected component of a binary mask (a detected or a true target).

    Attributes:
        centroid: ``(y, x)``: unweighted mean of the component's pixel coordinates (row,
            column), the centroid Pd matches on.
        bbox: ``(x0, y0, x1, y1)`` in pixels, ``x0``/``y0`` inclusive and ``x1``/``y1``
            exclusive (so ``x1 - x0`` is the width).
        area: number of pixels.
        peak_score: maximum of the scores inside the component, ``None`` without scores.
    """

    centroid: tuple[float, float]
    bbox: tuple[int, int, int, int]
    area: int
    peak_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain types.

        Returns:
            ``{"centroid": [y, x], "bbox": [x0, y0, x1, y1], "area": int,
            "peak_score": float | None}``.
        """
        return {
            "centroid": list(self.centroid),
            "bbox": list(self.bbox),
            "area": self.area,
            "peak_score": self.peak_score,
        }


def find_components(mask: np.ndarray, scores: np.ndarray | None = None) -> list[Component]:
    """The 8-connected components of a binary mask, as Pd/Fa see them.

    The same labelling as :func:`gglnet.metrics.pd_fa`: components are listed in label order,
    i.e. by the raster position of their first pixel (top-most row, then left-most column).

    Args:
        mask: ``(H, W)`` bool numpy array, e.g. ``prob > 0.5``.
        scores: optional ``(H, W)`` real numpy array (e.g. the probabilities); sets
            ``peak_score``.

    Returns:
        A list of :class:`Component`; empty when ``mask`` has no set pixel.

    Raises:
        TypeError: ``mask`` is not a bool ndarray, or ``scores`` not a real ndarray.
        ValueError: ``mask`` is not 2-D, or ``scores`` has another shape.

    Example:
        >>> mask = np.zeros((8, 8), bool)
        >>> mask[2, 2] = mask[3, 3] = True  # diagonal neighbours: one component
        >>> find_components(mask)
        [Component(centroid=(2.5, 2.5), bbox=(2, 2, 4, 4), area=2, peak_score=None)]
    """
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        kind = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
        raise TypeError(f"mask must be a bool numpy array (e.g. prob > 0.5), got {kind}")
    if mask.ndim != 2:
        raise ValueError(f"Expected mask of shape (H, W), got {mask.shape}")
    if scores is not None:
        if not isinstance(scores, np.ndarray) or scores.dtype.kind not in "fiu":
            kind = scores.dtype if isinstance(scores, np.ndarray) else type(scores).__name__
            raise TypeError(f"scores must be a real numpy array, got {kind}")
        if scores.shape != mask.shape:
            raise ValueError(f"mask and scores shapes differ: {mask.shape} vs {scores.shape}")
    stats = component_stats(mask, scores)
    peaks = [None] * stats.area.size if stats.peak is None else stats.peak.tolist()
    return [
        Component(tuple(c), tuple(b), a, p)  # type: ignore[arg-type]
        for c, b, a, p in zip(
            stats.centroid.tolist(), stats.bbox.tolist(), stats.area.tolist(), peaks, strict=True
        )
    ]
