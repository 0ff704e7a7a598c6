"""Predictor: input forms, padding and cropping, batching, tiling, detections, precision,
shape buckets and streams."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import requires_cuda
from torch import nn

import gglnet
import gglnet.precision as precision_module
from gglnet.data.image import image_to_tensor
from gglnet.inference import DEFAULT_SIZE_BUCKETS, Latency, Predictor, pad_to_multiple
from gglnet.inference.tiling import split_tiles
from gglnet.padding import PAD_MODES


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


class _Recorder(_Brightness):
    """:class:`_Brightness` whose config names a pad mode; records every batch it sees."""

    def __init__(self, pad_mode: str) -> None:
        super().__init__()
        self.config.pad_mode = pad_mode
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.clone())
        return super().forward(x)


NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge"}


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
    probs = Predictor(model, device="cpu", precision="fp32")(frame)
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


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_precision_auto_is_the_default_and_follows_the_hardware(
    native: bool, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(precision_module, "has_native_bf16", lambda device: native)
    pred = Predictor(_Brightness(), device="cpu")
    assert pred.precision == pred.model.precision == expected
    assert f"precision='{expected}' (auto)" in repr(pred)


def test_size_buckets_pad_up_and_crop_back() -> None:
    pred = Predictor(_Brightness(), device="cpu", size_buckets=(32, 64))
    frames = [_frame(20, 33, [(2, 3, 4, 5)]), _frame(30, 60, []), _frame(70, 20, [])]
    probs = pred(frames)
    assert [p.shape for p in probs] == [(20, 33), (30, 60), (70, 20)]
    assert int((probs[0] > 0.5).sum()) == 4
    # 20x33 -> 32x64 and 30x60 -> 32x64 share a shape; 70 is above every bucket: 80 (x16)
    assert sorted(_seen_shapes(pred)) == [(1, 3, 80, 32), (2, 3, 32, 64)]


def test_pad_mode_defaults_to_the_models() -> None:
    assert Predictor(_Brightness(), device="cpu").pad_mode == "zeros"  # a config without one
    pred = Predictor(_Recorder("reflect"), device="cpu")
    assert pred.pad_mode == "reflect" and "pad_mode='reflect'" in repr(pred)
    model = gglnet.create_model("gglnet", widths=(8, 16), pad_mode="replicate").eval()
    assert Predictor(model, device="cpu").pad_mode == "replicate"


@pytest.mark.parametrize("model_mode", PAD_MODES)
@pytest.mark.parametrize("given", PAD_MODES)
def test_pad_mode_given_wins(model_mode: str, given: str) -> None:
    pred = Predictor(_Recorder(model_mode), device="cpu", pad_mode=given)
    assert pred.pad_mode == given and f"pad_mode={given!r}" in repr(pred)


@pytest.mark.parametrize("pad_mode", ["mirror", "constant", "Zeros", 0])
def test_a_bad_pad_mode_is_rejected(pad_mode: object) -> None:
    with pytest.raises(ValueError, match=r"pad_mode must be one of \('zeros', 'reflect'"):
        Predictor(_Recorder("reflect"), device="cpu", pad_mode=pad_mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", [None, *PAD_MODES])
@pytest.mark.parametrize(
    ("size", "buckets", "padded"),
    [
        ((20, 20), None, (32, 32)),  # the multiple of 16
        ((20, 20), (32,), (32, 32)),
        ((16, 16), (32,), (32, 32)),  # nothing to the multiple; all of it to the bucket
        ((16, 48), (32, 64), (32, 64)),
        ((5, 7), None, (16, 16)),  # a reflection longer than the side, repeated
    ],
)
def test_the_model_sees_the_frame_padded_with_the_pad_mode(
    given: str | None,
    size: tuple[int, int],
    buckets: tuple[int, ...] | None,
    padded: tuple[int, int],
) -> None:
    model = _Recorder("reflect")
    pred = Predictor(
        model, device="cpu", precision="fp32", compile=False, size_buckets=buckets, pad_mode=given
    )
    frame = np.random.default_rng(0).integers(0, 256, size, np.uint8)
    probs = pred(frame)
    assert probs.shape == size
    (seen,) = pred.model.model.inputs
    pad = [(0, padded[0] - size[0]), (0, padded[1] - size[1])]
    expected = image_to_tensor(np.pad(frame, pad, NUMPY_MODES[given or "reflect"]))[None]
    assert torch.equal(seen, expected)


@pytest.mark.parametrize("mode", PAD_MODES)
def test_a_tiled_frame_is_padded_once_with_the_pad_mode_then_cut(mode: str) -> None:
    pred = Predictor(_Recorder(mode), device="cpu", precision="fp32", tile=32, tile_overlap=8)
    frame = np.random.default_rng(1).integers(0, 256, (40, 70), np.uint8)
    assert pred(frame).shape == (40, 70)
    padded = image_to_tensor(np.pad(frame, [(0, 8), (0, 10)], NUMPY_MODES[mode]))  # 48x80
    windows = torch.cat(pred.model.model.inputs)
    _, tiles = split_tiles(padded, 32, 8)
    assert len(tiles) == len(windows) > 1
    for window, t in zip(windows, tiles, strict=True):
        assert torch.equal(window, padded[:, t.y0 : t.y0 + t.height, t.x0 : t.x0 + t.width])


@pytest.mark.parametrize(
    "mode",
    [
        "zeros",
        "replicate",
        "reflect",
    ],
)
def test_a_frame_padded_to_the_multiple_and_then_the_bucket_is_padded_once(mode: str) -> None:
    pred = Predictor(_Recorder(mode), device="cpu", precision="fp32", size_buckets=(32, 64))
    frame = np.random.default_rng(0).integers(0, 256, (16, 40), np.uint8)
    pred(frame)
    (seen,) = pred.model.model.inputs
    expected = image_to_tensor(np.pad(frame, [(0, 16), (0, 24)], NUMPY_MODES[mode]))[None]
    assert torch.equal(seen, expected)


def test_size_buckets_default_only_when_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Predictor(_Brightness(), device="cpu", compile=False).size_buckets is None
    monkeypatch.setattr(torch, "compile", lambda fn, **_: fn)
    assert Predictor(_Brightness(), device="cpu", compile=True).size_buckets == (
        DEFAULT_SIZE_BUCKETS
    )


def test_stream_yields_one_map_per_frame_and_times_the_first_apart() -> None:
    pred = Predictor(_Brightness(), device="cpu")
    frames = (_frame(40, 50, [(i, i, i + 2, i + 2)]) for i in range(4))
    maps = list(pred.stream(frames))
    assert [int((m > 0.5).sum()) for m in maps] == [4, 4, 4, 4]
    assert pred.latency.calls == 4
    assert pred.latency.first_s is not None and pred.latency.mean_s is not None
    assert "first call" in str(pred.latency) and "mean of 3" in str(pred.latency)
    with pytest.raises(ValueError, match="one image per item"):
        list(pred.stream([np.zeros((2, 16, 16, 3), np.uint8)]))


def test_latency_bookkeeping() -> None:
    latency = Latency()
    assert str(latency) == "no calls yet" and latency.mean_s is None
    for seconds in (10.0, 1.0, 3.0):
        latency.add(seconds)
    assert (latency.first_s, latency.calls, latency.mean_s) == (10.0, 3, 2.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size_buckets": (24,)}, "multiples of 16"),
        ({"size_buckets": ()}, "size_buckets"),
        ({"backend": "tensorrt"}, "backend must be one of"),
        ({"backend": "onnxruntime", "precision": "bf16"}, "runs float32 on the CPU"),
    ],
)
def test_bad_bucket_and_backend_options(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Predictor(_Brightness(), device="cpu", **kwargs)


def test_an_onnx_file_needs_the_onnxruntime_backend() -> None:
    with pytest.raises(ValueError, match="backend='onnxruntime'"):
        Predictor("model.onnx", device="cpu")


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp32", "bf16", "auto"])
def test_cuda_predictor_returns_cpu_numpy(precision: str) -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16)).eval()
    frame = (np.random.default_rng(0).random((50, 70)) * 255).astype(np.uint8)
    probs = Predictor(model, device="cuda", precision=precision, compile=False)(frame)
    expected = Predictor(model, device="cpu", precision="fp32")(frame)
    assert isinstance(probs, np.ndarray)
    np.testing.assert_allclose(probs, expected, rtol=0, atol=2e-2)


_STREAM_SCRIPT = """
import json, sys, numpy as np, torch, gglnet
from torch._dynamo.utils import counters
torch.manual_seed(0)
model = gglnet.create_model("gglnet", widths=(4, 8)).eval()
freezing = sys.argv[1] == "1"
pred = gglnet.Predictor(model, device="cpu", precision="fp32", compile=True, freezing=freezing)
rng = np.random.default_rng(0)
sizes = [(40, 50), (40, 50), (20, 30), (100, 120), (40, 50)]
maps = list(pred.stream(rng.integers(0, 255, size, dtype=np.uint8) for size in sizes))
print(json.dumps({
    "shapes": [list(s) for s in pred.model.first_call_s],
    "hits": counters["inductor"]["fxgraph_cache_hit"],
    "misses": counters["inductor"]["fxgraph_cache_miss"],
    "calls": pred.latency.calls,
    "sizes": [list(m.shape) for m in maps],
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("freezing", [False, True])
def test_a_stream_compiles_one_bucket_once_and_a_second_process_reuses_the_cache(
    freezing: bool, tmp_path: Path
) -> None:
    import json
    import os
    import subprocess
    import sys

    cache = tmp_path / "inductor"
    env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": str(cache)}
    runs, kernels = [], []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _STREAM_SCRIPT, str(int(freezing))],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        kernels.append(sorted(p.name for p in cache.rglob("*.so")))
    first, second = runs
    # Five frames of three sizes, all within the 256 bucket: one graph.
    assert first["shapes"] == [[1, 3, 256, 256]] and first["calls"] == 5
    assert first["sizes"] == [[40, 50], [40, 50], [20, 30], [100, 120], [40, 50]]
    assert second["shapes"] == first["shapes"]
    # The second process compiles no kernel: it loads them all from the cache.
    assert kernels[0] and kernels[1] == kernels[0]
    if not freezing:  # frozen graphs bypass the FX-graph cache (their weights are constants)
        assert first["misses"] >= 1
        assert second["hits"] >= 1 and second["misses"] == 0
