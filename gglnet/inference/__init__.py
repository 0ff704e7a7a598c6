"""Fast inference: BatchNorm folding, optimize_for_inference, padding, tiling, the Predictor.

- :mod:`~gglnet.inference.fuse`: fold BatchNorm into the preceding convolution.
- :mod:`~gglnet.inference.optimize`: :func:`optimize_for_inference` (layout, precision,
  ``torch.compile``) and the :class:`InferenceModel` it returns.
- :mod:`~gglnet.inference.padding`: pad to the model's size multiple, crop back.
- :mod:`~gglnet.inference.tiling`: overlapping windows for large frames and their blending.
- :mod:`~gglnet.inference.predictor`: :class:`Predictor`, probability maps and detections
  for real frames.
- :mod:`~gglnet.inference.benchmark`: eager vs optimized timings (``gglnet benchmark``).
"""

from gglnet.inference.fuse import fuse_batchnorm
from gglnet.inference.optimize import DEFAULT_BATCH_BUCKETS, InferenceModel, optimize_for_inference
from gglnet.inference.padding import pad_to_multiple, padded_size
from gglnet.inference.predictor import PRECISIONS, Predictor
from gglnet.inference.tiling import Tile, blend_tiles, split_tiles, tile_starts

__all__ = [
    "DEFAULT_BATCH_BUCKETS",
    "PRECISIONS",
    "InferenceModel",
    "Predictor",
    "Tile",
    "blend_tiles",
    "fuse_batchnorm",
    "optimize_for_inference",
    "pad_to_multiple",
    "padded_size",
    "split_tiles",
    "tile_starts",
]
