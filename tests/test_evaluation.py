"""gglnet.evaluation: running a model over a dataset with the paper's metrics."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from torch import nn

import gglnet
from gglnet.data import IRSTDDataset, SyntheticDataset, write_split
from gglnet.evaluation import evaluate, format_metrics
from gglnet.metrics import IRSTDMetrics
from gglnet.padding import PAD_MODES, pad_bottom_right


class _Oracle(nn.Module):
    """Predicts the target wherever the image's first channel is above 0.5 (sizes: any
    multiple of 16, like GGL-Net, so native-size evaluation must pad)."""

    def __init__(self, shift: int = 0) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(20.0))
        self.shift = shift
        self.config = gglnet.GGLNetConfig()
        self.sizes: list[tuple[int, int]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.sizes.append(tuple(x.shape[-2:]))
        assert x.shape[-1] % 16 == 0 and x.shape[-2] % 16 == 0
        return torch.roll((x[:, :1] - 0.5) * self.scale, self.shift, dims=-1)


def _target_images(root: Path, sizes: list[tuple[int, int]]) -> Path:
    """Images whose bright pixels are exactly the mask's (so the oracle is perfect)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, (h, w) in enumerate(sizes):
        mask = np.zeros((h, w), np.uint8)
        mask[3:6, 4 + i : 7 + i] = 255
        cv2.imwrite(str(root / "images" / f"{i}.png"), mask)
        cv2.imwrite(str(root / "masks" / f"{i}.png"), mask)
    write_split(root / "test.txt", [str(i) for i in range(len(sizes))])
    return root


def test_perfect_model_scores_perfectly(tmp_path: Path) -> None:
    root = _target_images(tmp_path / "d", [(32, 32)] * 3)
    metrics = evaluate(_Oracle(), IRSTDDataset(root, "test", size=32), batch_size=2, progress=False)
    assert metrics["iou"] == pytest.approx(1.0) and metrics["niou"] == pytest.approx(1.0)
    assert (metrics["pd"], metrics["fa"]) == (1.0, 0.0)
    assert (metrics["n_images"], metrics["n_targets"], metrics["threshold"]) == (3, 3, 0.5)


def test_matches_irstd_metrics_on_the_same_predictions() -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16)).train()
    data = SyntheticDataset(3, size=32, seed=1)
    metrics = evaluate(model, data, batch_size=3, progress=False)
    assert model.training  # mode restored
    reference = IRSTDMetrics()
    with torch.inference_mode():
        batch = [data[i] for i in range(3)]
        images = torch.stack([item["image"] for item in batch])
        prob = torch.sigmoid(model.eval()(images))
    reference.update(prob, torch.stack([item["mask"] for item in batch]))
    assert metrics == {**reference.compute(), "threshold": 0.5}


def test_native_size_pads_and_crops(tmp_path: Path) -> None:
    root = _target_images(tmp_path / "d", [(20, 30), (33, 17)])
    model = _Oracle()
    metrics = evaluate(model, IRSTDDataset(root, "test", size=None), progress=False)
    assert model.sizes == [(32, 32), (48, 32)]
    assert metrics["n_pixels"] == 20 * 30 + 33 * 17
    assert metrics["iou"] == pytest.approx(1.0) and metrics["fa"] == 0.0


@pytest.mark.parametrize(
    ("trim", "padded"),
    [(0, [(32, 32), (48, 32)]), (2, [(32, 32), (32, 16)]), (4, [(16, 32), (32, 16)])],
)
def test_trim_cuts_the_bottom_and_right_first(
    tmp_path: Path, trim: int, padded: list[tuple[int, int]]
) -> None:
    root = _target_images(tmp_path / "d", [(20, 30), (33, 17)])
    model = _Oracle()
    metrics = evaluate(model, IRSTDDataset(root, "test", size=None), trim=trim, progress=False)
    assert model.sizes == padded
    assert metrics["n_pixels"] == (20 - trim) * (30 - trim) + (33 - trim) * (17 - trim)
    assert metrics["iou"] == pytest.approx(1.0) and metrics["n_targets"] == 2


def test_trim_cuts_targets_off_with_the_image(tmp_path: Path) -> None:
    root = _target_images(tmp_path / "d", [(20, 30)])  # its target: rows 3-5
    metrics = evaluate(_Oracle(), IRSTDDataset(root, size=None), trim=15, progress=False)
    assert (metrics["n_pixels"], metrics["n_targets"]) == (5 * 15, 1)
    metrics = evaluate(_Oracle(), IRSTDDataset(root, size=None), trim=17, progress=False)
    assert (metrics["n_pixels"], metrics["n_targets"]) == (3 * 13, 0)


@pytest.mark.parametrize(
    ("data", "trim", "message"),
    [
        ("resized", 4, r"trim applies at native size \(a dataset with size=None\)"),
        ("synthetic", 4, "trim applies at native size"),
        ("native", 20, r"trim=20 leaves nothing of the 20x30 image 0"),
        ("native", 25, r"trim=25 leaves nothing of the 20x30 image 0"),
        ("native", -1, "trim must be a non-negative integer, got -1"),
        ("native", 2.0, "trim must be a non-negative integer"),
        ("native", True, "trim must be a non-negative integer"),
    ],
)
def test_bad_trim(tmp_path: Path, data: str, trim: object, message: str) -> None:
    root = _target_images(tmp_path / "d", [(20, 30)])
    dataset = {
        "resized": lambda: IRSTDDataset(root, size=32),
        "synthetic": lambda: SyntheticDataset(1, size=32),
        "native": lambda: IRSTDDataset(root, size=None),
    }[data]()
    with pytest.raises(ValueError, match=message):
        evaluate(_Oracle(), dataset, trim=trim, progress=False)  # type: ignore[arg-type]


class _InputSpy(nn.Module):
    """Records its inputs and predicts nothing; ``config`` is all it shares with GGL-Net."""

    def __init__(self, pad_mode: str | None) -> None:
        super().__init__()
        self.config = SimpleNamespace(size_divisor=16)
        if pad_mode is not None:
            self.config.pad_mode = pad_mode
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.clone())
        return torch.zeros_like(x[:, :1]) - 10


def _noise_images(root: Path, size: tuple[int, int]) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    image = np.random.default_rng(0).integers(1, 256, size, np.uint8)
    mask = np.zeros(size, np.uint8)
    mask[2:4, 2:4] = 255
    cv2.imwrite(str(root / "images" / "a.png"), image)
    cv2.imwrite(str(root / "masks" / "a.png"), mask)
    return root


@pytest.mark.parametrize(
    ("model_mode", "given", "used"),
    [
        ("reflect", None, "reflect"),
        ("replicate", None, "replicate"),
        ("zeros", None, "zeros"),
        (None, None, "zeros"),  # a model without config.pad_mode
        ("reflect", "zeros", "zeros"),
        ("zeros", "reflect", "reflect"),
        (None, "replicate", "replicate"),
    ],
)
def test_pad_mode_reaches_the_model(
    tmp_path: Path, model_mode: str | None, given: str | None, used: str
) -> None:
    dataset = IRSTDDataset(_noise_images(tmp_path / "d", (20, 20)), size=None)
    model = _InputSpy(model_mode)
    metrics = evaluate(model, dataset, pad_mode=given, device="cpu", progress=False)
    assert metrics["n_pixels"] == 400 and metrics["pd"] == 0.0
    assert (metrics["pad_mode"], metrics["trim"]) == (used, 0)
    (seen,) = model.inputs
    image = dataset[0]["image"][None]
    assert seen.shape == (1, 3, 32, 32)
    assert torch.equal(seen, pad_bottom_right(image, 32, 32, used))
    if used == "reflect":  # mirrored about the last row and column, which are not repeated
        assert torch.equal(seen[..., 20:, :20], image[..., 7:19, :].flip(-2))
        assert torch.equal(seen[..., :20, 20:], image[..., :, 7:19].flip(-1))


@pytest.mark.parametrize("mode", PAD_MODES)
def test_trimmed_images_are_padded_back_with_the_pad_mode(tmp_path: Path, mode: str) -> None:
    dataset = IRSTDDataset(_noise_images(tmp_path / "d", (32, 32)), size=None)
    model = _InputSpy(mode)
    evaluate(model, dataset, trim=8, device="cpu", progress=False)
    trimmed = dataset[0]["image"][None, ..., :24, :24]
    assert torch.equal(model.inputs[0], pad_bottom_right(trimmed, 32, 32, mode))


def test_pad_mode_of_resized_images_is_refused(tmp_path: Path) -> None:
    dataset = IRSTDDataset(_noise_images(tmp_path / "d", (20, 20)), size=32)
    model = _InputSpy("reflect")
    with pytest.raises(ValueError, match=r"pad_mode='zeros' applies at native size"):
        evaluate(model, dataset, pad_mode="zeros", device="cpu", progress=False)
    with pytest.raises(ValueError, match="pad_mode must be one of"):  # the value first
        evaluate(model, dataset, pad_mode="mirror", device="cpu", progress=False)  # type: ignore[arg-type]
    assert model.inputs == []
    metrics = evaluate(model, dataset, device="cpu", progress=False)  # nothing to pad
    assert "pad_mode" not in metrics and "trim" not in metrics


def test_bad_pad_mode_is_refused_before_running(tmp_path: Path) -> None:
    dataset = IRSTDDataset(_noise_images(tmp_path / "d", (20, 20)), size=None)
    model = _InputSpy("reflect")
    with pytest.raises(ValueError, match="pad_mode must be one of"):
        evaluate(model, dataset, pad_mode="mirror", device="cpu", progress=False)  # type: ignore[arg-type]
    model.config.pad_mode = "bogus"
    with pytest.raises(ValueError, match="pad_mode must be one of"):
        evaluate(model, dataset, device="cpu", progress=False)
    assert model.inputs == []


def test_roc_aucs_added(tmp_path: Path) -> None:
    root = _target_images(tmp_path / "d", [(32, 32)] * 2)
    metrics = evaluate(
        _Oracle(shift=8), IRSTDDataset(root, "test", size=32), roc_thresholds=11, progress=False
    )
    assert metrics["pd"] == 0.0 and metrics["fa"] > 0
    assert {"auc_pd_fa", "auc_pd_tau", "auc_fa_tau"} <= set(metrics)
    assert metrics["auc_pd_tau"] == pytest.approx(0.0) and metrics["auc_fa_tau"] > 0


def test_resizing_that_loses_targets_warns(tmp_path: Path) -> None:
    (tmp_path / "d" / "images").mkdir(parents=True)
    (tmp_path / "d" / "masks").mkdir()
    mask = np.zeros((64, 64), np.uint8)
    mask[1, 1] = mask[2, 40] = 255  # two 1-pixel targets the 16x16 masks miss
    mask[30:46, 30:46] = 255
    cv2.imwrite(str(tmp_path / "d" / "images" / "a.png"), mask)
    cv2.imwrite(str(tmp_path / "d" / "masks" / "a.png"), mask)
    with pytest.warns(
        UserWarning, match=r"to 16x16 loses targets: 3 targets as stored, 1 after resizing"
    ):
        metrics = evaluate(_Oracle(), IRSTDDataset(tmp_path / "d", size=16), progress=False)
    assert metrics["n_targets"] == 1


@pytest.mark.parametrize("roc_thresholds", [1, 0, -5, [0.5]])
def test_roc_needs_two_thresholds_before_running(tmp_path: Path, roc_thresholds: object) -> None:
    root = _target_images(tmp_path / "d", [(32, 32)])
    model = _Oracle()
    with pytest.raises(ValueError, match="at least 2"):
        evaluate(model, IRSTDDataset(root, "test", size=32), roc_thresholds=roc_thresholds)
    assert model.sizes == []  # refused before the model ran


def test_errors(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "x.png"), np.zeros((16, 16), np.uint8))
    with pytest.raises(ValueError, match="needs masks"):
        evaluate(_Oracle(), IRSTDDataset(tmp_path, size=16), progress=False)
    with pytest.raises(ValueError, match="empty dataset"):
        evaluate(_Oracle(), [], progress=False)


def test_format_metrics_like_the_paper() -> None:
    text = format_metrics(
        {"iou": 0.8142, "niou": 0.7858, "pd": math.nan, "fa": 4.44e-6, "n_images": 96}, "title"
    )
    lines = text.splitlines()
    assert lines[0] == "title" and lines[1].split() == ["IoU", "nIoU", "Pd", "Fa(x1e-6)", "images"]
    assert lines[2].split() == ["0.8142", "0.7858", "nan", "4.44", "96"]
    roc = format_metrics(
        {
            "iou": 1,
            "niou": 1,
            "pd": 1,
            "fa": 0,
            "n_images": 1,
            "auc_pd_fa": 0.5,
            "auc_pd_tau": 0.25,
            "auc_fa_tau": 1e-3,
        }
    )
    assert roc.splitlines()[-1].startswith("3D-ROC AUC: (Pd, Fa) 0.500000")


class _DtypeSpy(nn.Module):
    """Records the dtype its convolution computes in."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1)
        self.dtypes: list[torch.dtype] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        self.dtypes.append(out.dtype)
        return out


@pytest.mark.parametrize(
    ("precision", "dtype"), [("fp32", torch.float32), ("bf16", torch.bfloat16)]
)
def test_precision_runs_the_model_in_its_dtype(precision: str, dtype: torch.dtype) -> None:
    model = _DtypeSpy()
    metrics = evaluate(model, SyntheticDataset(2, size=32), precision=precision, progress=False)
    assert set(model.dtypes) == {dtype} and 0 <= metrics["iou"] <= 1


@pytest.mark.parametrize(
    ("precision", "message"),
    [("half", r"precision must be one of \['auto'"), ("fp16", "'fp16' needs a CUDA device")],
)
def test_bad_precision(precision: str, message: str) -> None:
    if precision == "fp16" and torch.cuda.is_available():
        pytest.skip("fp16 is valid where CUDA is present")
    with pytest.raises(ValueError, match=message):
        evaluate(_DtypeSpy(), SyntheticDataset(1, size=32), precision=precision, device="cpu")
