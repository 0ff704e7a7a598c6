"""The training, validation and test sets of a run, built from its TrainConfig."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from torch.utils.data import Dataset

from gglnet.data import IRSTDDataset, MaskCheck, SyntheticDataset, cut_split
from gglnet.data.splits import split_pair
from gglnet.data.synthetic import SPLIT_SEEDS
from gglnet.models.factory import model_config
from gglnet.training.config import TrainConfig

__all__ = ["RunData", "build_datasets"]


@dataclass
class RunData:
    """The datasets of a run.

    Attributes:
        train: augmented (when the config says so) training set.
        val: validation set, selects the best epoch.
        test: evaluated at the end only, or ``None``.
        fingerprints: SHA-256 of each set's stems, to check that a resumed run sees the
            same data.
    """

    train: Dataset
    val: Dataset
    test: Dataset | None
    fingerprints: dict[str, str]


def build_datasets(config: TrainConfig) -> RunData:
    """Build the sets a config describes and check them before training starts.

    File datasets are decoded once in full (:meth:`IRSTDDataset.verify`), so a corrupt file
    stops the run before its first step. A set whose masks hold no target (every mask empty,
    or every target lost to resizing) is an error: training on it learns to predict nothing
    and validating on it chooses nothing. A validation set sharing images with training, or a
    test set sharing images with either, is an error.

    Args:
        config: the run's options.

    Returns:
        The datasets.

    Raises:
        FileNotFoundError, ValueError: bad data or splits (the message names the file), a
            set without targets, or a validation or test set that overlaps the data used
            before it.
    """
    if config.data == "synthetic":
        return _synthetic(config)
    data = _from_folder(config)
    for name, dataset in (("training", data.train), ("validation", data.val), ("test", data.test)):
        if dataset is not None:
            check = dataset.verify(progress=not config.quiet)
            _check_has_targets(name, dataset, check)
    return data


def _synthetic(config: TrainConfig) -> RunData:
    n_held_out = max(1, round(config.val_fraction * config.synthetic_scenes))
    train = SyntheticDataset(
        config.synthetic_scenes,
        config.size,
        SPLIT_SEEDS["train"],
        augment=config.augment,
        augment_seed=config.seed,
    )
    size = config.resolved_eval_size
    val = SyntheticDataset(n_held_out, size, SPLIT_SEEDS["val"])
    test = SyntheticDataset(n_held_out, size, SPLIT_SEEDS["test"])
    return RunData(train, val, test, _fingerprints(train=train, val=val, test=test))


def _from_folder(config: TrainConfig) -> RunData:
    root = config.data
    train_split, folder_test = split_pair(root, config.split) if config.split else (None, None)
    test_split = config.test_split or folder_test
    eval_size = config.resolved_eval_size
    # crops and edge padding pad as inference will pad for this model
    net = model_config(config.model, **config.model_options)
    if config.val_split is None:
        stems = IRSTDDataset(root, train_split, size=config.size).stems
        train_stems, val_stems = cut_split(stems, 1 - config.val_fraction, config.seed)
        val = IRSTDDataset(root, val_stems, size=eval_size)
    else:
        train_stems = IRSTDDataset(root, train_split, size=config.size).stems
        val = IRSTDDataset(root, config.val_split, size=eval_size)
    train = IRSTDDataset(
        root,
        train_stems,
        size=config.size,
        augment=config.augment,
        seed=config.seed,
        crop=config.crop,
        crop_target_fraction=config.crop_target_fraction,
        scale_range=config.scale_range,
        pad_mode=net.pad_mode,
        edge_pad=config.edge_pad,
        edge_pad_max=net.size_divisor - 1,
    )
    test = IRSTDDataset(root, test_split, size=eval_size) if test_split else None
    _check_disjoint("validation", val, set(train.stems))
    if test is not None:
        _check_disjoint("test", test, set(train.stems) | set(val.stems))
    return RunData(train, val, test, _fingerprints(train=train, val=val, test=test))


def _check_has_targets(name: str, dataset: IRSTDDataset, check: MaskCheck | None) -> None:
    if check is None or check.resized:
        return
    if check.stored == 0:
        raise ValueError(
            f"the {name} set ({dataset.source}) has no target: all {check.images} of its masks "
            f"in {dataset.root / 'masks'} are empty (every pixel 0). A pixel is a target when "
            "it is non-zero (docs/data.md); check that the masks are the right files"
        )
    size = f"{dataset.size}x{dataset.size}" if dataset.size else "their images' size"
    raise ValueError(
        f"the {name} set ({dataset.source}) has no target left after resizing: its "
        f"{check.stored} targets all vanish when the masks are resized to {size}; use a "
        "larger size, or size none with a crop"
    )


def _check_disjoint(name: str, dataset: IRSTDDataset, used: set[str]) -> None:
    shared = sorted(set(dataset.stems) & used)
    if shared:
        raise ValueError(
            f"the {name} set ({dataset.source}) shares {len(shared)} image(s) with the data "
            f"used for training (e.g. {shared[0]!r}); choose disjoint splits"
        )


def _fingerprints(**datasets: Dataset | None) -> dict[str, str]:
    return {
        name: hashlib.sha256("\n".join(dataset.stems).encode()).hexdigest()
        for name, dataset in datasets.items()
        if dataset is not None
    }
