"""3D-ROC (paper Fig. 9): Pd and Fa as functions of the threshold τ, and their three AUCs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gglnet.metrics._inputs import (
    ArrayLike,
    Matching,
    binarize,
    check_matching,
    check_thresholds,
    load_pairs,
)
from gglnet.metrics.components import ComponentStats, component_stats
from gglnet.metrics.target import match_counts

__all__ = ["DEFAULT_THRESHOLDS", "ROCCurve", "check_roc_thresholds", "roc"]

DEFAULT_THRESHOLDS = 100
"""Number of evenly spaced thresholds in ``[0, 1]`` (both ends included) by default."""


@dataclass(frozen=True)
class ROCCurve:
    """Pd and Fa per threshold, and the areas under the three 3D-ROC projections.

    Attributes:
        thresholds: ``(K,)`` float64 thresholds τ, in the order given.
        pd: ``(K,)`` Pd at each threshold (``nan`` when the images hold no target).
        fa: ``(K,)`` Fa at each threshold.
        auc_pd_fa: ∫ Pd dFa, points sorted by Fa ascending (ties by Pd), trapezoidal; not
            normalised by the Fa range covered.
        auc_pd_tau: ∫ Pd dτ, points sorted by τ ascending, trapezoidal.
        auc_fa_tau: ∫ Fa dτ, points sorted by τ ascending, trapezoidal.
    """

    thresholds: np.ndarray
    pd: np.ndarray
    fa: np.ndarray
    auc_pd_fa: float
    auc_pd_tau: float
    auc_fa_tau: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain types (arrays become lists)."""
        return {
            "thresholds": self.thresholds.tolist(),
            "pd": self.pd.tolist(),
            "fa": self.fa.tolist(),
            "auc_pd_fa": self.auc_pd_fa,
            "auc_pd_tau": self.auc_pd_tau,
            "auc_fa_tau": self.auc_fa_tau,
        }


def check_roc_thresholds(thresholds: Sequence[float] | np.ndarray | torch.Tensor) -> np.ndarray:
    """Thresholds of a 3D-ROC: 1-D, finite, in ``[0, 1]``, and at least two distinct values.

    A single threshold (or one value repeated) spans no interval, so every AUC would be 0.

    Args:
        thresholds: the thresholds, any order.

    Returns:
        ``(K,)`` float64, in the order given.

    Raises:
        TypeError: not a sequence of numbers.
        ValueError: empty, not 1-D, not finite, outside ``[0, 1]`` or fewer than two
            distinct values.
    """
    values = check_thresholds(thresholds)
    if np.unique(values).size < 2:
        raise ValueError(
            "the 3D-ROC needs at least 2 distinct thresholds (its AUCs integrate over "
            f"them; one gives areas of 0), got {values.tolist()[:5]}"
        )
    return values


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    """Trapezoidal ∫ y dx over points already sorted by ``x``; 0 for a single point."""
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])) / 2)


def _sweep(
    prob: np.ndarray, targets: ComponentStats, thresholds: np.ndarray, matching: Matching
) -> tuple[np.ndarray, np.ndarray]:
    """Matched targets and false-alarm pixels of one image at each ascending threshold.

    The predicted masks shrink as τ grows, so two thresholds whose masks hold the same number
    of pixels have the same mask: those counts come from one sort of the image's scores, and
    labelling and matching run only where the mask changes and is not empty.
    """
    matched = np.zeros(thresholds.size, np.int64)
    false_alarms = np.zeros(thresholds.size, np.int64)
    above = np.sort(prob[binarize(prob, thresholds[0])])
    # Thresholds rounded to the score dtype, as binarize does: the counts match its masks.
    n_set = above.size - np.searchsorted(above, thresholds.astype(prob.dtype), side="right")
    for k in np.flatnonzero(n_set):
        if k > 0 and n_set[k] == n_set[k - 1]:
            matched[k], false_alarms[k] = matched[k - 1], false_alarms[k - 1]
        else:
            preds = component_stats(binarize(prob, thresholds[k]))
            matched[k], false_alarms[k] = match_counts(targets, preds, matching)
    return matched, false_alarms


def roc(
    scores: ArrayLike | Sequence[ArrayLike],
    targets: ArrayLike | Sequence[ArrayLike],
    thresholds: Sequence[float] | np.ndarray | torch.Tensor | None = None,
    *,
    from_logits: bool = False,
    matching: Matching = "greedy",
) -> ROCCurve:
    """Pd and Fa swept over thresholds, with AUC(Pd, Fa), AUC(Pd, τ) and AUC(Fa, τ).

    At each threshold τ the values equal ``IRSTDMetrics(threshold=τ)`` fed the same images.
    Work shared across thresholds is done once per image: the targets are labelled once,
    the scores sorted once, and thresholds that leave the predicted mask unchanged (or
    empty) reuse the previous result instead of labelling again.

    Args:
        scores: probabilities (logits with ``from_logits=True``), torch or numpy,
            ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``; or a sequence of such batches
            (sizes may differ between batches).
        targets: binary masks matching ``scores`` (one batch, or a sequence aligned with it):
            {0, 1} (bool, integer, float) or {0, 255} (integer).
        thresholds: 1-D, finite, within ``[0, 1]``, at least two distinct values, any order
            and spacing (the paper steps by 1e-4). Default: ``DEFAULT_THRESHOLDS`` evenly
            spaced values from 0 to 1.
        from_logits: apply a sigmoid to ``scores`` first; thresholds stay probabilities.
        matching: ``"greedy"`` (released code) or ``"optimal"``.

    Returns:
        A :class:`ROCCurve`.

    Raises:
        TypeError, ValueError: invalid inputs (as :class:`gglnet.metrics.IRSTDMetrics`) or
            thresholds that are not 1-D, not finite, outside ``[0, 1]`` or fewer than two
            distinct values.

    Example:
        >>> prob = np.zeros((1, 8, 8), np.float32)
        >>> prob[0, 2, 2], prob[0, 6, 6] = 0.9, 0.3  # a target, and a weaker false alarm
        >>> curve = roc(prob, prob == np.float32(0.9), thresholds=[0.0, 0.25, 0.5, 0.95])
        >>> curve.pd.tolist(), curve.fa.tolist()
        ([1.0, 1.0, 1.0, 0.0], [0.015625, 0.015625, 0.0, 0.0])
    """
    pairs = load_pairs(scores, targets, from_logits)
    values = (
        np.linspace(0.0, 1.0, DEFAULT_THRESHOLDS)
        if thresholds is None
        else check_roc_thresholds(thresholds)
    )
    matching = check_matching(matching)
    order = np.argsort(values, kind="stable")
    ascending = values[order]
    matched = np.zeros(values.size, np.int64)
    false_alarms = np.zeros(values.size, np.int64)
    n_targets = n_pixels = 0
    for prob, truth in pairs:
        for p, t in zip(prob, truth, strict=True):
            true_components = component_stats(t)
            m, f = _sweep(p, true_components, ascending, matching)
            matched += m
            false_alarms += f
            n_targets += true_components.area.size
        n_pixels += prob.size
    pd_up = matched / n_targets if n_targets else np.full(values.size, np.nan)
    fa_up = false_alarms / n_pixels
    by_fa = np.lexsort((pd_up, fa_up))
    pd, fa = np.empty_like(pd_up), np.empty_like(fa_up)
    pd[order], fa[order] = pd_up, fa_up
    return ROCCurve(
        thresholds=values,
        pd=pd,
        fa=fa,
        auc_pd_fa=_trapezoid(pd_up[by_fa], fa_up[by_fa]),
        auc_pd_tau=_trapezoid(pd_up, ascending),
        auc_fa_tau=_trapezoid(fa_up, ascending),
    )
