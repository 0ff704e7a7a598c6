"""optimize_for_inference: a faster model with the same answers (BN folding, layout, compile)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch
from torch import nn

from gglnet.inference.fuse import fuse_batchnorm

__all__ = ["DEFAULT_BATCH_BUCKETS", "InferenceModel", "optimize_for_inference"]

DEFAULT_BATCH_BUCKETS: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
"""Compiled batch sizes: a batch runs padded up to the next of these (larger ones in chunks)."""

_REDUCED_DTYPES = (torch.float16, torch.bfloat16)
# Modes whose CUDA graphs replay into the same output buffers on every call.
_CUDA_GRAPH_MODES = ("reduce-overhead", "max-autotune")
# Dynamo keeps compiled graphs per code object, so every InferenceModel shares the cache of
# `InferenceModel._run` (models of one structure share graphs, others add entries). Its
# default limit of 8 entries would silently send further shapes or variants to eager
# execution; each model bounds its own shapes by `max_graphs` instead.
_RECOMPILE_LIMIT = 64


class InferenceModel(nn.Module):
    """A model prepared for inference; call it like the model: ``(B, C, H, W)`` → logits.

    Built by :func:`optimize_for_inference`, which documents the options. Holds a BatchNorm-
    folded copy of the model (``.model``), runs it without autograd, optionally in
    channels-last layout, under ``torch.autocast`` in float16/bfloat16, and through
    ``torch.compile`` with one graph per input shape.

    Attributes:
        model: the folded copy that runs (eval mode, on ``device``, weights in ``dtype``).
        config: the wrapped model's ``config`` (``None`` if it has none).
        device: where the model runs and where the logits are returned.
        dtype: compute dtype (``torch.float32``, ``float16`` or ``bfloat16``).
        batch_buckets: compiled batch sizes (see :data:`DEFAULT_BATCH_BUCKETS`).
        max_graphs: at most this many input shapes are compiled; later shapes run eagerly.
    """

    def __init__(
        self,
        model: nn.Module,
        device: torch.device,
        dtype: torch.dtype,
        compile: bool,
        channels_last: bool,
        mode: str | None,
        batch_buckets: Sequence[int],
        max_graphs: int,
    ) -> None:
        super().__init__()
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.model = fuse_batchnorm(model).to(device=device, dtype=dtype)
        self.model = self.model.to(memory_format=memory_format)  # type: ignore[call-overload]
        self.config = getattr(model, "config", None)
        self.device = device
        self.dtype = dtype
        self.memory_format = memory_format
        self.mode = mode
        self.batch_buckets = tuple(sorted(set(batch_buckets)))
        self.max_graphs = max_graphs
        self._compiled = torch.compile(self._run, dynamic=False, mode=mode) if compile else None
        self._graph_shapes: set[tuple[int, ...]] = set()
        self._cuda_graphs = device.type == "cuda" and mode in _CUDA_GRAPH_MODES

    @property
    def compiled(self) -> bool:
        """Whether calls go through ``torch.compile`` (``False`` after a fallback to eager)."""
        return self._compiled is not None

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        """The folded model on ``x`` (float32), autocast to the reduced dtype if one is set.

        The input stays float32 under autocast, so the gradient image is computed in float32
        (its elementwise ops are not autocast) and only convolutions and linear layers run in
        the reduced dtype (SPEC §14).
        """
        if self.dtype in _REDUCED_DTYPES:
            with torch.autocast(self.device.type, dtype=self.dtype):
                return self.model(x)
        return self.model(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the model, computed as configured.

        Args:
            x: ``(B, C, H, W)`` floating tensor in ``[0, 1]`` on any device (it is moved to
                :attr:`device`); H and W multiples of the model's size divisor.

        Returns:
            ``(B, num_classes, H, W)`` float32 logits on :attr:`device`.

        Raises:
            TypeError, ValueError: ``x`` is not a floating ``(B, C, H, W)`` tensor the model
                accepts.
        """
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 4:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise TypeError(f"Expected a floating (B, C, H, W) tensor, got {got}")
        x = x.to(device=self.device, dtype=torch.float32)
        check_input = getattr(self.model, "check_input", None)
        if check_input is not None:
            check_input(x)
        with torch.no_grad():
            if self._compiled is None:
                return self._run(x.contiguous(memory_format=self.memory_format)).float()
            parts = []
            for part in x.split(self.batch_buckets[-1]):
                parts.append(self._run_compiled(part))
            return parts[0] if len(parts) == 1 else torch.cat(parts)

    def _run_compiled(self, x: torch.Tensor) -> torch.Tensor:
        """Pad the batch to its bucket, run the compiled graph of that shape, return a copy."""
        batch = x.shape[0]
        bucket = next(b for b in self.batch_buckets if b >= batch)
        if bucket > batch:
            x = torch.cat([x, x.new_zeros((bucket - batch, *x.shape[1:]))])
        # After the padding: a graph is specialised to its input's strides too.
        x = x.contiguous(memory_format=self.memory_format)
        shape = tuple(x.shape)
        if shape not in self._graph_shapes and len(self._graph_shapes) >= self.max_graphs:
            warnings.warn(
                f"InferenceModel: {self.max_graphs} input shapes already compiled; running "
                f"shape {shape} eagerly (raise max_graphs, or feed fewer distinct sizes)",
                RuntimeWarning,
                stacklevel=5,
            )
            return self._run(x[:batch]).float()
        try:
            if self._cuda_graphs:
                torch.compiler.cudagraph_mark_step_begin()
            limit = max(torch._dynamo.config.cache_size_limit, _RECOMPILE_LIMIT)
            with torch._dynamo.config.patch(cache_size_limit=limit):
                out = self._compiled(x)  # type: ignore[misc]
        except Exception as error:  # compilation can fail in many ways (no compiler, ...)
            warnings.warn(
                f"torch.compile failed ({type(error).__name__}: {str(error).splitlines()[0]}); "
                "falling back to the eager (BatchNorm-folded) model",
                RuntimeWarning,
                stacklevel=5,
            )
            self._compiled = None
            return self._run(x[:batch]).float()
        self._graph_shapes.add(shape)
        # CUDA graphs overwrite their output buffers on the next replay: return a copy.
        return out[:batch].to(torch.float32, copy=self._cuda_graphs)


def optimize_for_inference(
    model: nn.Module,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
    compile: bool = True,
    channels_last: bool = True,
    mode: str | None = None,
    batch_buckets: Sequence[int] = DEFAULT_BATCH_BUCKETS,
    max_graphs: int = 8,
) -> InferenceModel:
    """A faster copy of ``model`` for inference that gives the same answers.

    Steps, each optional where it changes speed but not results:

    1. Every BatchNorm is folded into the convolution before it (:func:`fuse_batchnorm`),
       on a copy: ``model`` itself is never modified.
    2. Weights and activations in channels-last layout (``channels_last=True``).
    3. Reduced precision (``dtype=torch.float16`` / ``torch.bfloat16``): weights are cast and
       the model runs under ``torch.autocast``; the input and the gradient image stay float32
       and the logits come back as float32.
    4. ``torch.compile`` (inductor, ``dynamic=False``): one graph per input shape, the
       gradient image included. Batches are padded up to the next of ``batch_buckets`` so a
       varying batch size reuses a few graphs; at most ``max_graphs`` shapes are compiled,
       later ones run eagerly with a warning. If compilation fails (e.g. no C++ compiler for
       CPU inductor), a warning is raised once and the folded model runs eagerly.

    The first call at each shape compiles (minutes for the full model on a small CPU);
    inductor caches its artefacts on disk (``TORCHINDUCTOR_CACHE_DIR``, by default
    ``<tmp>/torchinductor_<user>``), so a new process compiles the same shapes much faster.
    See ``docs/inference.md`` for measured times and tolerances.

    Args:
        model: a GGL-Net (or any ``(B, C, H, W)`` → logits module built from gglnet blocks).
        device: where to run; default CUDA when available, else CPU.
        dtype: ``None``/``torch.float32``, ``torch.float16`` or ``torch.bfloat16``.
        compile: use ``torch.compile``.
        channels_last: channels-last memory layout (faster convolutions on CPU and GPU).
        mode: ``torch.compile`` mode; default ``"reduce-overhead"`` (CUDA graphs) on CUDA and
            inductor's default on CPU. With a CUDA-graph mode the returned logits are copies.
        batch_buckets: batch sizes to compile (sorted; larger batches run in chunks of the
            largest).
        max_graphs: most input shapes (after batch padding) compiled per model.

    Returns:
        An :class:`InferenceModel`: ``fast(x)`` takes ``(B, C, H, W)`` float in ``[0, 1]``
        and returns float32 logits on ``device``, as ``model(x)`` does, without autograd.

    Raises:
        ValueError: unsupported ``dtype``, empty ``batch_buckets`` or non-positive sizes.

    Example:
        >>> model = gglnet.create_model("gglnet", widths=(8, 16)).eval()
        >>> fast = optimize_for_inference(model, device="cpu", compile=False)
        >>> x = torch.rand(2, 3, 32, 32)
        >>> bool((fast(x) - model(x)).abs().max() < 1e-4)
        True
    """
    dtype = torch.float32 if dtype is None else dtype
    if dtype not in (torch.float32, *_REDUCED_DTYPES):
        raise ValueError(
            f"dtype must be None, torch.float32, torch.float16 or torch.bfloat16, got {dtype}"
        )
    if not batch_buckets or min(batch_buckets) < 1:
        raise ValueError(f"batch_buckets must be positive batch sizes, got {batch_buckets}")
    if max_graphs < 1:
        raise ValueError(f"max_graphs must be at least 1, got {max_graphs}")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    if mode is None and device.type == "cuda":
        mode = "reduce-overhead"
    return InferenceModel(
        model, device, dtype, compile, channels_last, mode, batch_buckets, max_graphs
    )
