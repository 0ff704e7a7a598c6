"""Predictor: probability maps and detections for real frames of any size, type and count."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, overload

import numpy as np
import torch
from torch import nn

from gglnet.data.image import image_to_tensor
from gglnet.inference.optimize import optimize_for_inference
from gglnet.inference.padding import pad_to_multiple
from gglnet.inference.tiling import Tile, blend_tiles, split_tiles
from gglnet.metrics import Component, find_components
from gglnet.models import load_model

__all__ = ["PRECISIONS", "Predictor"]

Precision = Literal["fp32", "fp16", "bf16"]
PRECISIONS: dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "fp16": torch.float16,
    "bf16": torch.bfloat16,
}


class _Frame:
    """One frame on its way through the model: its windows and, later, their probabilities."""

    def __init__(self, image: torch.Tensor, divisor: int, tile: int | None, overlap: int) -> None:
        self.size = (int(image.shape[-2]), int(image.shape[-1]))
        padded = pad_to_multiple(image, divisor)
        self.padded_size = (int(padded.shape[-2]), int(padded.shape[-1]))
        if tile is not None and max(self.padded_size) > tile:
            self.windows, self.tiles = split_tiles(padded, tile, overlap)
        else:
            self.windows = padded[None]
            self.tiles = [Tile(0, 0, *self.padded_size)]
        self.probs: list[np.ndarray | None] = [None] * len(self.tiles)

    def assemble(self, overlap: int) -> np.ndarray:
        maps = np.stack(self.probs)  # type: ignore[arg-type]
        full = (
            maps[0]
            if len(self.tiles) == 1
            else blend_tiles(maps, self.tiles, self.padded_size, overlap)
        )
        height, width = self.size
        return np.ascontiguousarray(full[:height, :width])


class Predictor:
    """Run GGL-Net on real frames: any size, grey or RGB, 8/16-bit or float, one or many.

    Each frame is converted by :func:`gglnet.data.image.image_to_tensor`, zero-padded at the
    bottom/right to a multiple of the model's size divisor (see
    :func:`~gglnet.inference.pad_to_multiple`) and the result cropped back. Frames larger than
    ``tile`` are cut into overlapping ``tile x tile`` windows whose probabilities are blended
    with linear ramps (:mod:`gglnet.inference.tiling`). Windows of the same shape run together
    in batches of ``batch_size``. The model runs through :func:`optimize_for_inference`
    (BatchNorm folded, channels-last, chosen precision, optionally compiled).

    Args:
        model: a registered name or weight path (loaded with :func:`gglnet.load_model`), or a
            module mapping ``(B, 3, H, W)`` to logits that has ``config.size_divisor``.
        device: ``"cpu"``, ``"cuda"``, ...; default CUDA when available.
        precision: ``"fp32"``, ``"fp16"`` or ``"bf16"`` (the gradient image and the threshold
            stay float32 in all of them).
        tile: window size for large frames (a multiple of the size divisor), or ``None`` to
            run every frame whole.
        tile_overlap: minimum overlap of neighbouring windows in pixels; default
            ``tile // 8``.
        batch_size: most windows per forward pass.
        compile: ``torch.compile`` the model; ``"auto"`` compiles on CUDA only (on a CPU the
            first call per shape compiles for minutes).
        threshold: probability above which a pixel is a target (strictly greater, SPEC §12).

    Example:
        >>> pred = Predictor(gglnet.create_model("gglnet", widths=(8, 16)), device="cpu")
        >>> probs = pred(np.zeros((50, 70), np.uint8))
        >>> probs.shape, probs.dtype
        ((50, 70), dtype('float32'))
    """

    def __init__(
        self,
        model: str | Path | nn.Module,
        device: str | torch.device | None = None,
        precision: Precision = "fp32",
        tile: int | None = None,
        tile_overlap: int | None = None,
        batch_size: int = 8,
        compile: bool | Literal["auto"] = "auto",
        threshold: float = 0.5,
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold is a probability in [0, 1], got {threshold}")
        if not isinstance(model, nn.Module):
            model = load_model(model)
        divisor = getattr(getattr(model, "config", None), "size_divisor", None)
        if divisor is None:
            raise TypeError(
                f"Predictor needs a model with config.size_divisor (a GGLNet), "
                f"got {type(model).__name__}"
            )
        if tile is not None:
            if tile < divisor or tile % divisor:
                raise ValueError(f"tile must be a positive multiple of {divisor}, got {tile}")
            tile_overlap = tile // 8 if tile_overlap is None else tile_overlap
            if not 0 <= tile_overlap < tile:
                raise ValueError(f"need 0 <= tile_overlap < tile ({tile}), got {tile_overlap}")
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        device = torch.device(device)
        if compile == "auto":
            compile = device.type == "cuda"
        self.model = optimize_for_inference(
            model, device=device, dtype=PRECISIONS[precision], compile=bool(compile)
        )
        self.divisor = int(divisor)
        self.device = device
        self.precision = precision
        self.tile = tile
        self.tile_overlap = tile_overlap or 0
        self.batch_size = batch_size
        self.threshold = threshold

    @overload
    def __call__(self, frames: np.ndarray) -> np.ndarray: ...
    @overload
    def __call__(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]: ...

    def __call__(self, frames: np.ndarray | Sequence[np.ndarray]) -> np.ndarray | list[np.ndarray]:
        """Probability maps of one frame, a list of frames or a stack of frames.

        Args:
            frames: one image ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` (a 3-D array whose last
                axis is 1 or 3 is one image); a stack ``(N, H, W)`` or ``(N, H, W, 3)``; or a
                list of images of any sizes. ``uint8``, ``uint16`` or float in ``[0, 1]``. (A 3-D
                array whose last axis is 4 counts as one image too, and is rejected: drop
                the alpha channel first.)

        Returns:
            float32 probabilities on the CPU: ``(H, W)`` for one image, ``(N, H, W)`` for a
            stack, a list of ``(H_i, W_i)`` for a list.

        Raises:
            TypeError, ValueError: unsupported container, shape, dtype or value range.
        """
        images, form = _as_images(frames)
        probs = self._predict(images)
        if form == "single":
            return probs[0]
        if form == "stack":
            return np.stack(probs)
        return probs

    def find_targets(self, prob: np.ndarray) -> list[Component]:
        """Targets in one probability map: 8-connected components of ``prob > threshold``.

        Args:
            prob: ``(H, W)`` probabilities.

        Returns:
            :class:`~gglnet.metrics.Component` per target (centroid ``(y, x)``, bbox
            ``(x0, y0, x1, y1)``, area, peak probability), in raster order.
        """
        return find_components(prob > self.threshold, prob)

    @overload
    def detect(self, frames: np.ndarray) -> list[Component] | list[list[Component]]: ...
    @overload
    def detect(self, frames: Sequence[np.ndarray]) -> list[list[Component]]: ...

    def detect(
        self, frames: np.ndarray | Sequence[np.ndarray]
    ) -> list[Component] | list[list[Component]]:
        """Targets per frame (see :meth:`find_targets`).

        Args:
            frames: as for :meth:`__call__`.

        Returns:
            For one image a list of :class:`~gglnet.metrics.Component`; for a list or a stack
            one such list per frame. ``Component.to_dict()`` gives JSON-ready fields.
        """
        images, form = _as_images(frames)
        found = [self.find_targets(prob) for prob in self._predict(images)]
        return found[0] if form == "single" else found

    def _predict(self, images: list[np.ndarray]) -> list[np.ndarray]:
        frames = [
            _Frame(image_to_tensor(image), self.divisor, self.tile, self.tile_overlap)
            for image in images
        ]
        # Every window of every frame, grouped by shape so each batch is one tensor.
        groups: dict[tuple[int, ...], list[tuple[_Frame, int]]] = defaultdict(list)
        for frame in frames:
            for index in range(len(frame.tiles)):
                groups[tuple(frame.windows.shape[1:])].append((frame, index))
        for members in groups.values():
            for start in range(0, len(members), self.batch_size):
                chunk = members[start : start + self.batch_size]
                batch = torch.stack([frame.windows[index] for frame, index in chunk])
                probs = torch.sigmoid(self.model(batch)[:, 0]).cpu().numpy()
                for (frame, index), prob in zip(chunk, probs, strict=True):
                    frame.probs[index] = prob
        return [frame.assemble(self.tile_overlap) for frame in frames]


def _as_images(frames: object) -> tuple[list[np.ndarray], str]:
    """Split the accepted inputs into a list of single images and remember the form."""
    if isinstance(frames, np.ndarray):
        if frames.ndim == 2 or (frames.ndim == 3 and frames.shape[2] in (1, 3, 4)):
            return [frames], "single"
        if frames.ndim in (3, 4):
            if len(frames) == 0:
                raise ValueError(f"empty stack of frames: shape {frames.shape}")
            return list(frames), "stack"
        raise ValueError(
            f"Expected an image (H, W) / (H, W, 3) or a stack (N, H, W) / (N, H, W, 3), "
            f"got shape {frames.shape}"
        )
    if isinstance(frames, Sequence) and not isinstance(frames, (str, bytes)):
        if not frames:
            raise ValueError("empty list of frames")
        for i, frame in enumerate(frames):
            if not isinstance(frame, np.ndarray):
                raise TypeError(f"frame {i} is a {type(frame).__name__}, expected a numpy array")
        return list(frames), "list"
    raise TypeError(
        f"frames must be a numpy array or a list of arrays, got {type(frames).__name__}"
    )
