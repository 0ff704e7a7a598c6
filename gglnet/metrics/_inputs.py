"""Validation and conversion of metric inputs, shared by every public entry of the package."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import torch

__all__ = [
    "ArrayLike",
    "Matching",
    "binarize",
    "check_matching",
    "check_threshold",
    "check_thresholds",
    "load_pair",
    "load_pairs",
]

ArrayLike = np.ndarray | torch.Tensor
Matching = Literal["greedy", "optimal"]

_MATCHINGS: tuple[str, ...] = get_args(Matching)
_SHAPES = "(B, 1, H, W), (B, H, W) or (H, W)"
_SHOWN_VALUES = 6
_PACKAGE_DIR = str(Path(__file__).parent)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside this package.

    The public functions reach the checks through one or two helpers, so a fixed level would
    name a line of gglnet for some of them instead of the user's call.
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level += 1
        frame = frame.f_back
    return level


def _to_numpy(x: ArrayLike, name: str) -> np.ndarray:
    """One device-to-host copy for tensors; float16/bfloat16 widened to float32."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype in (torch.float16, torch.bfloat16):
            x = x.float()
        return x.cpu().numpy()
    if isinstance(x, np.ndarray):
        return x.astype(np.float32) if x.dtype == np.float16 else x
    raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def _as_bhw(x: np.ndarray, name: str) -> np.ndarray:
    """View ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)`` as ``(B, H, W)``."""
    if x.size == 0:
        raise ValueError(f"empty batch: got {name} shape {x.shape}")
    if x.ndim == 2:
        x = x[None]
    elif x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim != 3:
        raise ValueError(f"Expected {name} of shape {_SHAPES}, got {x.shape}")
    return x


def _probabilities(pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """Check a float ``pred`` is finite (and in [0, 1] unless logits); apply the sigmoid."""
    if pred.dtype.kind != "f":
        raise TypeError(
            f"pred must hold floating-point probabilities (or logits with from_logits=True), "
            f"got dtype {pred.dtype}"
        )
    # NaN propagates through min/max and inf shows up in them: two reductions check everything.
    low, high = float(pred.min()), float(pred.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("pred contains NaN or inf")
    if from_logits:
        if low >= 0 and high <= 1:
            # A sigmoid maps all of [0, 1] above 0.5: every pixel would be predicted.
            warnings.warn(
                "from_logits=True but every value of pred lies in [0, 1]: these look like "
                "probabilities, and their sigmoid lies in [0.5, 0.73]; pass "
                "from_logits=False for probabilities",
                UserWarning,
                stacklevel=_caller_stacklevel(),
            )
        return torch.sigmoid(torch.from_numpy(np.require(pred, requirements="CW"))).numpy()
    if low < 0 or high > 1:
        raise ValueError(
            f"pred must hold probabilities in [0, 1], got values in [{low:.4g}, {high:.4g}]; "
            "pass from_logits=True for logits"
        )
    return pred


def _true_mask(target: np.ndarray) -> np.ndarray:
    """Binary mask of a {0, 1} (any dtype) or {0, 255} (integer) target; else ValueError."""
    if target.dtype == np.bool_:
        return target
    if target.dtype.kind not in "fiu":
        raise TypeError(f"target must be a bool, integer or float mask, got dtype {target.dtype}")
    mask = target != 0
    # Every set pixel equals 1 (or 255 for integers): then `!= 0` is the `> 0.5` cut-off of
    # The metric's rule (docs/metrics.md) after 0/255 masks are scaled to 0/1. Masks are
    # sparse: check only those.
    set_values = target[mask]
    if (set_values == 1).all() or (target.dtype.kind in "iu" and (set_values == 255).all()):
        return mask
    seen = np.unique(target)
    shown = ", ".join(str(v) for v in seen[:_SHOWN_VALUES].tolist())
    more = f", ... ({seen.size} unique)" if seen.size > _SHOWN_VALUES else ""
    hint = "; divide 0/255 float masks by 255" if set(seen.tolist()) <= {0, 255} else ""
    raise ValueError(
        "target must be a binary mask with values in {0, 1} (bool, integer or float) or "
        f"{{0, 255}} (integer), got {target.dtype} values [{shown}{more}]{hint}"
    )


def load_pair(
    pred: ArrayLike, target: ArrayLike, from_logits: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a prediction/target pair and bring it to host numpy arrays.

    Args:
        pred: probabilities (or logits with ``from_logits=True``), torch or numpy, shaped
            ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``; float dtype, finite.
        target: a mask of the same ``(B, H, W)`` extent with values in {0, 1} (bool,
            integer or float) or {0, 255} (integer).
        from_logits: apply a sigmoid (``torch.sigmoid``, in the dtype of ``pred``) first.

    Returns:
        ``(prob, truth)``: ``(B, H, W)`` float probabilities and a ``(B, H, W)`` bool mask.

    Raises:
        TypeError: an input is not a tensor/ndarray, or has an unsupported dtype.
        ValueError: shapes that are not ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)``, shapes
            that differ, an empty batch, NaN/inf in ``pred``, probabilities outside
            ``[0, 1]`` or target values that are not a binary mask.
    """
    pred_np, target_np = _to_numpy(pred, "pred"), _to_numpy(target, "target")
    pred_bhw, target_bhw = _as_bhw(pred_np, "pred"), _as_bhw(target_np, "target")
    if pred_bhw.shape != target_bhw.shape:
        raise ValueError(f"pred and target shapes differ: {pred_np.shape} vs {target_np.shape}")
    return _probabilities(pred_bhw, from_logits), _true_mask(target_bhw)


def load_pairs(
    preds: ArrayLike | Sequence[ArrayLike],
    targets: ArrayLike | Sequence[ArrayLike],
    from_logits: bool = False,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`load_pair` for one batch, or for aligned sequences of batches (mixed sizes).

    Returns:
        A list of ``(prob, truth)`` pairs, each ``(B_i, H_i, W_i)``.

    Raises:
        ValueError: the sequences are empty or differ in length, and as :func:`load_pair`.
    """
    if isinstance(preds, (np.ndarray, torch.Tensor)) or isinstance(
        targets, (np.ndarray, torch.Tensor)
    ):
        return [load_pair(preds, targets, from_logits)]  # type: ignore[arg-type]
    preds, targets = list(preds), list(targets)
    if len(preds) != len(targets):
        raise ValueError(f"got {len(preds)} prediction batches but {len(targets)} target batches")
    if not preds:
        raise ValueError("empty batch: got no predictions")
    return [load_pair(p, t, from_logits) for p, t in zip(preds, targets, strict=True)]


def binarize(prob: np.ndarray, threshold: float) -> np.ndarray:
    """``prob > threshold`` with the threshold rounded to the dtype of ``prob`` (as torch does).

    Args:
        prob: float probabilities, any shape.
        threshold: the cut-off; strictly greater values are predicted target pixels.

    Returns:
        A bool array shaped like ``prob``.
    """
    return prob > prob.dtype.type(threshold)


def check_threshold(threshold: float) -> float:
    """A probability threshold: a real number in ``[0, 1]``."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
        raise TypeError(f"threshold must be a float in [0, 1], got {type(threshold).__name__}")
    if not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    return float(threshold)


def check_thresholds(thresholds: Sequence[float] | np.ndarray | torch.Tensor) -> np.ndarray:
    """A non-empty 1-D float64 array of finite thresholds in ``[0, 1]``, in the given order."""
    if isinstance(thresholds, torch.Tensor):
        thresholds = thresholds.detach().cpu().numpy()
    try:
        values = np.asarray(thresholds, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"thresholds must be a sequence of floats: {err}") from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"thresholds must be a non-empty 1-D sequence, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("thresholds contain NaN or inf")
    if values.min() < 0 or values.max() > 1:
        raise ValueError(
            f"thresholds must lie in [0, 1], got values in [{values.min():.4g}, {values.max():.4g}]"
        )
    return values


def check_matching(matching: str) -> Matching:
    """``"greedy"`` (the released code) or ``"optimal"`` (maximum matching)."""
    if matching not in _MATCHINGS:
        raise ValueError(f"matching must be one of {_MATCHINGS}, got {matching!r}")
    return matching  # type: ignore[return-value]
