"""optimize_for_inference: a faster model with the same answers (BN folding, layout, compile)."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

import torch
from torch import nn

from gglnet.inference.fuse import fuse_batchnorm
from gglnet.precision import precision_dtype, resolve_precision

__all__ = ["DEFAULT_BATCH_BUCKETS", "InferenceModel", "optimize_for_inference"]

DEFAULT_BATCH_BUCKETS: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
"""Compiled batch sizes: a batch runs padded up to the next of these (larger ones in chunks)."""

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
    ``torch.compile`` with one graph per input shape. Its ``repr`` names the precision it
    runs in and, for ``"auto"``, that it was chosen.

    Attributes:
        model: the folded copy that runs (eval mode, on ``device``, weights in ``dtype``).
        config: the wrapped model's ``config`` (``None`` if it has none).
        device: where the model runs and where the logits are returned.
        precision: the precision it runs in: ``"fp32"``, ``"bf16"`` or ``"fp16"``.
        requested_precision: what was asked for (``"auto"`` or the same as ``precision``).
        dtype: compute dtype of ``precision``.
        freezing: whether compiled graphs have the weights frozen in (inductor freezing).
        batch_buckets: compiled batch sizes (see :data:`DEFAULT_BATCH_BUCKETS`).
        max_graphs: at most this many input shapes are compiled; later shapes run eagerly.
        first_call_s: seconds of the first call per compiled input shape (compilation or
            loading it from the cache included), keyed by the padded shape.
    """

    def __init__(
        self,
        model: nn.Module,
        device: torch.device,
        precision: str,
        requested_precision: str,
        compile: bool,
        channels_last: bool,
        freezing: bool,
        mode: str | None,
        batch_buckets: Sequence[int],
        max_graphs: int,
    ) -> None:
        super().__init__()
        dtype = precision_dtype(precision)
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.model = fuse_batchnorm(model).to(device=device, dtype=dtype)
        self.model = self.model.to(memory_format=memory_format)  # type: ignore[call-overload]
        self.config = getattr(model, "config", None)
        self.device = device
        self.precision = precision
        self.requested_precision = requested_precision
        self.dtype = dtype
        self.memory_format = memory_format
        self.freezing = freezing and compile
        self.mode = mode
        self.batch_buckets = tuple(sorted(set(batch_buckets)))
        self.max_graphs = max_graphs
        self.first_call_s: dict[tuple[int, ...], float] = {}
        run = self._run_frozen if self.freezing else self._run
        self._compiled = torch.compile(run, dynamic=False, mode=mode) if compile else None
        self._cuda_graphs = device.type == "cuda" and mode in _CUDA_GRAPH_MODES

    def __repr__(self) -> str:
        chosen = " (auto)" if self.requested_precision == "auto" else ""
        return (
            f"InferenceModel({type(self.model).__name__}, device={self.device}, "
            f"precision={self.precision!r}{chosen}, compiled={self.compiled}, "
            f"freezing={self.freezing}, channels_last="
            f"{self.memory_format == torch.channels_last}, mode={self.mode!r})"
        )

    @property
    def compiled(self) -> bool:
        """Whether calls go through ``torch.compile`` (``False`` after a fallback to eager)."""
        return self._compiled is not None

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        """The folded model on ``x`` (float32), autocast to the reduced dtype if one is set.

        The input stays float32 under autocast, so the gradient image is computed in float32
        (its elementwise ops are not autocast) and only convolutions and linear layers run in
        the reduced dtype.
        """
        if self.dtype != torch.float32:
            with torch.autocast(self.device.type, dtype=self.dtype):
                return self.model(x)
        return self.model(x)

    def _run_frozen(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`_run` for graphs compiled with inductor freezing (weights as constants).

        A separate code object on purpose: dynamo keeps its graphs per code object, and an
        unfrozen graph (weights as inputs, shared by every model of one structure) must not
        stand in for a frozen one, nor the reverse. Frozen graphs are guarded on the identity
        of the weights, so each model gets its own.
        """
        return self._run(x)

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
        first = shape not in self.first_call_s
        if first and len(self.first_call_s) >= self.max_graphs:
            warnings.warn(
                f"InferenceModel: {self.max_graphs} input shapes already compiled; running "
                f"shape {shape} eagerly (raise max_graphs, or feed fewer distinct sizes)",
                RuntimeWarning,
                stacklevel=5,
            )
            return self._run(x[:batch]).float()
        start = time.perf_counter()
        try:
            if self._cuda_graphs:
                torch.compiler.cudagraph_mark_step_begin()
            from torch._inductor import config as inductor_config

            limit = max(torch._dynamo.config.cache_size_limit, _RECOMPILE_LIMIT)
            # Inductor reads `freezing` when it compiles, which happens inside the call (a
            # torch.compile(options=...) entry is read too late for it).
            with (
                torch._dynamo.config.patch(cache_size_limit=limit),
                inductor_config.patch(freezing=self.freezing),
            ):
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
        # CUDA graphs overwrite their output buffers on the next replay: return a copy.
        out = out[:batch].to(torch.float32, copy=self._cuda_graphs)
        if first:
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            self.first_call_s[shape] = time.perf_counter() - start
        return out


def optimize_for_inference(
    model: nn.Module,
    device: str | torch.device | None = None,
    precision: str = "auto",
    compile: bool = True,
    channels_last: bool = True,
    freezing: bool | None = None,
    mode: str | None = None,
    batch_buckets: Sequence[int] = DEFAULT_BATCH_BUCKETS,
    max_graphs: int = 8,
) -> InferenceModel:
    """A faster copy of ``model`` for inference that gives the same answers.

    Steps, each optional where it changes speed but not results:

    1. Every BatchNorm is folded into the convolution before it (:func:`fuse_batchnorm`),
       on a copy: ``model`` itself is never modified.
    2. Weights and activations in channels-last layout (``channels_last=True``).
    3. Precision (:mod:`gglnet.precision`): ``"auto"`` is bfloat16 where the device computes
       in bfloat16 natively and float32 elsewhere (the choice is logged once and shown in the
       ``repr``). In bfloat16/float16 the weights are cast and the model runs under
       ``torch.autocast``; the input and the gradient image stay float32 and the logits come
       back as float32. ``"fp32"`` gives logits within 1e-4 (as probabilities) of ``model``.
    4. ``torch.compile`` (inductor, ``dynamic=False``): one graph per input shape, the
       gradient image included; on a CPU with inductor freezing (weights folded in as
       constants, oneDNN weight prepacking, convolution + activation fusion). Batches are
       padded up to the next of ``batch_buckets`` so a varying batch size reuses a few
       graphs; at most ``max_graphs`` shapes are compiled, later ones run eagerly with a
       warning. If compilation fails (e.g. no C++ compiler for CPU inductor), a warning is
       raised once and the folded model runs eagerly.

    The first call at each shape compiles (minutes for the full model on a small CPU);
    inductor caches its artefacts on disk (``TORCHINDUCTOR_CACHE_DIR``, by default
    ``<tmp>/torchinductor_<user>``), so a new process compiles the same shapes much faster.
    See ``docs/inference.md`` for measured times and tolerances.

    Args:
        model: a GGL-Net (or any ``(B, C, H, W)`` → logits module built from gglnet blocks).
        device: where to run; default CUDA when available, else CPU.
        precision: ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"fp16"``
            (:data:`gglnet.precision.PRECISIONS`).
        compile: use ``torch.compile``.
        channels_last: channels-last memory layout (faster convolutions on CPU and GPU).
        freezing: compile with inductor freezing (weights folded in as constants, oneDNN
            weight prepacking, convolution + activation fusion); default: on a CPU (11-22 %
            faster there, ``docs/benchmarks.md``), not on CUDA. Each model then compiles its
            own graphs (its weights are part of them: changing ``fast.model``'s weights
            after the first call has no effect), and loading a frozen graph from the cache
            takes seconds longer.
        mode: ``torch.compile`` mode; default ``"reduce-overhead"`` (CUDA graphs) on CUDA and
            inductor's default on CPU. With a CUDA-graph mode the returned logits are copies.
        batch_buckets: batch sizes to compile (sorted; larger batches run in chunks of the
            largest).
        max_graphs: most input shapes (after batch padding) compiled per model.

    Returns:
        An :class:`InferenceModel`: ``fast(x)`` takes ``(B, C, H, W)`` float in ``[0, 1]``
        and returns float32 logits on ``device``, as ``model(x)`` does, without autograd.

    Raises:
        ValueError: unknown ``precision``, empty ``batch_buckets`` or non-positive sizes.

    Example:
        >>> model = gglnet.create_model("gglnet", widths=(8, 16)).eval()
        >>> fast = optimize_for_inference(model, device="cpu", precision="fp32", compile=False)
        >>> x = torch.rand(2, 3, 32, 32)
        >>> bool((fast(x) - model(x)).abs().max() < 1e-4)
        True
    """
    if not batch_buckets or min(batch_buckets) < 1:
        raise ValueError(f"batch_buckets must be positive batch sizes, got {batch_buckets}")
    if max_graphs < 1:
        raise ValueError(f"max_graphs must be at least 1, got {max_graphs}")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    chosen = resolve_precision(precision, device)
    if mode is None and device.type == "cuda":
        mode = "reduce-overhead"
    if freezing is None:
        freezing = device.type == "cpu"
    return InferenceModel(
        model,
        device,
        chosen,
        precision,
        compile,
        channels_last,
        freezing,
        mode,
        batch_buckets,
        max_graphs,
    )
