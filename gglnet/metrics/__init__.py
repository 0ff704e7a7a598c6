"""IRSTD metrics exactly as the authors' evaluation computes them (docs/metrics.md).

- :mod:`~gglnet.metrics.pixel`: IoU and nIoU.
- :mod:`~gglnet.metrics.target`: Pd and Fa (centroid matching of 8-connected components).
- :mod:`~gglnet.metrics.components`: the connected-component labelling they share, also used
  for per-target detections.
- :mod:`~gglnet.metrics.roc`: the 3D-ROC (Pd, Fa over thresholds) and its AUCs.
- :mod:`~gglnet.metrics.irstd`: :class:`IRSTDMetrics`, accumulating all four over batches.

Example:
    >>> import torch
    >>> from gglnet.metrics import IRSTDMetrics
    >>> m = IRSTDMetrics(threshold=0.5)
    >>> pred = torch.zeros(2, 1, 32, 32)
    >>> pred[:, :, 10:13, 10:13] = 0.9
    >>> m.update(pred, (pred > 0.5).float())
    >>> {k: round(v, 4) for k, v in m.compute().items() if k in ("iou", "pd", "fa")}
    {'iou': 1.0, 'pd': 1.0, 'fa': 0.0}
"""

from gglnet.metrics.components import Component, find_components
from gglnet.metrics.irstd import IRSTDMetrics
from gglnet.metrics.pixel import iou, niou
from gglnet.metrics.roc import ROCCurve, roc
from gglnet.metrics.target import PdFa, match_components, pd_fa

__all__ = [
    "Component",
    "IRSTDMetrics",
    "PdFa",
    "ROCCurve",
    "find_components",
    "iou",
    "match_components",
    "niou",
    "pd_fa",
    "roc",
]
