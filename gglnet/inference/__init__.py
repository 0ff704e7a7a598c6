"""Fast inference: BatchNorm folding, optimize_for_inference, padding, tiling, the Predictor.

- :mod:`~gglnet.inference.fuse`: fold BatchNorm into the preceding convolution.
- :mod:`~gglnet.inference.optimize`: :func:`optimize_for_inference` (layout, precision,
  ``torch.compile``) and the :class:`InferenceModel` it returns. Precision names and the
  ``"auto"`` rule live in :mod:`gglnet.precision`.
- :mod:`~gglnet.padding`: pad to the model's size multiple or to shape buckets,
  crop back.
- :mod:`~gglnet.inference.tiling`: overlapping windows for large frames and their blending.
- :mod:`~gglnet.inference.predictor`: :class:`Predictor`, probability maps and detections
  for real frames and streams.
- :mod:`~gglnet.inference.export`: ONNX export (:func:`export_onnx`) and
  :class:`OnnxRuntimeModel` (the ``onnx`` extra).
- :mod:`~gglnet.inference.benchmark`: eager vs optimized vs ONNX Runtime timings
  (``gglnet benchmark``).
"""

from gglnet.inference.export import OnnxRuntimeModel, export_onnx
from gglnet.inference.fuse import fuse_batchnorm
from gglnet.inference.optimize import DEFAULT_BATCH_BUCKETS, InferenceModel, optimize_for_inference
from gglnet.inference.predictor import Latency, Predictor
from gglnet.inference.tiling import Tile, blend_tiles, split_tiles, tile_starts
from gglnet.padding import DEFAULT_SIZE_BUCKETS, bucket_size, pad_to_multiple, padded_size
from gglnet.precision import PRECISIONS

__all__ = [
    "DEFAULT_BATCH_BUCKETS",
    "DEFAULT_SIZE_BUCKETS",
    "PRECISIONS",
    "InferenceModel",
    "Latency",
    "OnnxRuntimeModel",
    "Predictor",
    "Tile",
    "blend_tiles",
    "bucket_size",
    "export_onnx",
    "fuse_batchnorm",
    "optimize_for_inference",
    "pad_to_multiple",
    "padded_size",
    "split_tiles",
    "tile_starts",
]
