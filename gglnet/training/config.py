"""TrainConfig: everything a training run depends on, with the paper's recipe as defaults."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RESUME_MUTABLE", "TrainConfig"]

RESUME_MUTABLE: frozenset[str] = frozenset(
    {
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
    """A training run. Defaults are the paper's recipe (SPEC §10); every option can change.

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
        size: images and masks are resized to ``size x size`` (512 SIRST, 256 NUDT-SIRST).
        augment: apply the recipe's augmentation (:class:`gglnet.data.Augment`) to training.
        synthetic_scenes: training scenes when ``data == "synthetic"`` (validation and test
            get ``val_fraction`` as many, at least one, from their own seeds).
        epochs: total epochs of the run.
        batch_size: images per step.
        lr: Adam learning rate (constant, as released).
        seed: seeds initialisation, data order, augmentation and the validation carve.
        amp: float16 autocast with gradient scaling; ``None``: on when training on CUDA.
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
    size: int = 512
    augment: bool = True
    synthetic_scenes: int = 1000
    epochs: int = 500
    batch_size: int = 4
    lr: float = 1e-4
    seed: int = 0
    amp: bool | None = None
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
        for name in ("size", "epochs", "batch_size", "synthetic_scenes", "eval_interval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(
                f"val_fraction must lie strictly between 0 and 1, got {self.val_fraction}"
            )
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr}")
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
