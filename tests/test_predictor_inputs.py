"""Predictor on ambiguous and large inputs (hardening rows 2, 5, 11): explicit layouts,
tile_overlap without tile, and a bounded number of pixels per forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import gglnet
from gglnet.inference.predictor import AUTO_TILE_ABOVE, MAX_BATCH_PIXELS, Predictor

_SHAPES: list[tuple[int, ...]] = []  # module level: Predictor runs a folded copy of the spy


class _Spy(nn.Module):
    """A GGLNet that records the shape of every batch it runs in ``_SHAPES``."""

    def __init__(self) -> None:
        super().__init__()
        self.net = gglnet.create_model("gglnet", widths=(4, 8)).eval()
        self.config = self.net.config
        _SHAPES.clear()

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        return _SHAPES

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _SHAPES.append(tuple(x.shape))
        return self.net(x)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor(gglnet.create_model("gglnet", widths=(4, 8)), device="cpu")


@pytest.mark.parametrize(
    ("shape", "layout", "expected"),
    [
        ((3, 20, 24), "CHW", (20, 24)),
        ((3, 20, 24), "NHW", (3, 20, 24)),
        ((1, 20, 24), "CHW", (20, 24)),
        ((20, 24, 3), None, (20, 24)),
        ((5, 20, 24), None, (5, 20, 24)),
        ((2, 3, 20, 24), None, (2, 20, 24)),
        ((2, 3, 20, 24), "NCHW", (2, 20, 24)),
        ((2, 20, 24, 3), None, (2, 20, 24)),
    ],
)
def test_layouts(predictor: Predictor, shape, layout, expected) -> None:
    frames = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    assert predictor(frames, layout=layout).shape == expected


def test_channels_first_equals_channels_last(predictor: Predictor) -> None:
    image = np.random.default_rng(1).integers(0, 255, (20, 24, 3), dtype=np.uint8)
    chw = np.ascontiguousarray(image.transpose(2, 0, 1))
    np.testing.assert_array_equal(predictor(chw, layout="CHW"), predictor(image))


@pytest.mark.parametrize("shape", [(3, 20, 24), (1, 20, 24), (3, 20, 3)])
def test_an_ambiguous_array_needs_a_layout(predictor: Predictor, shape) -> None:
    with pytest.raises(ValueError, match=r"ambiguous frame layout.*layout='CHW'"):
        predictor(np.zeros(shape, np.uint8))


@pytest.mark.parametrize(
    ("shape", "layout", "match"),
    [
        ((20, 24), "CHW", "needs a 3-D array"),
        ((5, 20, 24), "CHW", "5 channels on axis 0"),
        ((20, 24), "XY", "layout must be one of"),
    ],
)
def test_bad_layouts(predictor: Predictor, shape, layout, match) -> None:
    with pytest.raises(ValueError, match=match):
        predictor(np.zeros(shape, np.uint8), layout=layout)


def test_tile_overlap_without_tile_is_refused() -> None:
    with pytest.raises(ValueError, match="tile_overlap=8 needs tile"):
        Predictor(gglnet.create_model("gglnet", widths=(4, 8)), tile=None, tile_overlap=8)


def test_nan_frames_are_refused(predictor: Predictor) -> None:
    frame = np.zeros((16, 16), np.float32)
    frame[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        predictor(frame)


def test_auto_tiling_bounds_the_pixels_of_every_forward_pass() -> None:
    spy = _Spy()
    predictor = Predictor(spy, device="cpu", max_batch_pixels=64 * 64)
    # the auto window and threshold, scaled down
    predictor.tile, predictor.tile_overlap, predictor.tile_above = 64, 8, 100 * 100
    frame = np.random.default_rng(2).integers(0, 255, (150, 230), dtype=np.uint8)
    prob = predictor(frame)
    assert prob.shape == (150, 230)
    assert len(spy.shapes) > 1
    assert all(b * h * w <= 64 * 64 for b, _, h, w in spy.shapes), spy.shapes


def test_small_frames_run_whole_and_batch_within_the_budget() -> None:
    spy = _Spy()
    predictor = Predictor(spy, device="cpu", batch_size=8, max_batch_pixels=3 * 32 * 32)
    predictor([np.zeros((32, 32), np.uint8)] * 7)
    assert [s[0] for s in spy.shapes] == [3, 3, 1]
    assert all(s[-2:] == (32, 32) for s in spy.shapes)


def test_defaults_run_full_hd_whole() -> None:
    assert AUTO_TILE_ABOVE >= 1920 * 1088 > MAX_BATCH_PIXELS
    predictor = Predictor(gglnet.create_model("gglnet", widths=(4, 8)), device="cpu")
    assert predictor.auto_tile and predictor.tile == 1024
