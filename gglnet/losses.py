"""Training losses: soft IoU (paper Eq. 4), and soft IoU with a BCE term for early epochs."""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn

__all__ = [
    "REDUCTIONS",
    "Reduction",
    "SoftIoULoss",
    "check_reduction",
    "soft_iou_bce_loss",
    "soft_iou_loss",
]

Reduction = Literal["sample", "batch"]
REDUCTIONS: tuple[str, ...] = get_args(Reduction)


def check_reduction(reduction: object, name: str = "reduction") -> None:
    """Raise a ValueError naming the choices unless ``reduction`` is one of :data:`REDUCTIONS`."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name} must be one of {REDUCTIONS}, got {reduction!r}")


def soft_iou_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    from_logits: bool = True,
    smooth: float = 1.0,
    reduction: Reduction = "sample",
) -> torch.Tensor:
    """Soft IoU loss, one ratio per sample (the paper's) or one for the whole batch.

    ``"sample"``: ``1 - mean_b((Σ p·y + s) / (Σ (p + y - p·y) + s))`` with sums over each
    sample, so every image weighs the same whatever its targets' size. ``"batch"``:
    ``1 - (Σ p·y + s) / (Σ (p + y - p·y) + s)`` with sums over the whole batch (as DNANet's
    code computes it), so every target pixel weighs the same, as in the IoU metric, which
    counts pixels over the whole list.

    Args:
        pred: ``(B, 1, H, W)`` logits (``from_logits=True``) or probabilities.
        target: ``(B, 1, H, W)`` masks in ``[0, 1]``, same shape as ``pred``.
        from_logits: apply a sigmoid to ``pred`` first.
        smooth: the additive smoothing ``s`` (1 as released).
        reduction: ``"sample"`` (as released) or ``"batch"``.

    Returns:
        Scalar loss tensor in ``[0, 1]``.

    Raises:
        ValueError: shapes differ, ``pred`` has no batch dimension, or an unknown
            ``reduction``.
    """
    check_reduction(reduction)
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target shapes differ: {tuple(pred.shape)} vs {tuple(target.shape)}"
        )
    if pred.dim() < 2:
        raise ValueError(f"Expected (B, 1, H, W) or (B, H, W), got {tuple(pred.shape)}")
    prob = pred.float().sigmoid() if from_logits else pred.float()
    target = target.to(prob.dtype)
    dims = tuple(range(1 if reduction == "sample" else 0, prob.dim()))
    intersection = (prob * target).sum(dims)
    union = (prob + target - prob * target).sum(dims)
    return 1 - ((intersection + smooth) / (union + smooth)).mean()


class SoftIoULoss(nn.Module):
    """Module form of :func:`soft_iou_loss`; takes logits by default.

    Args:
        from_logits: ``False`` when the network already outputs probabilities.
        smooth: additive smoothing (1 as released).
        reduction: ``"sample"`` (as released) or ``"batch"`` (:func:`soft_iou_loss`).

    Example:
        >>> loss = SoftIoULoss()(torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 8, 8))
    """

    def __init__(
        self, from_logits: bool = True, smooth: float = 1.0, reduction: Reduction = "sample"
    ) -> None:
        super().__init__()
        check_reduction(reduction)
        self.from_logits = from_logits
        self.smooth = smooth
        self.reduction = reduction

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return soft_iou_loss(pred, target, self.from_logits, self.smooth, self.reduction)


def soft_iou_bce_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    bce_weight: float,
    smooth: float = 1.0,
    reduction: Reduction = "sample",
) -> torch.Tensor:
    """softIoU plus a weighted binary cross-entropy: ``soft_iou + bce_weight · BCE``.

    Light IRSTD models trained with softIoU alone are known to sit on a plateau (loss near 1)
    for many epochs while they predict nothing; the per-pixel BCE term pulls target pixels up
    much harder from the first step. Use it in early epochs, then drop to softIoU alone.

    Args:
        logits: ``(B, 1, H, W)`` logits.
        target: ``(B, 1, H, W)`` masks in ``[0, 1]``.
        bce_weight: weight of the mean BCE term, ``>= 0`` (0: :func:`soft_iou_loss`).
        smooth: softIoU's additive smoothing.
        reduction: softIoU's ``"sample"`` or ``"batch"`` ratio (:func:`soft_iou_loss`).

    Returns:
        Scalar loss tensor.

    Raises:
        ValueError: shapes differ, a negative ``bce_weight`` or an unknown ``reduction``.

    Example:
        >>> loss = soft_iou_bce_loss(torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 8, 8), 1.0)
    """
    if bce_weight < 0:
        raise ValueError(f"bce_weight must be >= 0, got {bce_weight}")
    loss = soft_iou_loss(logits, target, from_logits=True, smooth=smooth, reduction=reduction)
    if bce_weight == 0:
        return loss
    bce = nn.functional.binary_cross_entropy_with_logits(logits.float(), target.float())
    return loss + bce_weight * bce
