"""``IRSTDMetrics``: IoU, nIoU, Pd and Fa accumulated over a test set (docs/metrics.md)."""

from __future__ import annotations

import numpy as np

from gglnet.metrics._inputs import (
    ArrayLike,
    Matching,
    binarize,
    check_matching,
    check_threshold,
    load_pair,
)
from gglnet.metrics.pixel import iou_from_counts, niou_per_image, pixel_counts
from gglnet.metrics.target import target_counts

__all__ = ["IRSTDMetrics"]


class IRSTDMetrics:
    """Accumulates the four IRSTD metrics over batches, as the authors' evaluation does.

    - IoU = Σ|P∩T| / (Σ|P∪T| + ε) over all images seen; nIoU = mean over images of
      |P∩T| / (|P∪T| + ε), ε = ``np.spacing(1)``, so an image (or a set) with an empty union
      counts 0.
    - Pd = matched targets / all targets (``nan`` when no target was seen); Fa = pixels of
      unmatched predicted components / all pixels seen, each image counting its own
      ``H * W``, so images of different sizes can be mixed across updates.
    - Predicted pixels: probability strictly ``> threshold`` (after a sigmoid with
      ``from_logits=True``); true pixels: target ``> 0.5`` after 0/255 masks are scaled.
    - Components are 8-connected; a target matches a predicted component whose centroid is
      closer than 3 px (see :func:`gglnet.metrics.match_components`).

    Args:
        threshold: probability cut-off in ``[0, 1]``.
        from_logits: ``pred`` holds logits; a sigmoid is applied first.
        matching: ``"greedy"`` (the released code) or ``"optimal"`` (maximum matching).

    Example:
        >>> import torch
        >>> m = IRSTDMetrics(threshold=0.5)
        >>> pred = torch.zeros(2, 1, 16, 16)
        >>> pred[:, :, 4:6, 4:6] = 0.9
        >>> m.update(pred, (pred > 0.5).float())
        >>> m.compute()["pd"]
        1.0
    """

    def __init__(
        self, threshold: float = 0.5, from_logits: bool = False, matching: Matching = "greedy"
    ) -> None:
        self.threshold = check_threshold(threshold)
        self.from_logits = from_logits
        self.matching = check_matching(matching)
        self.reset()

    def reset(self) -> None:
        """Forget every update."""
        self._intersection = 0
        self._union = 0
        self._niou: list[np.ndarray] = []
        self._n_targets = 0
        self._n_matched = 0
        self._false_alarms = 0
        self._n_pixels = 0

    def update(self, pred: ArrayLike, target: ArrayLike) -> None:
        """Add a batch; tensors (on any device) are copied to host memory once.

        Args:
            pred: probabilities (logits with ``from_logits=True``), torch or numpy, float,
                ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``.
            target: mask of the same extent: {0, 1} (bool, integer or float) or {0, 255}
                (integer).

        Raises:
            TypeError: not a tensor/ndarray, integer ``pred`` or a non-numeric ``target``.
            ValueError: an unsupported or mismatched shape, an empty batch, NaN/inf in
                ``pred``, probabilities outside ``[0, 1]`` without ``from_logits``, or
                target values that are not a binary mask (the values seen are listed).
        """
        prob, truth = load_pair(pred, target, self.from_logits)
        pred_mask = binarize(prob, self.threshold)
        intersection, union = pixel_counts(pred_mask, truth)
        n_targets, n_matched, false_alarms = target_counts(pred_mask, truth, self.matching)
        self._intersection += int(intersection.sum())
        self._union += int(union.sum())
        self._niou.append(niou_per_image(intersection, union))
        self._n_targets += n_targets
        self._n_matched += n_matched
        self._false_alarms += false_alarms
        self._n_pixels += prob.size

    def compute(self) -> dict[str, float | int]:
        """The metrics over everything seen since construction or :meth:`reset`.

        Returns:
            ``{"iou", "niou", "pd", "fa"}`` as floats (``pd`` is ``nan`` without targets) and
            ``{"n_images", "n_targets", "n_pixels"}`` as ints.

        Raises:
            RuntimeError: no batch was added yet.
        """
        if not self._niou:
            raise RuntimeError("IRSTDMetrics.compute() called before any update()")
        niou = np.concatenate(self._niou)
        return {
            "iou": iou_from_counts(self._intersection, self._union),
            "niou": float(niou.mean()),
            "pd": self._n_matched / self._n_targets if self._n_targets else float("nan"),
            "fa": self._false_alarms / self._n_pixels,
            "n_images": int(niou.size),
            "n_targets": self._n_targets,
            "n_pixels": self._n_pixels,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(threshold={self.threshold}, from_logits={self.from_logits}, "
            f"matching={self.matching!r})"
        )
