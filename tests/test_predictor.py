"""Predictor: input forms, padding and cropping, batching, tiling and detections."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import requires_cuda
from torch import nn

import gglnet
from gglnet.data.image import image_to_tensor
from gglnet.inference import Predictor, pad_to_multiple


class _Brightness(nn.Module):
    """Logits ``40 * (mean over channels - 0.5)``: a pixel is a target iff it is brighter than
    half scale. Records the shape of every batch it sees."""

    def __init__(self, size_divisor: int = 16) -> None:
        super().__init__()
        self.config = SimpleNamespace(size_divisor=size_divisor)
        self.scale = nn.Parameter(torch.tensor(40.0))
        self.shapes: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.shapes.append(tuple(x.shape))
        return (x.mean(1, keepdim=True) - 0.5) * self.scale


def _seen_shapes(predictor: Predictor) -> list[tuple[int, ...]]:
    return predictor.model.model.shapes


def _frame(height: int, width: int, targets: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A dark uint8 frame with bright rectangles ``(y0, x0, y1, x1)``."""
    frame = np.full((height, width), 30, np.uint8)
    for y0, x0, y1, x1 in targets:
        frame[y0:y1, x0:x1] = 220
    return frame


def test_single_grey_frame_is_padded_and_cropped_back() -> None:
    pred = Predictor(_Brightness(), device="cpu")
    probs = pred(_frame(50, 70, [(10, 20, 13, 24)]))
    assert probs.shape == (50, 70)
    assert probs.dtype == np.float32
    assert _seen_shapes(pred) == [(1, 3, 64, 80)]
    assert (probs > 0.5).sum() == 12


@pytest.mark.parametrize(
    "frame",
    [
        np.full((20, 33, 3), 1000, np.uint16),
        np.full((20, 33, 1), 0.2, np.float32),
        np.full((20, 33), 0.2, np.float64),
    ],
    ids=["rgb-uint16", "grey-float32-hw1", "grey-float64"],
)
def test_dtypes_and_channels(frame: np.ndarray) -> None:
    probs = Predictor(_Brightness(), device="cpu")(frame)
    assert probs.shape == (20, 33)
    assert (probs < 0.5).all()


def test_lists_keep_sizes_and_order_and_batch_same_shapes() -> None:
    pred = Predictor(_Brightness(), device="cpu", batch_size=2)
    frames = [_frame(16, 16, []), _frame(40, 30, [(0, 0, 2, 2)]), _frame(16, 16, [(5, 5, 6, 6)])]
    frames += [_frame(16, 16, []), _frame(16, 16, [])]
    probs = pred(frames)
    assert [p.shape for p in probs] == [f.shape for f in frames]
    assert [int((p > 0.5).sum()) for p in probs] == [0, 4, 1, 0, 0]
    assert sorted(_seen_shapes(pred)) == sorted([(2, 3, 16, 16), (2, 3, 16, 16), (1, 3, 48, 32)])


def test_a_stack_returns_a_stack() -> None:
    stack = np.stack([_frame(24, 40, []), _frame(24, 40, [(3, 3, 5, 5)])])
    probs = Predictor(_Brightness(), device="cpu")(stack)
    assert isinstance(probs, np.ndarray)
    assert probs.shape == (2, 24, 40)


def test_detect_reports_each_target_with_its_statistics() -> None:
    pred = Predictor(_Brightness(), device="cpu")
    (first, second) = pred.detect(_frame(50, 70, [(10, 20, 13, 24), (40, 60, 41, 61)]))
    assert first.bbox == (20, 10, 24, 13)
    assert first.area == 12
    assert first.centroid == (11.0, 21.5)
    assert first.peak_score == pytest.approx(1 / (1 + np.exp(-40 * (220 / 255 - 0.5))))
    assert second.centroid == (40.0, 60.0)
    assert pred.detect([_frame(16, 16, []), _frame(16, 16, [(0, 0, 1, 1)])]) == [
        [],
        pred.detect(_frame(16, 16, [(0, 0, 1, 1)])),
    ]


def test_threshold_is_strict() -> None:
    pred = Predictor(_Brightness(), device="cpu", threshold=0.5)
    prob = np.array([[0.5, 0.51], [0.0, 0.0]], np.float32)
    assert [t.area for t in pred.find_targets(prob)] == [1]


def test_padding_creates_no_target_at_the_border() -> None:
    frame = _frame(50, 70, [(49, 69, 50, 70)])
    targets = Predictor(_Brightness(), device="cpu").detect(frame)
    assert [(t.bbox, t.area) for t in targets] == [((69, 49, 70, 50), 1)]


def test_a_target_on_a_tile_seam_is_found_once() -> None:
    # 100 px padded to 112; tile 32, overlap 8: windows start at 0, 24, 48, 72, 80 per axis
    frame = _frame(100, 100, [(28, 26, 33, 31), (70, 50, 72, 52)])
    tiled = Predictor(_Brightness(), device="cpu", tile=32, tile_overlap=8)
    whole = Predictor(_Brightness(), device="cpu")
    targets = tiled.detect(frame)
    assert [(t.bbox, t.area) for t in targets] == [((26, 28, 31, 33), 25), ((50, 70, 52, 72), 4)]
    assert [shape[0] for shape in _seen_shapes(tiled)] == [8, 8, 8, 1]
    assert {shape[1:] for shape in _seen_shapes(tiled)} == {(3, 32, 32)}
    np.testing.assert_allclose(tiled(frame), whole(frame), rtol=0, atol=1e-6)


def test_a_frame_that_fits_one_tile_is_not_tiled() -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16)).eval()
    frame = (np.random.default_rng(0).random((40, 30)) * 255).astype(np.uint8)
    tiled = Predictor(model, device="cpu", tile=48)(frame)
    np.testing.assert_array_equal(tiled, Predictor(model, device="cpu")(frame))


def test_real_model_output_is_the_model_on_the_padded_frame_cropped() -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16, 16)).eval()
    frame = (np.random.default_rng(1).random((37, 45, 3)) * 255).astype(np.uint8)
    probs = Predictor(model, device="cpu")(frame)
    x = pad_to_multiple(image_to_tensor(frame), 4)[None]
    with torch.no_grad():
        expected = torch.sigmoid(model(x))[0, 0, :37, :45].numpy()
    assert probs.shape == (37, 45)
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"precision": "int8"}, ValueError, "precision"),
        ({"tile": 40}, ValueError, "multiple of 16"),
        ({"tile": 32, "tile_overlap": 32}, ValueError, "tile_overlap"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"threshold": 1.5}, ValueError, "threshold"),
    ],
)
def test_bad_options_are_rejected(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Predictor(_Brightness(), device="cpu", **kwargs)


def test_a_model_without_size_divisor_is_rejected() -> None:
    with pytest.raises(TypeError, match="size_divisor"):
        Predictor(nn.Conv2d(3, 1, 1), device="cpu")


@pytest.mark.parametrize(
    ("frames", "error", "message"),
    [
        ([], ValueError, "empty"),
        ([np.zeros((8, 8), np.uint8), "frame.png"], TypeError, "frame 1 is a str"),
        ("frame.png", TypeError, "numpy array or a list"),
        (np.zeros((2, 8, 8, 3, 1), np.uint8), ValueError, "stack"),
        (np.zeros((8, 8, 4), np.uint8), ValueError, r"\(8, 8, 4\)"),
        (np.full((8, 8), 2.0, np.float32), ValueError, r"\[0, 1\]"),
    ],
)
def test_bad_frames_are_rejected(frames: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Predictor(_Brightness(), device="cpu")(frames)  # type: ignore[arg-type]


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_cuda_predictor_returns_cpu_numpy(precision: str) -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16)).eval()
    frame = (np.random.default_rng(0).random((50, 70)) * 255).astype(np.uint8)
    probs = Predictor(model, device="cuda", precision=precision, compile=False)(frame)
    expected = Predictor(model, device="cpu")(frame)
    assert isinstance(probs, np.ndarray)
    np.testing.assert_allclose(probs, expected, rtol=0, atol=2e-2)
