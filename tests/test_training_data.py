"""gglnet.training.data: the training, validation and test sets of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_synthetic_sets() -> None:
    data = build_datasets(TrainConfig("run", size=32, synthetic_scenes=40, val_fraction=0.1))
    assert (len(data.train), len(data.val), len(data.test)) == (40, 4, 4)
    assert data.train.augment is not None and data.val.augment is None
    assert data.val[0]["stem"] != data.test[0]["stem"]
