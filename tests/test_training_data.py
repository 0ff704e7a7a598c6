"""gglnet.training.data: the training, validation and test sets of a run."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gglnet import create_model
from gglnet.data import cut_split, write_split, write_synthetic_dataset
from gglnet.training import TrainConfig
from gglnet.training.data import build_datasets


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = write_synthetic_dataset(tmp_path / "data", n=20, size=32, seed=0, test_fraction=0.25)
    (root / "idx").mkdir()
    (root / "trainval.txt").rename(root / "idx" / "trainval.txt")
    (root / "test.txt").rename(root / "idx" / "test.txt")
    return root


def test_split_folder_gives_train_val_and_test(root: Path) -> None:
    data = build_datasets(
        TrainConfig("run", data=str(root), split="idx", size=32, val_fraction=0.2)
    )
    assert (len(data.train), len(data.val), len(data.test)) == (12, 3, 5)
    assert data.train.augment is not None and data.val.augment is None
    expected_train, expected_val = cut_split(data.train.stems + data.val.stems, 0.8, seed=0)
    assert (data.train.stems, data.val.stems) == (expected_train, expected_val)
    assert set(data.fingerprints) == {"train", "val", "test"}
    other_seed = build_datasets(TrainConfig("run", data=str(root), split="idx", size=32, seed=1))
    assert other_seed.val.stems != data.val.stems


def test_explicit_val_split_and_no_test(root: Path) -> None:
    stems = (root / "idx" / "trainval.txt").read_text().split()
    write_split(root / "train.txt", stems[:10])
    write_split(root / "val.txt", stems[10:])
    data = build_datasets(
        TrainConfig("run", data=str(root), split="train", val_split="val", size=32)
    )
    assert (len(data.train), len(data.val), data.test) == (10, 5, None)


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ({"split": "idx/trainval", "test_split": "idx/trainval"}, "test set .* shares"),
        ({"split": "idx/trainval", "val_split": "idx/trainval"}, "validation set .* shares"),
    ],
)
def test_overlapping_splits_are_refused(root: Path, splits: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_datasets(TrainConfig("run", data=str(root), size=32, **splits))


def test_corrupt_image_stops_before_training(root: Path) -> None:
    stem = (root / "idx" / "test.txt").read_text().split()[0]
    (root / "images" / f"{stem}.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=rf"cannot decode image .*{stem}\.png"):
        build_datasets(TrainConfig("run", data=str(root), split="idx", size=32, quiet=True))


def test_dataset_without_targets_is_refused(root: Path) -> None:
    for mask in (root / "masks").iterdir():
        cv2.imwrite(str(mask), np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError, match=r"training set .* has no target: all 14 of its masks"):
        build_datasets(TrainConfig("run", data=str(root), split="idx", size=32, quiet=True))


def _dots(root: Path, n: int, large: int) -> Path:
    """``n`` 64x64 images with a 1-pixel target each; the first ``large`` add a 16x16 one."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(n):
        mask = np.zeros((64, 64), np.uint8)
        mask[1, 1] = 255
        if i < large:
            mask[30:46, 30:46] = 255
        cv2.imwrite(str(root / "images" / f"{i}.png"), mask)
        cv2.imwrite(str(root / "masks" / f"{i}.png"), mask)
    return root


def test_resizing_that_loses_targets_warns(tmp_path: Path) -> None:
    root = _dots(tmp_path / "d", n=10, large=10)
    with pytest.warns(UserWarning, match=r"to 16x16 loses targets: \d+ targets as stored"):
        data = build_datasets(TrainConfig("run", data=str(root), size=16, quiet=True))
    assert data.train.mask_check.stored == 2 * data.train.mask_check.resized


def test_resizing_that_loses_every_target_is_refused(tmp_path: Path) -> None:
    root = _dots(tmp_path / "d", n=10, large=0)
    with (
        pytest.warns(UserWarning, match="loses targets"),
        pytest.raises(ValueError, match=r"its 9 targets all vanish when the masks are resized"),
    ):
        build_datasets(TrainConfig("run", data=str(root), size=16, quiet=True))


@pytest.mark.parametrize(("eval_size", "shape"), [(None, (32, 32)), (16, (16, 16))])
def test_eval_size_applies_to_validation_and_test_only(
    root: Path, eval_size: int | None, shape: tuple[int, int]
) -> None:
    config = TrainConfig("run", data=str(root), split="idx", size=24, eval_size=eval_size)
    data = build_datasets(config)
    assert data.train.size == 24 and data.train[0]["image"].shape[1:] == (24, 24)
    assert data.val.size == data.test.size == eval_size
    assert data.val[0]["image"].shape[1:] == data.test[0]["mask"].shape[1:] == shape


def test_synthetic_eval_size() -> None:
    config = TrainConfig("run", size=32, eval_size=48, synthetic_scenes=10, val_fraction=0.1)
    data = build_datasets(config)
    assert data.train[0]["image"].shape[1:] == (32, 32)
    assert data.val[0]["image"].shape[1:] == data.test[0]["image"].shape[1:] == (48, 48)


def test_synthetic_sets() -> None:
    data = build_datasets(TrainConfig("run", size=32, synthetic_scenes=40, val_fraction=0.1))
    assert (len(data.train), len(data.val), len(data.test)) == (40, 4, 4)
    assert data.train.augment is not None and data.val.augment is None
    assert data.val[0]["stem"] != data.test[0]["stem"]


def test_scale_range_rescales_training_crops_only(root: Path) -> None:
    config = TrainConfig(
        "run", data=str(root), split="idx", size=None, crop=16, scale_min=0.5, scale_max=2.0
    )
    data = build_datasets(config)
    assert config.scale_range == (0.5, 2.0)
    assert data.train.scale_range == (0.5, 2.0)
    assert data.val.scale_range is None and data.test.scale_range is None
    assert data.train[0]["image"].shape == (3, 16, 16)  # the crop keeps batches one size
    assert TrainConfig("run").scale_range is None  # 1 and 1: no rescaling


@pytest.mark.parametrize(
    ("model", "model_options", "pad_mode", "edge_pad_max"),
    [("gglnet", {}, "zeros", 15), ("gglnet", {"pad_mode": "reflect"}, "reflect", 15),
     ("gglnet", {"widths": [8, 16, 16], "pad_mode": "replicate"}, "replicate", 3),
     ("gglnet.nudt", {}, "reflect", 15),  # a weights name brings its padding, as the model's
     ("gglnet.nudt", {"pad_mode": "zeros"}, "zeros", 15)],
)  # fmt: skip
def test_training_samples_pad_as_the_model_is_padded(
    root: Path, model: str, model_options: dict, pad_mode: str, edge_pad_max: int
) -> None:
    config = TrainConfig(
        "run", data=str(root), split="idx", size=None, crop=16, edge_pad=0.5,
        model=model, model_options=model_options,
    )  # fmt: skip
    assert create_model(model, **model_options).config.pad_mode == pad_mode
    data = build_datasets(config)
    assert (data.train.pad_mode, data.train.edge_pad, data.train.edge_pad_max) == (
        pad_mode, 0.5, edge_pad_max
    )  # fmt: skip
    assert data.val.edge_pad == 0 and data.test.edge_pad == 0  # evaluation pads on its own
    assert data.train[0]["image"].shape == (3, 16, 16)
