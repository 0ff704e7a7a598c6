"""Training by the paper's recipe: :func:`fit` with a :class:`TrainConfig`.

- :mod:`~gglnet.training.config`: :class:`TrainConfig` (defaults = paper §III-B).
- :mod:`~gglnet.training.data`: the run's training, validation and test sets.
- :mod:`~gglnet.training.loop`: :func:`fit`, the run directory, resume and time budget.
- :mod:`~gglnet.training.checkpoint`: atomic checkpoint, export and JSON writing.
- :mod:`~gglnet.training.log`: the per-epoch ``log.jsonl``.
- :mod:`~gglnet.training.pauses`: :class:`PauseMeter`, time the process spent stopped.

Example:
    >>> from gglnet.training import TrainConfig, fit
    >>> result = fit(TrainConfig("runs/smoke", data="synthetic", size=64, epochs=2,
    ...                          synthetic_scenes=16, model_options={"widths": [8, 16]}))
    ...                                                                 # doctest: +SKIP
"""

from gglnet.training.config import TrainConfig
from gglnet.training.loop import TrainResult, fit

__all__ = ["TrainConfig", "TrainResult", "fit"]
