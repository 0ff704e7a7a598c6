"""gglnet.data.synthetic: infrared-like scenes with exact masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gglnet.data import IRSTDDataset, SyntheticDataset, make_scene, write_synthetic_dataset
from gglnet.metrics import find_components


def test_scene_is_deterministic_per_seed() -> None:
    image, mask = make_scene(64, seed=(3, 1))
    again = make_scene(64, seed=(3, 1))
    other = make_scene(64, seed=(3, 2))
    np.testing.assert_array_equal(image, again[0])
    np.testing.assert_array_equal(mask, again[1])
    assert not np.array_equal(image, other[0])
    assert image.shape == mask.shape == (64, 64)
    assert image.dtype == mask.dtype == np.uint8
    assert set(np.unique(mask)) <= {0, 1}


@pytest.mark.parametrize("count", [0, 1, 3])
def test_target_count_and_contrast(count: int) -> None:
    for seed in range(10):
        image, mask = make_scene(128, seed=seed, n_targets=(count, count))
        targets = find_components(mask.astype(bool))
        assert len(targets) == count
        for target in targets:
            assert 1 <= target.area <= 60  # small: points and ellipses of a few pixels
            x0, y0, x1, y1 = target.bbox
            ring = image[max(y0 - 4, 0) : y1 + 4, max(x0 - 4, 0) : x1 + 4].astype(float)
            inside = mask[max(y0 - 4, 0) : y1 + 4, max(x0 - 4, 0) : x1 + 4].astype(bool)
            assert ring[inside].max() > np.median(ring[~inside]) + 10  # locally bright


def test_targets_are_not_always_the_brightest_pixels() -> None:
    brightest_is_target = [
        bool(mask.ravel()[image.argmax()])
        for image, mask in (make_scene(128, s) for s in range(30))
    ]
    assert 0 < sum(brightest_is_target) < 30


def test_dataset_items_match_make_scene() -> None:
    data = SyntheticDataset(3, size=64, seed=5)
    item = data[2]
    image, mask = make_scene(64, (5, 2))
    assert item["stem"] == "synthetic_5_00002"
    torch.testing.assert_close(item["image"][1], torch.from_numpy(image / np.float32(255)))
    assert torch.equal(item["mask"][0], torch.from_numpy(mask.astype(np.float32)))
    with pytest.raises(IndexError):
        data[3]


def test_dataset_augmentation_seeded_by_epoch() -> None:
    data = SyntheticDataset(4, size=32, augment=True, augment_seed=1)
    first = [data[i]["image"] for i in range(4)]
    assert all(
        torch.equal(a, SyntheticDataset(4, 32, augment=True, augment_seed=1)[i]["image"])
        for i, a in enumerate(first)
    )
    data.set_epoch(1)
    assert any(not torch.equal(a, data[i]["image"]) for i, a in enumerate(first))


def test_written_dataset_loads_like_nudt(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "syn", n=10, size=32, seed=4)
    trainval = IRSTDDataset(root, "trainval", size=None)
    test = IRSTDDataset(root, "test", size=None)
    assert trainval.layout == "common" and (len(trainval), len(test)) == (7, 3)
    synthetic = SyntheticDataset(10, size=32, seed=4)
    index = synthetic.stems.index(test.stems[0])
    assert torch.equal(test[0]["image"], synthetic[index]["image"])
    assert torch.equal(test[0]["mask"], synthetic[index]["mask"])
    with pytest.raises(FileExistsError, match="not empty"):
        write_synthetic_dataset(root, n=10, size=32)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"size": 16}, "at least 32"), ({"n_targets": (3, 1)}, "n_targets")],
)
def test_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_scene(**kwargs)
    with pytest.raises(ValueError, match=message):
        SyntheticDataset(2, **kwargs)
    with pytest.raises(ValueError, match="positive integer"):
        SyntheticDataset(0)
