"""Target-level metrics: probability of detection Pd and false-alarm rate Fa (docs/metrics.md)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gglnet.metrics._inputs import (
    ArrayLike,
    Matching,
    binarize,
    check_matching,
    check_threshold,
    load_pair,
)
from gglnet.metrics.components import ComponentStats, component_stats

__all__ = [
    "MATCH_DISTANCE",
    "PdFa",
    "match_components",
    "match_counts",
    "pd_fa",
    "target_counts",
]

MATCH_DISTANCE = 3.0
"""Centroids closer than this (in pixels, strictly) can match; exactly 3 px does not."""


class PdFa(NamedTuple):
    """``(pd, fa)``: fraction of targets detected, fraction of pixels falsely alarmed."""

    pd: float
    fa: float


def _augment(
    target: int, candidates: list[list[int]], owner: dict[int, int], seen: set[int]
) -> bool:
    """Kuhn's augmenting-path step: find ``target`` a prediction, re-seating earlier owners."""
    for pred in candidates[target]:
        if pred not in seen:
            seen.add(pred)
            if pred not in owner or _augment(owner[pred], candidates, owner, seen):
                owner[pred] = target
                return True
    return False


def match_components(
    target_centroids: np.ndarray, pred_centroids: np.ndarray, matching: Matching = "greedy"
) -> np.ndarray:
    """Pair true and predicted components whose centroids are closer than 3 px.

    ``"greedy"`` is the released code: targets in label order each take the first remaining
    prediction (in label order) within reach, which is then removed. ``"optimal"`` finds a
    maximum matching (Kuhn's augmenting paths, visiting targets and candidates in label
    order), so it never detects fewer targets than greedy.

    Args:
        target_centroids: ``(T, 2)`` float ``(y, x)`` centroids of the true components.
        pred_centroids: ``(P, 2)`` float ``(y, x)`` centroids of the predicted components.
        matching: ``"greedy"`` or ``"optimal"``.

    Returns:
        ``(T,)`` int64: the index of the prediction matched to each target, -1 for none.

    Raises:
        ValueError: centroids not shaped ``(N, 2)``.
    """
    for name, centroids in (
        ("target_centroids", target_centroids),
        ("pred_centroids", pred_centroids),
    ):
        if centroids.ndim != 2 or centroids.shape[1] != 2:
            raise ValueError(f"Expected {name} of shape (N, 2), got {centroids.shape}")
    diff = target_centroids[:, None, :] - pred_centroids[None, :, :]
    # sqrt(dy² + dx²) as the released code's np.linalg.norm, so the 3 px cut-off agrees.
    close = np.sqrt((diff * diff).sum(axis=-1)) < MATCH_DISTANCE
    match = np.full(len(target_centroids), -1, np.int64)
    # np.nonzero is row-major: targets in label order, each with its candidates in label order.
    pairs = zip(*(idx.tolist() for idx in np.nonzero(close)), strict=True)
    if matching == "greedy":
        taken: set[int] = set()
        for target, pred in pairs:
            if match[target] < 0 and pred not in taken:
                match[target] = pred
                taken.add(pred)
        return match
    candidates: list[list[int]] = [[] for _ in range(len(target_centroids))]
    for target, pred in pairs:
        candidates[target].append(pred)
    owner: dict[int, int] = {}
    for target in range(len(candidates)):
        _augment(target, candidates, owner, set())
    for pred, target in owner.items():
        match[target] = pred
    return match


def match_counts(
    targets: ComponentStats, preds: ComponentStats, matching: Matching = "greedy"
) -> tuple[int, int]:
    """Matched targets and false-alarm pixels of one image.

    Args:
        targets: components of the true mask.
        preds: components of the predicted mask.
        matching: ``"greedy"`` or ``"optimal"``, see :func:`match_components`.

    Returns:
        ``(n_matched, false_alarm_pixels)``: false-alarm pixels are the areas of the predicted
        components left unmatched (each counted by its own identity, not by its area).
    """
    match = match_components(targets.centroid, preds.centroid, matching)
    hit = match[match >= 0]
    return int(hit.size), int(preds.area.sum() - preds.area[hit].sum())


def target_counts(
    pred_mask: np.ndarray, true_mask: np.ndarray, matching: Matching = "greedy"
) -> tuple[int, int, int]:
    """Targets, matched targets and false-alarm pixels of a batch, each image on its own.

    Args:
        pred_mask: ``(B, H, W)`` bool predicted target pixels.
        true_mask: ``(B, H, W)`` bool true target pixels.
        matching: ``"greedy"`` or ``"optimal"``, see :func:`match_components`.

    Returns:
        ``(n_targets, n_matched, false_alarm_pixels)`` summed over the batch.
    """
    n_targets = n_matched = false_alarms = 0
    for p, t in zip(pred_mask, true_mask, strict=True):
        targets = component_stats(t)
        matched, fa_pixels = match_counts(targets, component_stats(p), matching)
        n_targets += targets.area.size
        n_matched += matched
        false_alarms += fa_pixels
    return n_targets, n_matched, false_alarms


def pd_fa(
    pred: ArrayLike,
    target: ArrayLike,
    threshold: float = 0.5,
    from_logits: bool = False,
    matching: Matching = "greedy",
) -> PdFa:
    """Probability of detection and false-alarm rate of a batch (docs/metrics.md).

    Each image is labelled on its own (8-connected). Pd = matched targets / all targets
    (``nan`` when there are no targets); Fa = pixels of unmatched predicted components / all
    pixels of the batch.

    Args:
        pred: probabilities (logits with ``from_logits=True``), torch or numpy,
            ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``.
        target: binary mask of the same extent: {0, 1} (bool, integer, float) or {0, 255}
            (integer).
        threshold: pixels with probability strictly greater are predicted.
        from_logits: apply a sigmoid to ``pred`` first.
        matching: ``"greedy"`` (released code) or ``"optimal"``, see
            :func:`match_components`.

    Returns:
        A :class:`PdFa` ``(pd, fa)`` of floats.

    Raises:
        TypeError, ValueError: invalid inputs, see :class:`gglnet.metrics.IRSTDMetrics`.

    Example:
        >>> pred = np.zeros((8, 8), np.float32)
        >>> pred[1, 1] = pred[6, 6] = 0.9
        >>> target = np.zeros((8, 8), np.uint8)
        >>> target[1, 2] = 255
        >>> pd_fa(pred, target)  # the blob at (6, 6) is a false alarm of 1 pixel in 64
        PdFa(pd=1.0, fa=0.015625)
    """
    prob, truth = load_pair(pred, target, from_logits)
    pred_mask = binarize(prob, check_threshold(threshold))
    n_targets, n_matched, false_alarms = target_counts(pred_mask, truth, check_matching(matching))
    return PdFa(n_matched / n_targets if n_targets else float("nan"), false_alarms / prob.size)
