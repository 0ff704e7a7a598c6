"""Predictor: probability maps and detections for real frames of any size, type and count."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args, overload

import numpy as np
import torch
from torch import nn

from gglnet.data.image import image_to_tensor
from gglnet.hardware import resolve_device
from gglnet.inference.export import OnnxRuntimeModel, export_onnx
from gglnet.inference.optimize import InferenceModel, optimize_for_inference
from gglnet.inference.tiling import Tile, blend_tiles, split_tiles
from gglnet.metrics import Component, find_components
from gglnet.models import load_model
from gglnet.padding import (
    DEFAULT_SIZE_BUCKETS,
    PadMode,
    bucket_size,
    check_pad_mode,
    model_pad_mode,
    pad_bottom_right,
    padded_size,
)
from gglnet.precision import Precision, check_precision

__all__ = [
    "AUTO_TILE",
    "AUTO_TILE_ABOVE",
    "BACKENDS",
    "LAYOUTS",
    "MAX_BATCH_PIXELS",
    "Latency",
    "Predictor",
]

AUTO_TILE = 1024
"""Window side of ``tile="auto"``."""
AUTO_TILE_ABOVE = 2**21
"""``tile="auto"`` cuts frames of more (padded) pixels than this into windows: a 1920x1080
frame (1920x1088 padded, 2.09 Mpx) runs whole, a 4000x3000 frame runs in windows."""
MAX_BATCH_PIXELS = 2**20
"""Default pixel budget of one forward pass: frames or windows of one shape are batched up to
it (one always runs, whatever its size). With ``tile="auto"`` a 4000x3000 frame peaks at
about 1.6 GB of memory in float32 on a CPU (docs/inference.md)."""

Layout = Literal["HW", "HWC", "CHW", "NHW", "NHWC", "NCHW"]
LAYOUTS: tuple[str, ...] = get_args(Layout)

Backend = Literal["torch", "onnxruntime"]
BACKENDS: tuple[str, ...] = get_args(Backend)
"""``"torch"``: :func:`optimize_for_inference`; ``"onnxruntime"``: the model exported to ONNX
(:func:`gglnet.inference.export.export_onnx`) in ONNX Runtime, float32 on the CPU."""


@dataclass
class Latency:
    """Wall-clock seconds of a Predictor's calls, the first apart from the rest.

    The first call at a new shape compiles (or loads the compiled graph from the on-disk
    cache); on a stream of one frame per call, ``first_s`` is the first frame's latency and
    ``mean_s`` the steady one.

    Attributes:
        first_s: the first call (``None`` before it).
        calls: calls so far.
        rest_s: total of the calls after the first.
    """

    first_s: float | None = None
    calls: int = 0
    rest_s: float = 0.0

    @property
    def mean_s(self) -> float | None:
        """Mean seconds of the calls after the first (``None`` with fewer than two)."""
        return self.rest_s / (self.calls - 1) if self.calls > 1 else None

    def add(self, seconds: float) -> None:
        """Record one call."""
        if self.first_s is None:
            self.first_s = seconds
        else:
            self.rest_s += seconds
        self.calls += 1

    def __str__(self) -> str:
        if self.first_s is None:
            return "no calls yet"
        text = f"first call {self.first_s:.3f} s"
        if self.mean_s is not None:
            text += f", then {self.mean_s:.3f} s (mean of {self.calls - 1})"
        return text


class _Frame:
    """One frame on its way through the model: its windows and, later, their probabilities."""

    def __init__(
        self,
        image: torch.Tensor,
        divisor: int,
        tile: int | None,
        overlap: int,
        tile_above: int | None,
        buckets: Sequence[int] | None,
        pad_mode: PadMode,
    ) -> None:
        """``tile_above``: tile frames of more pixels than this (``tile="auto"``); ``None``:
        tile frames with a side longer than ``tile``. ``buckets``: pad frames that run whole
        up to these sides (:func:`~gglnet.padding.bucket_size`)."""
        self.size = (int(image.shape[-2]), int(image.shape[-1]))
        height, width = padded_size(*self.size, divisor)
        if tile_above is not None:
            large = height * width > tile_above
        else:
            large = max(height, width) > (tile or 0)
        if tile is not None and large:
            padded = pad_bottom_right(image, height, width, pad_mode)
            self.padded_size = (height, width)
            self.windows, self.tiles = split_tiles(padded, tile, overlap)
        else:
            if buckets:
                height, width = bucket_size(height, width, buckets, divisor)
            # one padding of the frame itself: a reflection of a reflection would repeat the
            # rows next to the edge
            self.padded_size = (height, width)
            self.windows = pad_bottom_right(image, height, width, pad_mode)[None]
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

    Each frame is converted by :func:`gglnet.data.image.image_to_tensor`, padded at the
    bottom/right to a multiple of the model's size divisor as its weights need
    (``model.config.pad_mode``: zeros, or a reflection for weights trained only on whole
    frames of one size; :func:`~gglnet.inference.pad_to_multiple`) and the result cropped
    back. Frames larger than ``tile`` are cut into overlapping ``tile x tile`` windows whose
    probabilities are blended with linear ramps (:mod:`gglnet.inference.tiling`); by default
    (``"auto"``) frames of more than :data:`AUTO_TILE_ABOVE` pixels (a 1920x1080 frame runs
    whole) are cut into 1024-pixel windows. Windows of the same shape run together in
    batches of at most ``batch_size`` and at most ``max_batch_pixels`` pixels, so peak memory
    stays bounded whatever the frame size. The model runs through :func:`optimize_for_inference`
    (BatchNorm folded, channels-last, chosen precision, optionally compiled), or, with
    ``backend="onnxruntime"``, as an ONNX export in ONNX Runtime.

    A compiled model needs one graph per input shape. So that a stream of mixed frame sizes
    compiles a few graphs instead of one per size, a compiled Predictor pads each frame that
    runs whole up to the next of ``size_buckets`` per side (at the bottom and right, as for
    the multiple of 16; the result is cropped back). The padding changes the global gates
    a little (they pool over the padded frame): ``docs/inference.md`` gives the measured
    effect. :attr:`latency` reports the first call (compilation, or loading the compiled
    graph from the on-disk cache) apart from the rest; :meth:`stream` runs a video stream.

    Args:
        model: a registered name or weight path (loaded with :func:`gglnet.load_model`), or a
            module mapping ``(B, 3, H, W)`` to logits that has ``config.size_divisor``; with
            ``backend="onnxruntime"`` also a ``.onnx`` file written by
            :func:`~gglnet.inference.export.export_onnx` (a module or weights are exported
            to a temporary file first).
        device: ``"cpu"``, ``"cuda"``, ...; default CUDA when available
            (:func:`gglnet.hardware.resolve_device`).
        precision: ``"auto"`` (bfloat16 where the device has native bfloat16 arithmetic,
            float32 elsewhere: :func:`gglnet.precision.resolve_precision`), ``"fp32"``,
            ``"fp16"`` or ``"bf16"``. The gradient image and the threshold stay float32 in all
            of them. The onnxruntime backend runs float32 (``"auto"`` is ``"fp32"`` there).
        tile: ``"auto"`` (1024-pixel windows for frames above :data:`AUTO_TILE_ABOVE`), a window
            size for frames larger than it (a multiple of the size divisor), or ``None`` to run
            every frame whole (memory then grows with the frame: about 6 GB for 4000x3000).
        tile_overlap: minimum overlap of neighbouring windows in pixels; default
            ``tile // 8``. Needs ``tile``.
        batch_size: most windows per forward pass.
        max_batch_pixels: most pixels per forward pass (frames or windows of one shape are
            batched up to it; one window always runs).
        compile: ``torch.compile`` the model; ``"auto"`` compiles on CUDA only (on a CPU the
            first call per shape compiles for minutes; a second process loads it from the
            inductor cache in seconds).
        threshold: probability above which a pixel is a target (strictly greater).
        backend: ``"torch"`` or ``"onnxruntime"`` (needs ``gglnet[onnx]``; CPU only).
        size_buckets: sides frames are padded up to when the model is compiled; ``"auto"``:
            :data:`~gglnet.padding.DEFAULT_SIZE_BUCKETS` when compiled, none
            otherwise; ``None``: pad to the size divisor only (one graph per frame size).
        freezing: inductor freezing of compiled graphs (:func:`optimize_for_inference`;
            default: on a CPU). Frozen graphs run faster but bypass inductor's FX-graph
            cache: a new process re-traces them (seconds), reusing only the compiled kernels.
        pad_mode: pad frames this way instead (:data:`gglnet.padding.PAD_MODES`); ``None``:
            the model's ``config.pad_mode`` (``"zeros"`` for a model without one).

    Attributes:
        model: the :class:`~gglnet.inference.InferenceModel` (or
            :class:`~gglnet.inference.export.OnnxRuntimeModel`) that runs.
        precision: the precision it runs in (``"auto"`` resolved).
        size_buckets: the sides frames are padded up to (``None``: none).
        pad_mode: how frames are padded.
        latency: :class:`Latency` of the calls so far.

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
        precision: Precision = "auto",
        tile: int | Literal["auto"] | None = "auto",
        tile_overlap: int | None = None,
        batch_size: int = 8,
        max_batch_pixels: int = MAX_BATCH_PIXELS,
        compile: bool | Literal["auto"] = "auto",
        threshold: float = 0.5,
        backend: Backend = "torch",
        size_buckets: Sequence[int] | Literal["auto"] | None = "auto",
        freezing: bool | None = None,
        pad_mode: PadMode | None = None,
    ) -> None:
        check_precision(precision)
        if pad_mode is not None:
            check_pad_mode(pad_mode)
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold is a probability in [0, 1], got {threshold}")
        if isinstance(model, (str, Path)) and Path(model).suffix == ".onnx":
            if backend != "onnxruntime":
                raise ValueError(f"{model} is an ONNX file: run it with backend='onnxruntime'")
            model = OnnxRuntimeModel(model)
        elif not isinstance(model, (nn.Module, OnnxRuntimeModel)):
            model = load_model(model)
        if isinstance(model, OnnxRuntimeModel) and backend != "onnxruntime":
            raise ValueError("an OnnxRuntimeModel runs with backend='onnxruntime'")
        divisor = getattr(getattr(model, "config", None), "size_divisor", None)
        if divisor is None:
            raise TypeError(
                f"Predictor needs a model with config.size_divisor (a GGLNet), "
                f"got {type(model).__name__}"
            )
        if tile is None and tile_overlap is not None:
            raise ValueError(
                f"tile_overlap={tile_overlap} needs tile (windows to overlap); got tile=None"
            )
        if max_batch_pixels < 1:
            raise ValueError(f"max_batch_pixels must be positive, got {max_batch_pixels}")
        self.auto_tile = tile == "auto"
        if self.auto_tile:
            tile = AUTO_TILE
        if tile is not None:
            if isinstance(tile, bool) or not isinstance(tile, int):
                raise TypeError(f"tile must be an int, 'auto' or None, got {tile!r}")
            if tile < divisor or tile % divisor:
                raise ValueError(f"tile must be a positive multiple of {divisor}, got {tile}")
            tile_overlap = tile // 8 if tile_overlap is None else tile_overlap
            if not 0 <= tile_overlap < tile:
                raise ValueError(f"need 0 <= tile_overlap < tile ({tile}), got {tile_overlap}")
        # ONNX Runtime runs on the CPU here: no default to CUDA for it.
        device = resolve_device("cpu" if device is None and backend == "onnxruntime" else device)
        if backend == "onnxruntime":
            if device.type != "cpu" or precision not in ("auto", "fp32") or compile is True:
                raise ValueError(
                    "backend='onnxruntime' runs float32 on the CPU, uncompiled; got "
                    f"device={device}, precision={precision!r}, compile={compile!r}"
                )
            if not isinstance(model, OnnxRuntimeModel):
                model = _export_to_onnxruntime(model)
            self.model: InferenceModel | OnnxRuntimeModel = model
            compile = False
        else:
            if compile == "auto":
                compile = device.type == "cuda"
            self.model = optimize_for_inference(
                model,
                device=device,
                precision=precision,
                compile=bool(compile),
                freezing=freezing,
            )
        if size_buckets == "auto":
            size_buckets = DEFAULT_SIZE_BUCKETS if compile else None
        if size_buckets is not None:
            size_buckets = tuple(sorted(int(b) for b in size_buckets))
            if not size_buckets or any(b < divisor or b % divisor for b in size_buckets):
                raise ValueError(
                    f"size_buckets must be positive multiples of {divisor}, got {size_buckets}"
                )
        self.size_buckets: tuple[int, ...] | None = size_buckets
        self.pad_mode: PadMode = model_pad_mode(self.model, pad_mode)
        self.backend = backend
        self.divisor = int(divisor)
        self.device = device
        self.precision: str = self.model.precision
        self.latency = Latency()
        self.tile = tile
        self.tile_overlap = tile_overlap or 0
        self.batch_size = batch_size
        self.max_batch_pixels = max_batch_pixels
        self.tile_above = AUTO_TILE_ABOVE if self.auto_tile else None
        self.threshold = threshold

    def __repr__(self) -> str:
        return (
            f"Predictor({self.model!r}, tile={self.tile}, size_buckets={self.size_buckets}, "
            f"batch_size={self.batch_size}, threshold={self.threshold}, "
            f"pad_mode={self.pad_mode!r})"
        )

    @overload
    def __call__(self, frames: np.ndarray, layout: Layout | None = None) -> np.ndarray: ...
    @overload
    def __call__(
        self, frames: Sequence[np.ndarray], layout: Layout | None = None
    ) -> list[np.ndarray]: ...

    def __call__(
        self, frames: np.ndarray | Sequence[np.ndarray], layout: Layout | None = None
    ) -> np.ndarray | list[np.ndarray]:
        """Probability maps of one frame, a list of frames or a stack of frames.

        Args:
            frames: one image ``(H, W)`` or ``(H, W, C)`` with C = 1 or 3 (RGB); a stack
                ``(N, H, W)`` or ``(N, H, W, C)``; or a list of images of any sizes.
                ``uint8``, ``uint16`` or float in ``[0, 1]``.
            layout: the axes of an array: ``"HW"``, ``"HWC"``, ``"CHW"``, ``"NHW"``,
                ``"NHWC"`` or ``"NCHW"``. ``None`` reads them from the shape where that is
                unambiguous; a 3-D array whose first axis is 1 or 3 and last is not (a
                channels-first image or a stack of 1 or 3 frames?) needs it.

        Returns:
            float32 probabilities on the CPU: ``(H, W)`` for one image, ``(N, H, W)`` for a
            stack, a list of ``(H_i, W_i)`` for a list.

        Raises:
            TypeError, ValueError: unsupported container, shape, layout, dtype or value range
                (NaN or infinity included).
        """
        images, form = _as_images(frames, layout)
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
    def detect(
        self, frames: np.ndarray, layout: Layout | None = None
    ) -> list[Component] | list[list[Component]]: ...
    @overload
    def detect(
        self, frames: Sequence[np.ndarray], layout: Layout | None = None
    ) -> list[list[Component]]: ...

    def detect(
        self, frames: np.ndarray | Sequence[np.ndarray], layout: Layout | None = None
    ) -> list[Component] | list[list[Component]]:
        """Targets per frame (see :meth:`find_targets`).

        Args:
            frames, layout: as for :meth:`__call__`.

        Returns:
            For one image a list of :class:`~gglnet.metrics.Component`; for a list or a stack
            one such list per frame. ``Component.to_dict()`` gives JSON-ready fields.
        """
        images, form = _as_images(frames, layout)
        found = [self.find_targets(prob) for prob in self._predict(images)]
        return found[0] if form == "single" else found

    def stream(
        self, frames: Iterable[np.ndarray], layout: Layout | None = None
    ) -> Iterator[np.ndarray]:
        """Probability maps of a video stream, one frame at a time, as the frames arrive.

        Frames of one size run through one compiled graph (compiled at the first frame, or
        loaded from the on-disk inductor cache by a later process); frames of mixed sizes
        share the graphs of ``size_buckets``. :attr:`latency` then holds the first frame's
        latency apart from the steady one.

        Args:
            frames: any iterable of single images (as for :meth:`__call__`).
            layout: as for :meth:`__call__`.

        Yields:
            ``(H, W)`` float32 probabilities per frame.

        Example:
            >>> pred = Predictor(gglnet.create_model("gglnet", widths=(8, 16)), device="cpu")
            >>> maps = list(pred.stream(np.zeros((3, 40, 40), np.uint8)))
            >>> len(maps), pred.latency.calls
            (3, 3)
        """
        for frame in frames:
            images, form = _as_images(frame, layout)
            if form != "single":
                raise ValueError(
                    f"stream takes one image per item, got a {form} of shape "
                    f"{getattr(frame, 'shape', None)}"
                )
            yield self._predict(images)[0]

    def _predict(self, images: list[np.ndarray]) -> list[np.ndarray]:
        start = time.perf_counter()
        frames = [
            _Frame(
                image_to_tensor(image),
                self.divisor,
                self.tile,
                self.tile_overlap,
                self.tile_above,
                self.size_buckets,
                self.pad_mode,
            )
            for image in images
        ]
        # Every window of every frame, grouped by shape so each batch is one tensor.
        groups: dict[tuple[int, ...], list[tuple[_Frame, int]]] = defaultdict(list)
        for frame in frames:
            for index in range(len(frame.tiles)):
                groups[tuple(frame.windows.shape[1:])].append((frame, index))
        for shape, members in groups.items():
            pixels = shape[-2] * shape[-1]
            size = max(1, min(self.batch_size, self.max_batch_pixels // pixels))
            for start in range(0, len(members), size):
                chunk = members[start : start + size]
                batch = torch.stack([frame.windows[index] for frame, index in chunk])
                probs = torch.sigmoid(self.model(batch)[:, 0]).cpu().numpy()
                for (frame, index), prob in zip(chunk, probs, strict=True):
                    frame.probs[index] = prob
        maps = [frame.assemble(self.tile_overlap) for frame in frames]
        self.latency.add(time.perf_counter() - start)
        return maps


def _export_to_onnxruntime(model: nn.Module) -> OnnxRuntimeModel:
    """``model`` exported to a temporary ONNX file (checked) and loaded in ONNX Runtime."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        export_onnx(model, path)
        # The session holds the graph in memory; the file can go.
        return OnnxRuntimeModel(path)


def _as_images(frames: object, layout: str | None = None) -> tuple[list[np.ndarray], str]:
    """Split the accepted inputs into a list of ``(H, W[, C])`` images and remember the form."""
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if isinstance(frames, np.ndarray):
        layout = layout or _infer_layout(frames.shape)
        if frames.ndim != len(layout):
            raise ValueError(
                f"layout {layout!r} needs a {len(layout)}-D array, got shape {frames.shape}"
            )
        if "C" in layout and frames.shape[layout.index("C")] not in (1, 3):
            raise ValueError(
                f"layout {layout!r} puts {frames.shape[layout.index('C')]} channels on axis "
                f"{layout.index('C')} of shape {frames.shape}; expected 1 or 3 (drop alpha)"
            )
        if layout == "CHW":
            frames = np.moveaxis(frames, 0, -1)
        elif layout == "NCHW":
            frames = np.moveaxis(frames, 1, -1)
        if not layout.startswith("N"):
            return [frames], "single"
        if len(frames) == 0:
            raise ValueError(f"empty stack of frames: shape {frames.shape}")
        return list(frames), "stack"
    if isinstance(frames, Sequence) and not isinstance(frames, (str, bytes)):
        if not frames:
            raise ValueError("empty list of frames")
        images = []
        for i, frame in enumerate(frames):
            if not isinstance(frame, np.ndarray):
                raise TypeError(f"frame {i} is a {type(frame).__name__}, expected a numpy array")
            single, _ = _as_images(frame, layout)
            if len(single) != 1:
                raise ValueError(f"frame {i} of the list is a stack: shape {frame.shape}")
            images.append(single[0])
        return images, "list"
    raise TypeError(
        f"frames must be a numpy array or a list of arrays, got {type(frames).__name__}"
    )


def _infer_layout(shape: tuple[int, ...]) -> str:
    """The layout of an array from its shape, where only one reading makes sense."""
    if len(shape) == 2:
        return "HW"
    if len(shape) == 3:
        first, last = shape[0] in (1, 3), shape[2] in (1, 3, 4)
        if last and not first:
            return "HWC"
        if not first and not last:
            return "NHW"
        raise ValueError(
            f"ambiguous frame layout {shape}: a channels-first image (C, H, W), a stack of "
            f"{shape[0]} frames (N, H, W) or an image (H, W, C)? Pass layout='CHW', 'NHW' or "
            "'HWC'"
        )
    if len(shape) == 4:
        if shape[3] in (1, 3, 4):
            return "NHWC"
        if shape[1] in (1, 3):
            return "NCHW"
    raise ValueError(
        f"Expected an image (H, W) / (H, W, C) or a stack (N, H, W) / (N, H, W, C), "
        f"got shape {shape}"
    )
