"""Evaluate a model on a dataset with the paper's metrics: IoU, nIoU, Pd, Fa (+ 3D-ROC AUCs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gglnet.data import IRSTDDataset
from gglnet.hardware import resolve_device
from gglnet.metrics import IRSTDMetrics, roc
from gglnet.metrics.roc import check_roc_thresholds
from gglnet.padding import PadMode, check_pad_mode, model_pad_mode, pad_to_multiple
from gglnet.precision import autocast_dtype

__all__ = ["evaluate", "format_metrics"]


def evaluate(
    model: nn.Module,
    dataset: Dataset,
    *,
    batch_size: int = 4,
    threshold: float = 0.5,
    roc_thresholds: int | Sequence[float] | None = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    workers: int = 0,
    progress: bool = True,
    pad_mode: PadMode | None = None,
    trim: int = 0,
) -> dict[str, Any]:
    """Run ``model`` over ``dataset`` and compute the IRSTD metrics (``docs/metrics.md``).

    Items must be dicts with ``image`` ``(3, H, W)`` and ``mask`` ``(1, H, W)``, as
    :class:`~gglnet.data.IRSTDDataset` and :class:`~gglnet.data.SyntheticDataset` give. A
    dataset at native size (``size=None``) is evaluated one image at a time, each padded at the
    bottom and right to a multiple of the model's size divisor as the model's
    ``config.pad_mode`` says (as :class:`gglnet.Predictor` pads) and its prediction cropped
    back, so metrics count exactly the image's own pixels.

    The masks of an :class:`~gglnet.data.IRSTDDataset` are checked first
    (:meth:`~gglnet.data.IRSTDDataset.check_masks`): resizing that makes ground-truth targets
    vanish, and masks that are not binary, warn once with the counts.

    Args:
        model: returns logits ``(B, 1, H, W)``; evaluated in eval mode, its mode restored.
        dataset: the images and masks.
        batch_size: images per forward pass (1 at native size).
        threshold: probability cut-off of the predicted mask.
        roc_thresholds: also compute the 3D-ROC: a number (at least 2) of evenly spaced
            thresholds in ``[0, 1]`` (10001 for the paper's 1e-4 step) or the thresholds
            themselves. Probabilities of the whole set are kept in memory for it.
        device: where to run (the model is moved there); default: where the model's
            parameters are.
        precision: ``"fp32"`` (the reference protocol), ``"bf16"``, ``"fp16"`` (CUDA) or
            ``"auto"`` (as :class:`gglnet.Predictor` resolves it:
            :func:`gglnet.precision.resolve_precision`); reduced precisions run under
            autocast, the probabilities are thresholded in float32.
        workers: DataLoader worker processes.
        progress: show a progress bar.
        pad_mode: pad native-size images this way instead (:data:`gglnet.padding.PAD_MODES`);
            ``None``: the model's ``config.pad_mode`` (zeros for a model without one).
        trim: at native size, cut this many rows and columns off the bottom and right of
            each image and its mask first, so that images whose sides are multiples of 16
            need padding (8 turns 256x256 into 248x248, padded back to 256 as a 1080-row
            frame is padded to 1088): how the weights do next to the padded edge. Metrics
            count the trimmed images' pixels.

    Returns:
        ``iou``, ``niou``, ``pd``, ``fa`` (floats; Fa as a fraction, ×1e6 in the paper's
        tables), ``n_images``, ``n_targets``, ``n_pixels``, ``threshold``; at native size
        also ``pad_mode`` and ``trim``; with
        ``roc_thresholds`` also ``auc_pd_fa``, ``auc_pd_tau``, ``auc_fa_tau`` and
        ``roc_curve``, the :class:`~gglnet.metrics.ROCCurve` itself (for
        :func:`gglnet.metrics.plot.plot_roc`).

    Raises:
        ValueError: an empty dataset, items without masks, an unknown precision (or
            ``"fp16"`` off CUDA) or pad mode, ``trim`` not at native size or not shorter than
            an image's side, or ``roc_thresholds`` that are not at least 2 thresholds in
            ``[0, 1]`` (checked before the model runs).

    Warns:
        UserWarning: resizing loses ground-truth targets, or masks are not binary.

    Example:
        >>> import gglnet
        >>> from gglnet.data import SyntheticDataset
        >>> model = gglnet.create_model("gglnet", widths=(8, 16))
        >>> evaluate(model, SyntheticDataset(2, size=64), progress=False)["n_images"]
        2
    """
    if len(dataset) == 0:
        raise ValueError("cannot evaluate on an empty dataset")
    grid = None if roc_thresholds is None else _roc_grid(roc_thresholds)
    if isinstance(dataset, IRSTDDataset):
        dataset.check_masks()
    native = getattr(dataset, "size", 0) is None
    if isinstance(trim, bool) or not isinstance(trim, int) or trim < 0:
        raise ValueError(f"trim must be a non-negative integer, got {trim!r}")
    if trim and not native:
        raise ValueError(
            "trim applies at native size (a dataset with size=None): resized images are "
            "multiples of 16 or need padding already"
        )
    if native:
        batch_size = 1
    device = resolve_device(device) if device is not None else next(model.parameters()).device
    dtype = autocast_dtype(precision, device, "evaluation")
    divisor = model.config.size_divisor if hasattr(model, "config") else 1
    if pad_mode is not None:
        check_pad_mode(pad_mode)
    if pad_mode is not None and not native:
        raise ValueError(
            f"pad_mode={pad_mode!r} applies at native size (a dataset with size=None): resized "
            "images are multiples of 16 already"
        )
    pad_mode = model_pad_mode(model, pad_mode)
    metrics = IRSTDMetrics(threshold=threshold)
    scores: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    loader = DataLoader(
        dataset, batch_size=batch_size, num_workers=workers, pin_memory=device.type == "cuda"
    )
    was_training = model.training
    model.eval().to(device)
    try:
        with torch.inference_mode():
            for batch in tqdm(
                loader, desc="evaluating", leave=False, disable=None if progress else True
            ):
                if "mask" not in batch:
                    raise ValueError("evaluation needs masks; this dataset has images only")
                image, mask = batch["image"], batch["mask"]
                if trim:
                    image, mask = _trim(image, trim, batch.get("stem")), _trim(mask, trim)
                image = image.to(device, non_blocking=True)
                with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
                    logits = (
                        _forward_padded(model, image, divisor, pad_mode) if native else model(image)
                    )
                prob = torch.sigmoid(logits.float()).cpu()
                metrics.update(prob, mask)
                if grid is not None:
                    scores.append(prob.numpy())
                    targets.append(mask.numpy())
    finally:
        model.train(was_training)
    result: dict[str, Any] = {**metrics.compute(), "threshold": threshold}
    if native:
        result |= {"pad_mode": pad_mode, "trim": trim}
    if grid is not None:
        curve = roc(scores, targets, thresholds=grid)
        result |= {
            "auc_pd_fa": curve.auc_pd_fa,
            "auc_pd_tau": curve.auc_pd_tau,
            "auc_fa_tau": curve.auc_fa_tau,
            "roc_curve": curve,
        }
    return result


def format_metrics(metrics: dict[str, Any], title: str = "") -> str:
    """A table row like the paper's: IoU, nIoU, Pd, Fa (×1e-6) and the image count.

    Args:
        metrics: as :func:`evaluate` returns them.
        title: a first line (e.g. the model and split).

    Returns:
        A few lines of text.

    Example:
        >>> print(format_metrics({"iou": 0.8142, "niou": 0.7858, "pd": 0.99, "fa": 4.4e-6,
        ...                       "n_images": 96}))
           IoU    nIoU      Pd  Fa(x1e-6)  images
        0.8142  0.7858  0.9900       4.40      96
    """
    header = f"{'IoU':>6}  {'nIoU':>6}  {'Pd':>6}  {'Fa(x1e-6)':>9}  {'images':>6}"
    row = (
        f"{metrics['iou']:6.4f}  {metrics['niou']:6.4f}  {metrics['pd']:6.4f}  "
        f"{metrics['fa'] * 1e6:9.2f}  {metrics['n_images']:6d}"
    )
    lines = [title] if title else []
    lines += [header, row]
    if "auc_pd_fa" in metrics:
        lines.append(
            f"3D-ROC AUC: (Pd, Fa) {metrics['auc_pd_fa']:.6f}  (Pd, tau) "
            f"{metrics['auc_pd_tau']:.4f}  (Fa, tau) {metrics['auc_fa_tau']:.3e}"
        )
    return "\n".join(lines)


def _roc_grid(roc_thresholds: int | Sequence[float]) -> np.ndarray:
    """The 3D-ROC thresholds of ``roc_thresholds``: a count (>= 2) or the values themselves."""
    if isinstance(roc_thresholds, bool):
        raise TypeError("roc_thresholds must be a number of thresholds or a sequence, got a bool")
    if isinstance(roc_thresholds, (int, np.integer)):
        if roc_thresholds < 2:
            raise ValueError(
                f"roc_thresholds must be at least 2 (the 3D-ROC integrates over thresholds; "
                f"10001 gives the paper's 1e-4 step), got {roc_thresholds}"
            )
        return np.linspace(0.0, 1.0, int(roc_thresholds))
    return check_roc_thresholds(roc_thresholds)


def _trim(tensor: torch.Tensor, trim: int, stem: Any = None) -> torch.Tensor:
    """``(..., H, W)`` without its last ``trim`` rows and columns."""
    height, width = tensor.shape[-2:]
    if trim >= min(height, width):
        name = f" {stem[0]}" if stem else ""
        raise ValueError(f"trim={trim} leaves nothing of the {height}x{width} image{name}")
    return tensor[..., : height - trim, : width - trim]


def _forward_padded(
    model: nn.Module, image: torch.Tensor, divisor: int, mode: PadMode
) -> torch.Tensor:
    """Logits of an image of any size, padded as :class:`gglnet.Predictor` pads, cropped back."""
    height, width = image.shape[-2:]
    return model(pad_to_multiple(image, divisor, mode))[..., :height, :width]
