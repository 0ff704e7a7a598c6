"""``gglnet predict``: output files, detections.json, overwrite protection and bad images."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from torch import nn

import gglnet
import gglnet.cli.predict as predict_cli
from gglnet.cli import main


class _Brightness(nn.Module):
    """Logits ``40 * (mean over channels - 0.5)``: bright pixels are targets."""

    def __init__(self) -> None:
        super().__init__()
        self.config = SimpleNamespace(size_divisor=16)
        self.scale = nn.Parameter(torch.tensor(40.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.mean(1, keepdim=True) - 0.5) * self.scale


@pytest.fixture
def stub_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(predict_cli, "load_model", lambda name, arch: _Brightness())


def _write(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)
    return path


@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "frames"
    grey = np.full((50, 70), 30, np.uint8)
    grey[10:13, 20:24] = 220
    grey[40, 60] = 220
    _write(folder / "grey.png", grey)
    _write(folder / "colour.png", np.full((33, 17, 3), 40, np.uint8))
    deep = np.full((20, 40), 2000, np.uint16)
    deep[5:7, 5:7] = 60000
    _write(folder / "deep.png", deep)
    (folder / "notes.txt").write_text("not an image")
    return folder


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    return image


@pytest.mark.usefixtures("stub_model")
def test_writes_maps_masks_overlays_and_detections(images: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["predict", str(images), "--model", "stub", "--out", str(out), "--quiet"]) == 0
    for stem, size in (("grey", (50, 70)), ("colour", (33, 17)), ("deep", (20, 40))):
        prob = _read(out / "probs" / f"{stem}.png")
        mask = _read(out / "masks" / f"{stem}.png")
        overlay = _read(out / "overlays" / f"{stem}.png")
        assert prob.shape == mask.shape == size
        assert prob.dtype == np.uint16 and mask.dtype == np.uint8
        assert overlay.shape == (*size, 3) and overlay.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 255}
        np.testing.assert_array_equal(mask == 255, prob > 0.5 * 65535)
    assert (_read(out / "masks" / "grey.png") == 255).sum() == 13
    report = json.loads((out / "detections.json").read_text())
    assert report["threshold"] == 0.5
    by_name = {Path(r["file"]).name: r for r in report["images"]}
    assert sorted(by_name) == ["colour.png", "deep.png", "grey.png"]
    grey = by_name["grey.png"]
    assert (grey["height"], grey["width"]) == (50, 70)
    first, second = grey["targets"]
    assert first["bbox"] == [20, 10, 24, 13]
    assert first["centroid"] == [11.0, 21.5]
    assert first["area"] == 12
    assert 0.5 < first["peak_score"] <= 1
    assert second["centroid"] == [40.0, 60.0]
    assert by_name["colour.png"]["targets"] == []
    assert [t["area"] for t in by_name["deep.png"]["targets"]] == [4]


@pytest.mark.usefixtures("stub_model")
def test_eight_bit_probabilities_and_a_threshold(images: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["predict", str(images / "grey.png"), "--model", "stub", "--out", str(out)]
    assert main([*args, "--prob-bits", "8", "--threshold", "1", "--quiet"]) == 0
    prob = _read(out / "probs" / "grey.png")
    assert prob.dtype == np.uint8
    assert prob.max() == 255
    assert json.loads((out / "detections.json").read_text())["images"][0]["targets"] == []


@pytest.mark.usefixtures("stub_model")
def test_existing_outputs_are_kept_unless_overwrite(
    images: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["predict", str(images / "grey.png"), "--model", "stub", "--out", str(out), "--quiet"]
    assert main(args) == 0
    (out / "masks" / "grey.png").write_bytes(b"mine")
    assert main(args) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "masks" / "grey.png").read_bytes() == b"mine"
    assert main([*args, "--overwrite"]) == 0
    assert _read(out / "masks" / "grey.png").shape == (50, 70)


@pytest.mark.usefixtures("stub_model")
def test_an_unreadable_image_is_named_and_skipped(
    images: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = images / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    out = tmp_path / "out"
    assert main(["predict", str(images), "--model", "stub", "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert str(broken) in err and "1 of 4 image(s) failed" in err
    report = json.loads((out / "detections.json").read_text())
    assert len(report["images"]) == 3


@pytest.mark.usefixtures("stub_model")
@pytest.mark.parametrize(
    ("inputs", "message"),
    [(["missing.png"], "no such image or folder"), (["empty"], "no images")],
)
def test_bad_inputs(
    inputs: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    paths = [str(tmp_path / name) for name in inputs]
    assert main(["predict", *paths, "--model", "stub", "--out", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.usefixtures("stub_model")
def test_same_stem_twice_is_refused(
    images: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _write(tmp_path / "other" / "grey.png", np.zeros((16, 16), np.uint8))
    args = ["predict", str(images), str(other), "--model", "stub", "--out", str(tmp_path / "o")]
    assert main(args) == 1
    assert "same outputs" in capsys.readouterr().err


def test_a_saved_model_folder_with_tiles(images: Path, tmp_path: Path) -> None:
    gglnet.GGLNet(widths=(4, 8)).save_pretrained(tmp_path / "tiny")
    out = tmp_path / "out"
    args = ["predict", str(images), "--model", str(tmp_path / "tiny"), "--out", str(out)]
    assert main([*args, "--tile", "32", "--tile-overlap", "8", "--no-compile", "--quiet"]) == 0
    assert _read(out / "probs" / "grey.png").shape == (50, 70)
    assert json.loads((out / "detections.json").read_text())["tile"] == 32


def test_help_lists_the_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    text = capsys.readouterr().out
    assert "detections.json" in text and "--overwrite" in text
