"""gglnet.data.dataset: IRSTDDataset layouts, items, bad-data errors and the real datasets."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import shared_path

from gglnet.data import IRSTDDataset, detect_layout, write_split
from gglnet.padding import PAD_MODES, pad_bottom_right

H, W = 20, 24


def _write_dataset(
    root: Path, stems: tuple[str, ...] = ("a", "b", "c"), mask_suffix: str = ""
) -> Path:
    """A tiny dataset: grey images with one bright 3x3 target each, 0/255 masks."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, stem in enumerate(stems):
        image = np.full((H, W), 40 + i, np.uint8)
        mask = np.zeros((H, W), np.uint8)
        image[5:8, 6 + i : 9 + i] = 200
        mask[5:8, 6 + i : 9 + i] = 255
        cv2.imwrite(str(root / "images" / f"{stem}.png"), image)
        cv2.imwrite(str(root / "masks" / f"{stem}{mask_suffix}.png"), mask)
    write_split(root / "trainval.txt", stems[:2])
    write_split(root / "test.txt", stems[2:])
    return root


@pytest.mark.parametrize(("suffix", "layout"), [("", "common"), ("_pixels0", "sirst")])
def test_layouts_load_items(tmp_path: Path, suffix: str, layout: str) -> None:
    root = _write_dataset(tmp_path / "d", mask_suffix=suffix)
    if layout == "sirst":
        (root / "masks" / "a.xml").write_text("<annotation/>")  # SIRST's boxes are ignored
    data = IRSTDDataset(root, "trainval", size=32)
    assert data.layout == layout == detect_layout(root)
    assert len(data) == 2 and data.stems == ["a", "b"]
    item = data[1]
    assert item["stem"] == "b"
    assert item["image"].shape == (3, 32, 32) and item["image"].dtype == torch.float32
    assert item["mask"].shape == (1, 32, 32) and item["mask"].dtype == torch.float32
    assert set(item["mask"].unique().tolist()) == {0.0, 1.0}
    assert torch.equal(item["image"][0], item["image"][2])  # grey repeated to 3 channels


def test_native_size_keeps_pixels(tmp_path: Path) -> None:
    data = IRSTDDataset(_write_dataset(tmp_path / "d"), None, size=None)
    item = data[0]
    assert data.stems == ["a", "b", "c"]
    assert item["image"].shape == (3, H, W)
    assert item["image"][0, 0, 0] == pytest.approx(40 / 255)
    assert item["mask"][0, 5:8, 6:9].sum() == 9 and item["mask"].sum() == 9


def test_plain_folder_has_no_masks(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "x.png"), np.zeros((16, 16, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "y.bmp"), np.zeros((16, 16), np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    data = IRSTDDataset(tmp_path, size=None)
    assert data.layout == "plain" and not data.has_masks
    assert data.stems == ["x", "y"]
    assert set(data[0]) == {"image", "stem"}
    for kwargs in ({"augment": True}, {"crop": 8}, {"edge_pad": 0.5}):
        with pytest.raises(ValueError, match="augmentation, crops and edge padding need masks"):
            IRSTDDataset(tmp_path, **kwargs)


def test_split_entries_with_extension_and_explicit_stems(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    write_split(root / "ext.txt", ["a.png", "c"])
    assert IRSTDDataset(root, "ext").stems == ["a", "c"]
    assert IRSTDDataset(root, ["c", "a"]).stems == ["c", "a"]


def test_16bit_rgb_and_palette_images(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    cv2.imwrite(str(root / "images" / "a.png"), np.full((H, W), 65535 // 4, np.uint16))
    rgb = np.zeros((H, W, 3), np.uint8)
    rgb[..., 2] = 255  # red in OpenCV's BGR order
    cv2.imwrite(str(root / "images" / "b.png"), rgb)
    cv2.imwrite(
        str(root / "images" / "c.png"), np.full((H, W), 255, np.uint8), [cv2.IMWRITE_PNG_BILEVEL, 1]
    )
    data = IRSTDDataset(root, size=None)
    assert data[0]["image"].max().item() == pytest.approx((65535 // 4) / 65535)
    assert data[1]["image"][:, 0, 0].tolist() == [1.0, 0.0, 0.0]
    assert data[2]["image"].min().item() == 1.0


@pytest.mark.parametrize(
    ("values", "expected"),
    [((0, 1), 1), ((0, 255), 1), ((0, 100), 1), ((0, 0), 0)],
)
def test_mask_binarisation(tmp_path: Path, values: tuple[int, int], expected: int) -> None:
    root = _write_dataset(tmp_path / "d")
    mask = np.full((H, W), values[0], np.uint8)
    mask[0, 0] = values[1]
    cv2.imwrite(str(root / "masks" / "a.png"), mask)
    assert IRSTDDataset(root, ["a"], size=None)[0]["mask"][0, 0, 0].item() == expected


def test_rescaled_mask_is_accepted_with_a_warning(tmp_path: Path) -> None:
    """Like SIRST's Misc_111: the mask is the same picture at about twice the size."""
    root = _write_dataset(tmp_path / "d")
    mask = np.zeros((H * 2 - 1, W * 2), np.uint8)
    mask[10:16, 12:18] = 255
    cv2.imwrite(str(root / "masks" / "a.png"), mask)
    data = IRSTDDataset(root, ["a"], size=None)
    with pytest.warns(UserWarning, match="another scale.*: a"):
        data.verify()
    assert data[0]["mask"].shape == (1, H, W)
    assert data[0]["mask"].sum() == 9


def test_non_binary_masks_warn_once_per_dataset(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    for stem in "abc":
        mask = cv2.imread(str(root / "masks" / f"{stem}.png"), cv2.IMREAD_UNCHANGED)
        mask[4, 6:9] = 90  # an anti-aliased edge above each target
        cv2.imwrite(str(root / "masks" / f"{stem}.png"), mask)
    data = IRSTDDataset(root, size=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check = data.verify()
        items = [data[i] for i in range(len(data))]
        data.check_masks()
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "3 mask(s) of" in messages[0] and "not binary" in messages[0]
    assert "a, b, c" in messages[0]
    assert check is not None and check.non_binary == ["a", "b", "c"]
    assert all(item["mask"][0, 4, 6:9].tolist() == [1.0] * 3 for item in items)

    unchecked = IRSTDDataset(root, size=None)  # items alone: one warning, at the first mask
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [unchecked[i] for i in range(len(unchecked))]
    assert len(caught) == 1 and "check_masks() lists them all" in str(caught[0].message)


def _small_and_large_target(root: Path) -> Path:
    """One 64x64 image whose mask holds a 1-pixel target and a 16x16 one."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    mask = np.zeros((64, 64), np.uint8)
    mask[1, 1] = 255
    mask[30:46, 30:46] = 255
    cv2.imwrite(str(root / "images" / "a.png"), mask)
    cv2.imwrite(str(root / "masks" / "a.png"), mask)
    return root


def test_resizing_that_loses_targets_warns(tmp_path: Path) -> None:
    root = _small_and_large_target(tmp_path / "d")
    with pytest.warns(
        UserWarning,
        match=r"to 16x16 loses targets: 2 targets as stored, 1 after resizing; "
        r"1 of 1 images have fewer targets",
    ):
        check = IRSTDDataset(root, size=16).check_masks()
    assert check is not None and (check.stored, check.resized) == (2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # upscaling and native size keep every target
        assert IRSTDDataset(root, size=128).verify().resized == 2  # type: ignore[union-attr]
        assert IRSTDDataset(root, size=None).check_masks().resized == 2  # type: ignore[union-attr]


def test_augmentation_depends_on_seed_epoch_and_index_only(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d", stems=tuple("abcdefgh"))
    data = IRSTDDataset(root, size=32, augment=True, seed=3)
    again = IRSTDDataset(root, size=32, augment=True, seed=3)
    first = [data[i]["image"] for i in range(8)]
    assert all(torch.equal(a, again[i]["image"]) for i, a in enumerate(first))
    data.set_epoch(1)
    assert any(not torch.equal(a, data[i]["image"]) for i, a in enumerate(first))
    for i in range(8):
        mask = data[i]["mask"]
        assert set(mask.unique().tolist()) <= {0.0, 1.0}


def _noisy_dataset(root: Path, n: int = 4) -> Path:
    """Like :func:`_write_dataset`, with images of noise in 1..255: padding of any mode shows."""
    root = _write_dataset(root, stems=tuple("abcdefgh"[:n]))
    rng = np.random.default_rng(0)
    for stem in "abcdefgh"[:n]:
        cv2.imwrite(str(root / "images" / f"{stem}.png"), rng.integers(1, 256, (H, W), np.uint8))
    return root


EDGE_PAD_CASES = [
    {"size": None},
    {"size": None, "crop": 16},
    {"size": None, "crop": 16, "augment": True},
    {"size": 32, "augment": True},
]


@pytest.mark.parametrize("kwargs", EDGE_PAD_CASES)
def test_edge_pad_0_keeps_the_samples(tmp_path: Path, kwargs: dict) -> None:
    root = _noisy_dataset(tmp_path / "d")
    before = IRSTDDataset(root, seed=3, **kwargs)
    data = IRSTDDataset(root, seed=3, edge_pad=0.0, edge_pad_max=4, **kwargs)
    for epoch in (0, 1):
        before.set_epoch(epoch)
        data.set_epoch(epoch)
        for i in range(len(data)):
            assert torch.equal(data[i]["image"], before[i]["image"]), (epoch, i)
            assert torch.equal(data[i]["mask"], before[i]["mask"]), (epoch, i)


def _edge_padding(padded: torch.Tensor, sample: torch.Tensor, max_pad: int, mode: str):
    """The ``(dh, dw)`` of the edge padding that turns ``sample`` into ``padded``, or None."""
    height, width = sample.shape[-2:]
    for dh in range(max_pad + 1):
        for dw in range(max_pad + 1):
            cut = sample[..., : height - dh, : width - dw]
            if torch.equal(pad_bottom_right(cut, height, width, mode), padded):
                return dh, dw
    return None


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("kwargs", EDGE_PAD_CASES)
def test_edge_pad_1_changes_the_bottom_right_edge_only(
    tmp_path: Path, mode: str, kwargs: dict
) -> None:
    root = _noisy_dataset(tmp_path / "d")
    plain = IRSTDDataset(root, seed=3, pad_mode=mode, **kwargs)
    padded = IRSTDDataset(root, seed=3, pad_mode=mode, edge_pad=1.0, edge_pad_max=4, **kwargs)
    for epoch in (0, 1):
        plain.set_epoch(epoch)
        padded.set_epoch(epoch)
        for i in range(len(plain)):
            a, b = plain[i], padded[i]
            pads = _edge_padding(b["image"], a["image"], 4, mode)
            assert pads is not None and pads != (0, 0), (epoch, i, pads)
            height, width = a["image"].shape[-2:]
            cut = a["mask"][..., : height - pads[0], : width - pads[1]]
            assert torch.equal(b["mask"], pad_bottom_right(cut, height, width, mode))
            assert set(b["mask"].unique().tolist()) <= {0.0, 1.0}


def test_edge_pad_is_the_share_of_padded_samples(tmp_path: Path) -> None:
    root = _noisy_dataset(tmp_path / "d", n=8)
    plain = IRSTDDataset(root, size=None, seed=1)
    half = IRSTDDataset(root, size=None, seed=1, edge_pad=0.5, edge_pad_max=3)
    changed = []
    for epoch in range(10):
        plain.set_epoch(epoch)
        half.set_epoch(epoch)
        changed += [not torch.equal(plain[i]["image"], half[i]["image"]) for i in range(8)]
    assert 0.3 < np.mean(changed) < 0.7


@pytest.mark.parametrize("mode", PAD_MODES)
def test_crops_of_smaller_images_pad_with_the_pad_mode(tmp_path: Path, mode: str) -> None:
    root = _noisy_dataset(tmp_path / "d", n=3)
    native = IRSTDDataset(root, size=None)
    cropped = IRSTDDataset(root, size=None, crop=32, pad_mode=mode)
    for i in range(3):  # the 32x32 window of a 20x24 image padded to 32x32 is all of it
        for key in ("image", "mask"):
            expected = pad_bottom_right(native[i][key], 32, 32, mode)
            assert torch.equal(cropped[i][key], expected), (i, key)


def test_bad_data_missing_mask(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    (root / "masks" / "b.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing mask for image .*b\.png.*masks/b\.png"):
        IRSTDDataset(root, "trainval")


def test_bad_data_size_mismatch(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    cv2.imwrite(str(root / "masks" / "a.png"), np.zeros((H, W + 5), np.uint8))
    data = IRSTDDataset(root, "trainval")
    with pytest.raises(
        ValueError, match=r"size mismatch: .*images/a\.png is 24x20.*masks/a\.png is 29x20"
    ):
        data.verify()
    with pytest.raises(ValueError, match=r"masks/a\.png"):
        data[0]


@pytest.mark.parametrize("folder", ["images", "masks"])
def test_bad_data_corrupt_file(tmp_path: Path, folder: str) -> None:
    root = _write_dataset(tmp_path / "d")
    (root / folder / "b.png").write_bytes(b"\x89PNG not really an image")
    data = IRSTDDataset(root, "trainval")
    with pytest.raises(ValueError, match=rf"cannot decode image .*{folder}/b\.png"):
        data.verify()


def test_bad_data_empty_split(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    (root / "empty.txt").write_text("\n\n")
    with pytest.raises(ValueError, match=r"split file .*empty\.txt is empty"):
        IRSTDDataset(root, "empty")


def test_bad_data_split_entry_without_image(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "d")
    write_split(root / "typo.txt", ["a", "zz"])
    with pytest.raises(
        FileNotFoundError, match=r"typo\.txt lists 'zz' but there is no image .*images/zz\.png"
    ):
        IRSTDDataset(root, "typo")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"size": 0}, ValueError, "size must be a positive integer"),
        ({"size": -32}, ValueError, "size must be a positive integer"),
        ({"layout": "voc"}, ValueError, "layout must be"),
        ({"split": []}, ValueError, "list of stems is empty"),
        ({"pad_mode": "mirror"}, ValueError, "pad_mode must be one of"),
        ({"edge_pad": 1.5}, ValueError, r"edge_pad is a share of samples in \[0, 1\], got 1.5"),
        ({"edge_pad": -0.1}, ValueError, "edge_pad is a share of samples"),
        ({"edge_pad_max": 0}, ValueError, "edge_pad_max must be a positive integer, got 0"),
        ({"edge_pad_max": 2.0}, ValueError, "edge_pad_max must be a positive integer"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict, error: type, message: str) -> None:
    root = _write_dataset(tmp_path / "d")
    with pytest.raises(error, match=message):
        IRSTDDataset(root, **kwargs)


def test_missing_folder_or_no_images(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="dataset folder not found"):
        IRSTDDataset(tmp_path / "nothing")
    (tmp_path / "images").mkdir()
    with pytest.raises(FileNotFoundError, match="no images"):
        IRSTDDataset(tmp_path)


def test_real_sirst() -> None:
    root = shared_path("datasets", "sirst")
    assert len(IRSTDDataset(root, size=None)) == 427
    test = IRSTDDataset(root, "idx_320/test", size=512)
    trainval = IRSTDDataset(root, "idx_320/trainval", size=512)
    assert (len(test), len(trainval)) == (96, 224)
    assert test.layout == "sirst" and not set(test.stems) & set(trainval.stems)
    for index in (0, test.stems.index("Misc_111")):  # Misc_111's mask is stored larger
        item = test[index]
        assert item["image"].shape == (3, 512, 512) and item["mask"].shape == (1, 512, 512)
        assert set(item["mask"].unique().tolist()) == {0.0, 1.0}


@pytest.mark.parametrize(
    ("name", "size", "n_masks", "n_targets"),
    [("sirst", 512, 427, 533), ("nudt-sirst", 256, 1327, 1863)],
)
def test_real_masks_are_binary_and_keep_their_targets(
    name: str, size: int, n_masks: int, n_targets: int
) -> None:
    """Every SIRST and NUDT-SIRST mask is 0/255: the non-zero rule keeps exactly the targets
    of the earlier "above half range" rule, and the paper's sizes lose none of them."""
    data = IRSTDDataset(shared_path("datasets", name), size=size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check = data.check_masks()
    assert check is not None and check.non_binary == []
    assert (check.images, check.stored, check.resized) == (n_masks, n_targets, n_targets)
    assert check.images_with_targets == n_masks


def test_real_nudt_sirst() -> None:
    root = shared_path("datasets", "nudt-sirst")
    train = IRSTDDataset(root, "idx_50_50/train", size=256)
    test = IRSTDDataset(root, "idx_50_50/test", size=256)
    assert (len(train), len(test)) == (663, 664) and train.layout == "common"
    assert (
        len(IRSTDDataset(root, "nudt-sirst_70_30/trainval")),
        len(IRSTDDataset(root, "nudt-sirst_70_30/test")),
    ) == (929, 398)
    item = test[0]
    assert item["image"].shape == (3, 256, 256)
    assert set(item["mask"].unique().tolist()) == {0.0, 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        IRSTDDataset(root, ["000001", "000002"]).verify()
