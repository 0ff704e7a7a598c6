"""Property-based fuzzing: any input gives a result or a documented error, never another one.

Covers image decoding and mask reading (gglnet.data.image), the metrics' inputs
(gglnet.metrics), padding and tiling (gglnet.padding, gglnet.inference.tiling) and
the weight-file reader (gglnet.models.load_state_dict_file). Each property runs a fixed number
of derandomized examples (``FUZZ``), so CI is bounded and repeatable; docs/data.md lists them.
"""

from __future__ import annotations

import io
import itertools
import math
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from safetensors.torch import save as save_safetensors

from gglnet.data import read_image, read_mask
from gglnet.inference.tiling import blend_tiles, split_tiles, tile_starts
from gglnet.metrics import IRSTDMetrics, iou, niou, pd_fa, roc
from gglnet.models import load_state_dict_file
from gglnet.padding import pad_to_multiple, padded_size

EXAMPLES = 300
"""Inputs tried per property (docs/data.md, "Robustness")."""

METRIC_EXAMPLES = 2 * EXAMPLES
"""The metrics' inputs vary in more ways (shape, dtype, values, torch or numpy): twice as many."""

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,  # the same inputs on every run: no replay of examples saved by earlier runs
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example (function-scoped tmp_path does not reset per example)."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module", autouse=True)
def _quiet_opencv() -> Iterator[None]:
    """OpenCV logs every failed decode to stderr; the errors themselves are what is tested."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    yield
    cv2.utils.logging.setLogLevel(level)


# Image decoding -------------------------------------------------------------------------

_SIGNATURES = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"BM",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"P5\n",
    b"GIF89a",
]
_VALID_PNG = cv2.imencode(".png", np.arange(12, dtype=np.uint8).reshape(3, 4))[1].tobytes()


def _truncated_or_flipped(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    corrupt = bytearray(data[: cut % (len(data) + 1)])
    for position, value in flips:
        if corrupt:
            corrupt[position % len(corrupt)] = value
    return bytes(corrupt)


_image_bytes = st.one_of(
    st.builds(
        lambda head, tail: head + tail, st.sampled_from(_SIGNATURES), st.binary(max_size=200)
    ),
    st.builds(
        _truncated_or_flipped,
        st.just(_VALID_PNG),
        st.integers(0, 10_000),
        st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),
    ),
)


@FUZZ
@given(data=_image_bytes, suffix=st.sampled_from([".png", ".bmp", ".jpg", ".tif", ".pgm"]))
def test_read_image_on_arbitrary_bytes(scratch: Path, data: bytes, suffix: str) -> None:
    path = scratch / f"image{suffix}"
    path.write_bytes(data)
    try:
        image = read_image(path)
    except ValueError as error:
        assert str(path) in str(error)
        return
    assert image.dtype in (np.uint8, np.uint16)
    assert image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)


@FUZZ
@given(
    stored=st.builds(
        lambda dtype, shape: (dtype, shape),
        st.sampled_from([np.uint8, np.uint16]),
        st.tuples(st.integers(1, 24), st.integers(1, 24), st.sampled_from([1, 3, 4])),
    ).flatmap(lambda spec: hnp.arrays(spec[0], spec[1][:2] if spec[1][2] == 1 else spec[1]))
)
def test_read_image_round_trips_valid_pngs(scratch: Path, stored: np.ndarray) -> None:
    path = scratch / "valid.png"
    assert cv2.imwrite(str(path), stored)
    image = read_image(path)
    expected = stored if stored.ndim == 2 else stored[..., 2::-1]  # BGR(A) to RGB
    assert image.dtype == stored.dtype
    np.testing.assert_array_equal(image, expected)


@FUZZ
@given(
    stored=st.builds(
        lambda dtype, shape, values: (dtype, shape, values),
        st.sampled_from([np.uint8, np.uint16]),
        st.tuples(st.integers(1, 16), st.integers(1, 16), st.sampled_from([1, 3])),
        st.lists(st.integers(0, 255), min_size=1, max_size=3),
    ).flatmap(
        lambda spec: hnp.arrays(
            spec[0],
            spec[1][:2] if spec[1][2] == 1 else spec[1],
            elements=st.sampled_from([0, *spec[2]]),
        )
    )
)
def test_read_mask_is_non_zero_and_warns_only_when_not_binary(
    scratch: Path, stored: np.ndarray
) -> None:
    path = scratch / "mask.png"
    assert cv2.imwrite(str(path), stored)
    values = stored if stored.ndim == 2 else stored.max(axis=2)
    binary = np.unique(values[values != 0]).size <= 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mask = read_mask(path)
    assert mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, (values != 0).astype(np.uint8))
    assert len(caught) == (0 if binary else 1)


# Metrics inputs --------------------------------------------------------------------------

_METRIC_SHAPES = st.sampled_from(["hw", "bhw", "b1hw", "hw", "bhw", "b1hw", "b2hw", "hwc"])


def _shape(form: str, batch: int, height: int, width: int) -> tuple[int, ...]:
    return {
        "hw": (height, width),
        "bhw": (batch, height, width),
        "b1hw": (batch, 1, height, width),
        "b2hw": (batch, 2, height, width),
        "hwc": (height, width, 3),
    }[form]


@st.composite
def _metric_inputs(draw: st.DrawFn) -> tuple[object, object, bool]:
    form = draw(_METRIC_SHAPES)
    sides = st.sampled_from(range(10))  # 0 one time in ten: an empty batch
    batch, height, width = draw(st.sampled_from(range(4))), draw(sides), draw(sides)
    shape = _shape(form, batch, height, width)
    # Mostly matching shapes, so most examples reach the metrics themselves.
    matching = draw(st.sampled_from([True, True, True, False]))
    other = shape if matching else _shape(form, batch, width, height + 1)
    floats = [np.float32, np.float64, np.float16]
    pred_dtype = draw(st.sampled_from([*floats, *floats, np.float32, np.uint8, np.bool_]))
    pred_values = draw(
        st.sampled_from(
            [
                st.floats(0, 1, width=16),
                st.floats(0, 1, width=16),
                st.floats(-20, 20, width=16),
                st.floats(allow_nan=True, allow_infinity=True, width=16),
            ]
        )
    )
    if pred_dtype in (np.uint8, np.bool_):
        pred_values = st.integers(0, 1)
    pred = draw(hnp.arrays(pred_dtype, shape, elements=pred_values))
    target_dtype = draw(st.sampled_from([np.bool_, np.uint8, np.int64, np.float32]))
    target_values = draw(st.sampled_from([[0, 1], [0, 255], [0, 1, 2, 255]]))
    if target_dtype is np.bool_:
        target_values = [0, 1]
    target = draw(hnp.arrays(target_dtype, other, elements=st.sampled_from(target_values)))
    if draw(st.booleans()):
        pred, target = torch.from_numpy(pred), torch.from_numpy(target)
    return pred, target, draw(st.booleans())


def _in_unit_interval(value: float) -> bool:
    return 0.0 <= value <= 1.0


@settings(FUZZ, max_examples=METRIC_EXAMPLES)
@given(inputs=_metric_inputs(), function=st.sampled_from(["update", "iou", "niou", "pd_fa", "roc"]))
def test_metrics_give_a_result_or_a_value_or_type_error(
    inputs: tuple[object, object, bool], function: str
) -> None:
    pred, target, from_logits = inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # probabilities passed as logits
        try:
            if function == "update":
                metrics = IRSTDMetrics(from_logits=from_logits)
                metrics.update(pred, target)  # type: ignore[arg-type]
                result = metrics.compute()
                values = [result["iou"], result["niou"], result["fa"]]
                pd = result["pd"]
            elif function == "roc":
                curve = roc(pred, target, [0.0, 0.5, 1.0], from_logits=from_logits)  # type: ignore[arg-type]
                values = [*curve.fa.tolist(), curve.auc_fa_tau]
                pd = curve.auc_pd_tau
            elif function == "pd_fa":
                pd, fa = pd_fa(pred, target, from_logits=from_logits)  # type: ignore[arg-type]
                values = [fa]
            else:
                function_ = iou if function == "iou" else niou
                values = [function_(pred, target, from_logits=from_logits)]  # type: ignore[arg-type]
                pd = 0.0
        except (ValueError, TypeError):
            return
    assert all(_in_unit_interval(v) for v in values), values
    assert math.isnan(pd) or _in_unit_interval(pd)


# Padding and tiling ----------------------------------------------------------------------


@FUZZ
@given(
    height=st.integers(1, 80),
    width=st.integers(1, 80),
    multiple=st.integers(1, 40),
    leading=st.sampled_from([(), (3,), (2, 3)]),
)
def test_padding_reaches_the_next_multiple_and_keeps_the_pixels(
    height: int, width: int, multiple: int, leading: tuple[int, ...]
) -> None:
    image = torch.rand(*leading, height, width)
    padded = pad_to_multiple(image, multiple)
    target_h, target_w = padded_size(height, width, multiple)
    assert padded.shape == (*leading, target_h, target_w)
    assert target_h % multiple == 0 and height <= target_h < height + multiple
    assert target_w % multiple == 0 and width <= target_w < width + multiple
    assert torch.equal(padded[..., :height, :width], image)
    assert padded.sum() == image.sum() or torch.allclose(padded.sum(), image.sum())
    assert not padded[..., height:, :].any() and not padded[..., :, width:].any()


@FUZZ
@given(length=st.integers(1, 2000), tile=st.integers(1, 600), overlap=st.integers(0, 599))
def test_tile_starts_cover_the_frame_with_the_overlap(length: int, tile: int, overlap: int) -> None:
    if overlap >= tile:
        with pytest.raises(ValueError, match="overlap < tile"):
            tile_starts(length, tile, overlap)
        return
    starts = tile_starts(length, tile, overlap)
    size = min(tile, length)
    assert starts[0] == 0 and starts[-1] + size == length
    assert starts == sorted(set(starts))
    for left, right in itertools.pairwise(starts):
        assert right - left <= tile - overlap  # neighbours overlap by at least `overlap`


@FUZZ
@given(
    height=st.integers(1, 70),
    width=st.integers(1, 70),
    tile=st.integers(2, 40),
    overlap_share=st.floats(0, 0.99),
)
def test_blending_the_split_tiles_gives_the_frame_back(
    height: int, width: int, tile: int, overlap_share: float
) -> None:
    overlap = int(overlap_share * tile)
    frame = torch.rand(2, height, width)
    windows, tiles = split_tiles(frame, tile, overlap)
    covered = np.zeros((height, width), np.int64)
    for t in tiles:
        assert t.height == min(tile, height) and t.width == min(tile, width)
        covered[t.y0 : t.y0 + t.height, t.x0 : t.x0 + t.width] += 1
    assert covered.min() >= 1  # the tiles cover the frame exactly, nothing outside it
    blended = blend_tiles(windows[:, 0].numpy(), tiles, (height, width), overlap)
    np.testing.assert_allclose(blended, frame[0].numpy(), rtol=0, atol=1e-6)


# Weight files ----------------------------------------------------------------------------


def _pickled_state_dict() -> bytes:
    buffer = io.BytesIO()
    torch.save({"state_dict": {"head.weight": torch.zeros(2, 3)}}, buffer)
    return buffer.getvalue()


_PTH = _pickled_state_dict()
_SAFETENSORS = save_safetensors({"head.weight": torch.zeros(2, 3)})


def _safetensors_header(header: bytes) -> bytes:
    return struct.pack("<Q", len(header)) + header


def _check_weight_file(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        state_dict = load_state_dict_file(path)
    except ValueError as error:
        assert str(path) in str(error)
        return
    assert isinstance(state_dict, dict)
    assert all(isinstance(v, torch.Tensor) for v in state_dict.values())


def _damaged(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` truncated somewhere and with up to three bytes overwritten."""
    return st.builds(
        _truncated_or_flipped,
        st.just(valid),
        st.integers(0, 10_000),
        st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),
    )


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        _damaged(_SAFETENSORS),
        st.builds(_safetensors_header, st.binary(max_size=80)),
    )
)
def test_safetensors_reader_gives_a_dict_or_a_value_error(scratch: Path, data: bytes) -> None:
    _check_weight_file(scratch / "x.safetensors", data)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        _damaged(_PTH),
    ),
    suffix=st.sampled_from([".pth", ".pth.tar", ".pt"]),
)
@example(data=b"\x81", suffix=".pth")  # IndexError: pop from empty list
@example(data=b"J*", suffix=".pth")  # struct.error: unpack requires a buffer of 4 bytes
@example(data=b"h\xf1", suffix=".pth")  # KeyError: 241
def test_pickle_reader_gives_a_dict_or_a_value_error(
    scratch: Path, data: bytes, suffix: str
) -> None:
    _check_weight_file(scratch / f"x{suffix}", data)


def test_weight_file_reader_reads_the_unmodified_seeds(scratch: Path) -> None:
    """The fuzzed seeds are valid files: the property above is not vacuous."""
    for name, data in (("seed.pth", _PTH), ("seed.safetensors", _SAFETENSORS)):
        (scratch / name).write_bytes(data)
        assert list(load_state_dict_file(scratch / name)) == ["head.weight"]
    with pytest.raises(FileNotFoundError):
        load_state_dict_file(scratch / "missing.pth")
