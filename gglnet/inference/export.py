"""ONNX export (dynamic batch, height and width) and running the exported model in ONNX Runtime.

``onnx``, ``onnxscript`` and ``onnxruntime`` are an optional extra: ``pip install
"gglnet[onnx]"``. Nothing else in gglnet imports them.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from gglnet.models import GGLNetConfig

__all__ = [
    "DEFAULT_CHECK_SHAPES",
    "MIN_OPSET",
    "OnnxExport",
    "OnnxRuntimeModel",
    "check_onnx",
    "export_onnx",
]

MIN_OPSET = 18
"""The oldest ONNX opset the export writes (``torch.onnx``'s exporter needs 18)."""

DEFAULT_CHECK_SHAPES: tuple[tuple[int, int, int], ...] = ((1, 256, 256), (2, 160, 320))
"""``(batch, height, width)`` at which an export is compared with PyTorch: two sizes, one of
them not square, and two batch sizes, so that every dynamic axis is exercised."""

_INSTALL = 'pip install "gglnet[onnx]"'
_INPUT, _OUTPUT = "image", "logits"
_META_CONFIG, _META_DIVISOR = "gglnet.config", "gglnet.size_divisor"


@dataclass(frozen=True)
class OnnxExport:
    """What :func:`export_onnx` wrote.

    Attributes:
        path: the ``.onnx`` file.
        opset: its ONNX opset.
        size_divisor: height and width must be multiples of this.
        max_prob_diff: per checked ``(batch, height, width)``, the largest difference between
            ONNX Runtime's and PyTorch's probabilities (empty when not checked).
    """

    path: Path
    opset: int
    size_divisor: int
    max_prob_diff: dict[tuple[int, int, int], float] = field(default_factory=dict)


def export_onnx(
    model: nn.Module,
    path: str | Path,
    *,
    opset: int = MIN_OPSET,
    check_shapes: Sequence[tuple[int, int, int]] | None = DEFAULT_CHECK_SHAPES,
    atol: float = 1e-4,
    overwrite: bool = False,
) -> OnnxExport:
    """Export ``model`` to an ONNX file with dynamic batch, height and width.

    The graph takes ``image``: ``(B, C, H, W)`` float32 in ``[0, 1]`` with H and W multiples
    of ``model.config.size_divisor`` (16 for GGL-Net) and returns ``logits``
    ``(B, num_classes, H, W)`` float32; the gradient image is computed inside the graph, as
    in ``model.forward``. The model's ``config`` is stored in the file's metadata (so
    :class:`OnnxRuntimeModel` and :class:`gglnet.Predictor` know the size divisor). Exported
    with ``torch.onnx.export(..., dynamo=True)`` from a float32 CPU copy in eval mode; the
    file is written only after ONNX Runtime's probabilities at each of ``check_shapes``
    agree with PyTorch's within ``atol`` (:func:`check_onnx`).

    Args:
        model: a GGL-Net, or any module with ``config.size_divisor`` and ``config.in_chans``.
        path: the ``.onnx`` file to write.
        opset: ONNX opset, at least :data:`MIN_OPSET`.
        check_shapes: ``(batch, height, width)`` to check at; ``None`` or empty: no check
            (and no ONNX Runtime needed).
        atol: largest accepted probability difference.
        overwrite: replace an existing file.

    Returns:
        An :class:`OnnxExport` with the checked differences.

    Raises:
        ImportError: onnx, onnxscript or onnxruntime is missing (the message says how to
            install them).
        TypeError: ``model`` has no ``config.size_divisor``.
        ValueError: ``opset`` below :data:`MIN_OPSET`, a check shape that is not a positive
            multiple of the size divisor, or ONNX Runtime disagreeing with PyTorch.
        FileExistsError: ``path`` exists and ``overwrite`` is false.

    Example:
        >>> model = gglnet.create_model("gglnet", widths=(8, 16))
        >>> export_onnx(model, "tiny.onnx").max_prob_diff  # doctest: +SKIP
        {(1, 256, 256): 2.4e-07, (2, 160, 320): 3.0e-07}
    """
    path = Path(path)
    config = getattr(model, "config", None)
    divisor = getattr(config, "size_divisor", None)
    if divisor is None:
        raise TypeError(
            f"export_onnx needs a model with config.size_divisor (a GGLNet), "
            f"got {type(model).__name__}"
        )
    if opset < MIN_OPSET:
        raise ValueError(f"opset must be at least {MIN_OPSET}, got {opset}")
    shapes = [tuple(int(v) for v in shape) for shape in (check_shapes or ())]
    for shape in shapes:
        batch, height, width = shape
        if batch < 1 or height < divisor or width < divisor or height % divisor or width % divisor:
            raise ValueError(
                f"check shapes are (batch, height, width) with H and W positive multiples of "
                f"{divisor}, got {shape}"
            )
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    onnx = _import("onnx")
    _import("onnxscript")
    if shapes:
        _import("onnxruntime")
    source = copy.deepcopy(model).to(device="cpu", dtype=torch.float32).eval()
    channels = int(getattr(config, "in_chans", 3))
    batch_dim = torch.export.Dim("batch", min=1)
    height_dim = divisor * torch.export.Dim("height_blocks", min=1)
    width_dim = divisor * torch.export.Dim("width_blocks", min=1)
    # Distinct example sizes, none of them 1, so that no axis is specialised to its example.
    example = torch.rand(2, channels, 4 * divisor, 6 * divisor)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(suffix=".onnx", dir=path.parent)
    os.close(handle)
    try:
        with torch.no_grad():
            program = torch.onnx.export(
                source,
                (example,),
                dynamo=True,
                opset_version=opset,
                input_names=[_INPUT],
                output_names=[_OUTPUT],
                dynamic_shapes=({0: batch_dim, 2: height_dim, 3: width_dim},),
                external_data=False,
                verbose=False,
            )
        proto = program.model_proto
        written_opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
        metadata = {_META_DIVISOR: str(divisor)}
        if hasattr(config, "to_dict"):
            metadata[_META_CONFIG] = json.dumps(config.to_dict())
        for key, value in metadata.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(proto, scratch)
        diffs = check_onnx(scratch, source, shapes, atol=atol) if shapes else {}
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.remove(scratch)
    return OnnxExport(path, written_opset, int(divisor), diffs)


def check_onnx(
    path: str | Path,
    model: nn.Module,
    shapes: Sequence[tuple[int, int, int]] = DEFAULT_CHECK_SHAPES,
    *,
    atol: float = 1e-4,
    seed: int = 0,
) -> dict[tuple[int, int, int], float]:
    """Compare an exported model in ONNX Runtime with ``model`` in PyTorch, as probabilities.

    Args:
        path: the ``.onnx`` file.
        model: the PyTorch model it was exported from (run in float32 on the CPU, eval mode).
        shapes: ``(batch, height, width)`` of the random inputs (seeded by ``seed``).
        atol: largest accepted ``|sigmoid(onnx) - sigmoid(model)|``.
        seed: seed of the inputs.

    Returns:
        The largest difference per shape.

    Raises:
        ImportError: onnxruntime is missing.
        ValueError: a difference above ``atol`` (the message gives the shape and the value).
    """
    runner = OnnxRuntimeModel(path)
    reference = copy.deepcopy(model).to(device="cpu", dtype=torch.float32).eval()
    channels = int(getattr(getattr(model, "config", None), "in_chans", 3))
    generator = torch.Generator().manual_seed(seed)
    diffs = {}
    for shape in shapes:
        batch, height, width = (int(v) for v in shape)
        x = torch.rand(batch, channels, height, width, generator=generator)
        with torch.no_grad():
            expected = torch.sigmoid(reference(x))
        diff = float((torch.sigmoid(runner(x)) - expected).abs().max())
        if not diff <= atol:
            raise ValueError(
                f"ONNX Runtime's probabilities differ from PyTorch's by {diff:.3g} at input "
                f"{(batch, channels, height, width)}; expected at most {atol:g} ({path})"
            )
        diffs[(batch, height, width)] = diff
    return diffs


class OnnxRuntimeModel:
    """An exported GGL-Net in ONNX Runtime, called like the model: ``(B, C, H, W)`` → logits.

    Runs float32 on ONNX Runtime's CPU execution provider (or ``providers``). Takes and
    returns torch tensors, so :class:`gglnet.Predictor` and ``gglnet benchmark`` use it as
    they use an :class:`~gglnet.inference.InferenceModel`.

    Args:
        path: a file written by :func:`export_onnx`.
        threads: ONNX Runtime's intra-op threads; default: its own choice (the physical
            cores).
        providers: execution providers; default ``["CPUExecutionProvider"]``.
        options: extra session config entries (``SessionOptions.add_session_config_entry``),
            e.g. ``{"session.intra_op.allow_spinning": "0"}``.

    Attributes:
        config: the exported model's :class:`~gglnet.GGLNetConfig` from the file's metadata
            (a namespace with ``size_divisor`` only for other models).
        device: ``torch.device("cpu")``: logits come back on the CPU.
        precision: ``"fp32"``.

    Raises:
        ImportError: onnxruntime is missing.
        FileNotFoundError: no such file.
        ValueError: the file was not written by :func:`export_onnx` (no size divisor in its
            metadata).
    """

    precision = "fp32"
    requested_precision = "fp32"
    compiled = False

    def __init__(
        self,
        path: str | Path,
        threads: int | None = None,
        providers: Sequence[str] | None = None,
        options: dict[str, str] | None = None,
    ) -> None:
        ort = _import("onnxruntime")
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no such ONNX file: {self.path}")
        session_options = ort.SessionOptions()
        if threads is not None:
            session_options.intra_op_num_threads = threads
        for key, value in (options or {}).items():
            session_options.add_session_config_entry(key, value)
        self.session = ort.InferenceSession(
            str(self.path), session_options, providers=list(providers or ["CPUExecutionProvider"])
        )
        metadata = self.session.get_modelmeta().custom_metadata_map
        if _META_DIVISOR not in metadata:
            raise ValueError(
                f"{self.path} has no {_META_DIVISOR!r} metadata: export it with "
                "gglnet.inference.export_onnx or `gglnet export`"
            )
        self.config: Any = (
            GGLNetConfig.from_dict(json.loads(metadata[_META_CONFIG]))
            if _META_CONFIG in metadata
            else SimpleNamespace(size_divisor=int(metadata[_META_DIVISOR]))
        )
        self.device = torch.device("cpu")
        self.threads = threads

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the exported model.

        Args:
            x: ``(B, C, H, W)`` floating tensor in ``[0, 1]``, H and W multiples of
                ``config.size_divisor``; any device (it is copied to the CPU as float32).

        Returns:
            ``(B, num_classes, H, W)`` float32 logits on the CPU.

        Raises:
            TypeError: ``x`` is not a floating ``(B, C, H, W)`` tensor.
            ValueError: H or W is not a multiple of the size divisor.
        """
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 4:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise TypeError(f"Expected a floating (B, C, H, W) tensor, got {got}")
        divisor = self.config.size_divisor
        if x.shape[-2] % divisor or x.shape[-1] % divisor:
            raise ValueError(
                f"Expected H and W to be multiples of {divisor}, got {tuple(x.shape)}; pad "
                "the input (gglnet.Predictor does this for you)"
            )
        array = x.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()
        (logits,) = self.session.run([_OUTPUT], {_INPUT: array})
        return torch.from_numpy(logits)

    def __repr__(self) -> str:
        return (
            f"OnnxRuntimeModel({str(self.path)!r}, precision='fp32', "
            f"providers={self.session.get_providers()}, threads={self.threads})"
        )


def _import(name: str) -> Any:
    """Import an optional dependency of the ``onnx`` extra, or say how to install it."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ImportError(f"ONNX export and ONNX Runtime need {name}: {_INSTALL}") from error
