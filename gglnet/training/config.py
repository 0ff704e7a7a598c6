"""TrainConfig: everything a training run depends on, with the paper's recipe as defaults."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from gglnet.data.rescale import check_scale_range
from gglnet.data.synthetic import MIN_SIZE as SYNTHETIC_MIN_SIZE
from gglnet.losses import Reduction, check_reduction
from gglnet.precision import PRECISIONS, Precision, check_precision
from gglnet.training.schedule import SCHEDULES, Schedule

__all__ = ["PRECISIONS", "RESUME_MUTABLE", "EvalSize", "Precision", "TrainConfig"]

EvalSize = int | Literal["train"] | None
"""The side validation and test images are resized to, ``"train"`` for the training ``size``,
or ``None`` for each image's own size."""

# Training precisions are the names of gglnet.precision. Training's "auto" is float16 AMP on
# CUDA (the paper's), bfloat16 autocast on a CPU with native bf16 arithmetic, float32 elsewhere
# (gglnet.training.loop); inference's "auto" differs on CUDA only (bfloat16 where native).

RESUME_MUTABLE: frozenset[str] = frozenset(
    {
        "channels_last",
        "compile",
        "data",
        "device",
        "epochs",
        "out_dir",
        "overwrite",
        "quiet",
        "resume",
        "time_budget",
        "workers",
    }
)
"""Options that may differ when a run is resumed; any other difference is an error. ``data``
and ``out_dir`` may move (the data's stems are checked instead); ``epochs`` may grow to extend
a finished run."""


@dataclass
class TrainConfig:
    """A training run. Defaults are the paper's recipe (paper §III-B, ``docs/training.md``).

    Every attribute is also an option of ``gglnet train`` (``out_dir`` is ``--out``), whose
    help text is the description below.

    Attributes:
        out_dir: the run directory (layout in ``docs/training.md``).
        model: a registered model name (:func:`gglnet.list_models`).
        model_options: :class:`~gglnet.GGLNetConfig` options replacing the model's.
        data: a dataset folder, or ``"synthetic"`` for generated scenes.
        split: the training split: a name or file, or a folder of splits (``"idx_320"``)
            whose ``trainval``/``train`` list trains and whose ``test`` list becomes
            ``test_split`` unless that is given. ``None``: every image of ``data``.
        test_split: evaluated once at the end, for the best and the last epoch; never used
            for any choice. ``None``: no test evaluation.
        val_split: a separate validation split; ``None`` carves ``val_fraction`` of the
            training list (seeded by ``seed``).
        val_fraction: share of the training list held out for validation.
        size: images and masks are resized to ``size x size`` (512 SIRST, 256 NUDT-SIRST) for
            training and, unless ``eval_size`` says otherwise, validation; ``None``: native
            size (validation one image at a time).
        eval_size: the size validation and test images are resized to: ``"train"``, the
            training ``size``; ``None``, each image's native size (as :class:`gglnet.Predictor`
            runs frames), so that weights trained on resized images are chosen by how they
            do at native scale; or a side in pixels.
        crop: train on random ``crop x crop`` windows of the (resized or native) images;
            ``None``: whole images.
        crop_target_fraction: share of the crops centred on a target.
        scale_min: smallest factor of a random rescale of each training sample before its
            crop (drawn log-uniformly in ``[scale_min, scale_max]``; needs ``crop``), so the
            network learns across scales; 1 with ``scale_max`` 1: no rescaling.
        scale_max: largest factor of that rescale.
        edge_pad: share of training samples whose bottom and right edges are cut short by up
            to the size divisor less one pixel and padded back as the model's ``pad_mode``
            says (``--model-option pad_mode=reflect``), so the weights learn the padded edge
            inference gives frames whose sides are not multiples of 16 (a 1080-row frame);
            0: none.
        augment: apply the recipe's augmentation (:class:`gglnet.data.Augment`) to training.
        synthetic_scenes: training scenes when ``data == "synthetic"`` (validation and test
            get ``val_fraction`` as many, at least one, from their own seeds).
        epochs: total epochs of the run.
        batch_size: images per step.
        lr: Adam learning rate (the peak rate of a schedule).
        schedule: ``"constant"`` (as released) or ``"cosine"`` decay to ``min_lr``.
        warmup_epochs: linear warm-up from ``lr / steps`` to ``lr`` over this many epochs.
        min_lr: the final rate of the cosine schedule.
        bce_weight: weight of a BCE term added to softIoU (0: softIoU alone, as released).
        bce_epochs: the BCE term applies in epochs 1..bce_epochs only; ``None``: every epoch.
        loss_reduction: softIoU's ratio: ``"sample"``, one per image, averaged (as
            released), or ``"batch"``, one over the whole batch, so each target pixel weighs
            the same, as in the IoU metric.
        ema_decay: also keep an exponential moving average of the weights with this decay
            (e.g. 0.999), validated and exported beside the raw weights; ``None``: no EMA.
        init_from: start from these weights (a published name, a run's ``best``/``last``
            folder or a weight file) instead of the random initialisation.
        seed: seeds initialisation, data order, augmentation and the validation carve.
        precision: ``"auto"`` (float16 AMP on CUDA, bfloat16 autocast on a CPU with native
            bf16, float32 elsewhere), ``"fp32"``, ``"bf16"`` or ``"fp16"`` (CUDA only).
        channels_last: run the model in the channels-last memory layout (faster on CPUs).
        compile: ``torch.compile`` the model (long first step; faster afterwards).
        device: ``"cuda"``, ``"cpu"``, ...; ``None``: CUDA when available.
        workers: DataLoader worker processes; ``None``: half the CPU cores, at most 8.
        time_budget: minutes; stop cleanly at the last epoch boundary that fits.
        eval_interval: validate every this many epochs (and always after the last).
        resume: continue the run in ``out_dir`` from its checkpoint.
        overwrite: start again in an existing ``out_dir``, deleting the run files in it.
        quiet: no progress bars or messages.
    """

    out_dir: str
    model: str = "gglnet"
    model_options: dict[str, Any] = field(default_factory=dict)
    data: str = "synthetic"
    split: str | None = None
    test_split: str | None = None
    val_split: str | None = None
    val_fraction: float = 0.1
    size: int | None = 512
    eval_size: EvalSize = "train"
    crop: int | None = None
    crop_target_fraction: float = 0.5
    scale_min: float = 1.0
    scale_max: float = 1.0
    edge_pad: float = 0.0
    augment: bool = True
    synthetic_scenes: int = 1000
    epochs: int = 500
    batch_size: int = 4
    lr: float = 1e-4
    schedule: Schedule = "constant"
    warmup_epochs: float = 0.0
    min_lr: float = 0.0
    bce_weight: float = 0.0
    bce_epochs: int | None = None
    loss_reduction: Reduction = "sample"
    ema_decay: float | None = None
    init_from: str | None = None
    seed: int = 0
    precision: Precision = "auto"
    channels_last: bool = False
    compile: bool = False
    device: str | None = None
    workers: int | None = None
    time_budget: float | None = None
    eval_interval: int = 1
    resume: bool = False
    overwrite: bool = False
    quiet: bool = False

    def __post_init__(self) -> None:
        # A JSON round trip makes options compare equal to those read back from the run
        # (tuples become lists) and rejects values that cannot be saved.
        self.model_options = json.loads(json.dumps(self.model_options))
        for name in ("epochs", "batch_size", "synthetic_scenes", "eval_interval"):
            _check_positive_int(name, getattr(self, name))
        for name in ("size", "crop", "bce_epochs"):
            if getattr(self, name) is not None:
                _check_positive_int(name, getattr(self, name))
        if self.eval_size != "train" and self.eval_size is not None:
            _check_positive_int(
                "eval_size", self.eval_size, "'train', None (native size) or a positive integer"
            )
        if self.data == "synthetic" and self.eval_size is None:
            raise ValueError(
                "data='synthetic' has no native size (scenes are generated at a size): give "
                "eval_size a size, or 'train'"
            )
        if self.data == "synthetic" and (self.size is None or self.crop is not None):
            raise ValueError(
                "data='synthetic' needs a size and takes no crop (scenes are generated at "
                "that size)"
            )
        if self.data == "synthetic":
            for name, value in (("size", self.size), ("eval_size", self.resolved_eval_size)):
                if value < SYNTHETIC_MIN_SIZE:
                    raise ValueError(
                        f"data='synthetic' generates scenes of at least {SYNTHETIC_MIN_SIZE} "
                        f"pixels a side: {name} must be >= {SYNTHETIC_MIN_SIZE}, got {value}"
                    )
        if not 0 <= self.crop_target_fraction <= 1:
            raise ValueError(
                f"crop_target_fraction must lie in [0, 1], got {self.crop_target_fraction}"
            )
        try:
            check_scale_range((self.scale_min, self.scale_max))
        except ValueError:
            raise ValueError(
                "scale_min and scale_max (--scale-min, --scale-max; 1 by default) must be "
                f"finite with 0 < scale_min <= scale_max, got scale_min={self.scale_min!r}, "
                f"scale_max={self.scale_max!r}"
            ) from None
        if self.scale_range is not None and self.crop is None:
            raise ValueError(
                f"scale_min={self.scale_min} and scale_max={self.scale_max} rescale samples "
                "before their crop: add a crop (rescaled samples differ in size)"
            )
        if not 0 <= self.edge_pad <= 1:
            raise ValueError(f"edge_pad is a share of samples in [0, 1], got {self.edge_pad}")
        if self.data == "synthetic" and self.edge_pad:
            raise ValueError(
                "edge_pad applies to dataset folders; data='synthetic' generates whole scenes"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        check_precision(self.precision)
        check_reduction(self.loss_reduction, "loss_reduction")
        if not (self.warmup_epochs >= 0 and math.isfinite(self.warmup_epochs)):
            raise ValueError(f"warmup_epochs must be >= 0, got {self.warmup_epochs}")
        if not (self.bce_weight >= 0 and math.isfinite(self.bce_weight)):
            raise ValueError(f"bce_weight must be >= 0, got {self.bce_weight}")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie strictly between 0 and 1, got {self.ema_decay}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(
                f"val_fraction must lie strictly between 0 and 1, got {self.val_fraction}"
            )
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr}")
        if not 0 <= self.min_lr <= self.lr:
            raise ValueError(f"min_lr must lie in [0, lr={self.lr}], got {self.min_lr}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise ValueError(
                f"time_budget must be a positive number of minutes, got {self.time_budget}"
            )
        if self.workers is not None and self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        if self.resume and self.overwrite:
            raise ValueError(
                "resume and overwrite exclude each other: continue a run or restart it"
            )
        if self.data == "synthetic" and any((self.split, self.test_split, self.val_split)):
            raise ValueError(
                "splits do not apply to data='synthetic' (its scenes come from fixed seeds); "
                "use synthetic_scenes and val_fraction"
            )

    @property
    def resolved_eval_size(self) -> int | None:
        """The side validation and test images are resized to (``None``: native size)."""
        return self.size if self.eval_size == "train" else self.eval_size

    @property
    def scale_range(self) -> tuple[float, float] | None:
        """``(scale_min, scale_max)``, or ``None`` when training samples are not rescaled."""
        if (self.scale_min, self.scale_max) == (1.0, 1.0):
            return None
        return (self.scale_min, self.scale_max)

    def bce_weight_at(self, epoch: int) -> float:
        """The BCE weight of 1-based ``epoch``."""
        if self.bce_epochs is not None and epoch > self.bce_epochs:
            return 0.0
        return self.bce_weight

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict that :meth:`from_dict` reads back."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build a config from a dict, rejecting unknown keys by name."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TypeError(f"unknown TrainConfig option(s) {unknown}; valid: {sorted(known)}")
        return cls(**data)

    def differences(self, other: TrainConfig) -> dict[str, tuple[Any, Any]]:
        """Options that differ from ``other``'s and may not change on resume: ``{name: (other's,
        self's)}``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return {
            name: (theirs[name], mine[name])
            for name in mine
            if name not in RESUME_MUTABLE and mine[name] != theirs[name]
        }


def _check_positive_int(name: str, value: Any, expected: str = "a positive integer") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
