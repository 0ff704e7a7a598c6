"""Training losses: soft IoU (paper Eq. 4), and soft IoU with a BCE term for early epochs."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SoftIoULoss", "soft_iou_bce_loss", "soft_iou_loss"]


def soft_iou_loss(
    pred: torch.Tensor, target: torch.Tensor, from_logits: bool = True, smooth: float = 1.0
) -> torch.Tensor:
    """``1 - mean_b((Σ p·y + s) / (Σ (p + y - p·y) + s))``, sums over each sample.

    Args:
        pred: ``(B, 1, H, W)`` logits (``from_logits=True``) or probabilities.
        target: ``(B, 1, H, W)`` masks in ``[0, 1]``, same shape as ``pred``.
        from_logits: apply a sigmoid to ``pred`` first.
        smooth: the additive smoothing ``s`` (1 as released).

    Returns:
        Scalar loss tensor in ``[0, 1]``.

    Raises:
        ValueError: shapes differ or ``pred`` has no batch dimension.
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target shapes differ: {tuple(pred.shape)} vs {tuple(target.shape)}"
        )
    if pred.dim() < 2:
        raise ValueError(f"Expected (B, 1, H, W) or (B, H, W), got {tuple(pred.shape)}")
    prob = pred.float().sigmoid() if from_logits else pred.float()
    target = target.to(prob.dtype)
    dims = tuple(range(1, prob.dim()))
    intersection = (prob * target).sum(dims)
    union = (prob + target - prob * target).sum(dims)
    return 1 - ((intersection + smooth) / (union + smooth)).mean()


class SoftIoULoss(nn.Module):
    """Module form of :func:`soft_iou_loss`; takes logits by default.

    Args:
        from_logits: ``False`` when the network already outputs probabilities.
        smooth: additive smoothing (1 as released).

    Example:
        >>> loss = SoftIoULoss()(torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 8, 8))
    """

    def __init__(self, from_logits: bool = True, smooth: float = 1.0) -> None:
        super().__init__()
        self.from_logits = from_logits
        self.smooth = smooth

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return soft_iou_loss(pred, target, self.from_logits, self.smooth)


def soft_iou_bce_loss(
    logits: torch.Tensor, target: torch.Tensor, bce_weight: float, smooth: float = 1.0
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

    Returns:
        Scalar loss tensor.

    Raises:
        ValueError: shapes differ, or a negative ``bce_weight``.

    Example:
        >>> loss = soft_iou_bce_loss(torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 8, 8), 1.0)
    """
    if bce_weight < 0:
        raise ValueError(f"bce_weight must be >= 0, got {bce_weight}")
    loss = soft_iou_loss(logits, target, from_logits=True, smooth=smooth)
    if bce_weight == 0:
        return loss
    bce = nn.functional.binary_cross_entropy_with_logits(logits.float(), target.float())
    return loss + bce_weight * bce
