"""Overlapping tiles: positions, cutting, and blending that keeps agreeing values exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from gglnet.inference import Tile, blend_tiles, split_tiles, tile_starts


@pytest.mark.parametrize(
    ("length", "tile", "overlap", "expected"),
    [
        (100, 128, 16, [0]),
        (128, 128, 16, [0]),
        (129, 128, 16, [0, 1]),
        (1000, 512, 64, [0, 448, 488]),
        (96, 32, 0, [0, 32, 64]),
        (100, 32, 8, [0, 24, 48, 68]),
    ],
)
def test_tile_starts(length: int, tile: int, overlap: int, expected: list[int]) -> None:
    starts = tile_starts(length, tile, overlap)
    assert starts == expected
    assert starts[-1] + min(tile, length) == length
    assert all(b - a <= tile - overlap for a, b in itertools.pairwise(starts))


@pytest.mark.parametrize("overlap", [-1, 32, 40])
def test_bad_overlap_is_rejected(overlap: int) -> None:
    with pytest.raises(ValueError, match="overlap"):
        tile_starts(100, 32, overlap)


def test_split_tiles_cuts_windows_that_cover_the_frame() -> None:
    image = torch.rand(3, 70, 100)
    windows, tiles = split_tiles(image, 32, 8)
    assert windows.shape == (len(tiles), 3, 32, 32)
    covered = torch.zeros(70, 100, dtype=torch.bool)
    for window, t in zip(windows, tiles, strict=True):
        assert torch.equal(window, image[:, t.y0 : t.y0 + 32, t.x0 : t.x0 + 32])
        covered[t.y0 : t.y0 + t.height, t.x0 : t.x0 + t.width] = True
    assert covered.all()


def test_a_side_shorter_than_the_tile_is_taken_whole() -> None:
    windows, tiles = split_tiles(torch.rand(3, 16, 100), 32, 8)
    assert windows.shape[-2:] == (16, 32)
    assert {t.y0 for t in tiles} == {0}


def test_blending_windows_of_one_map_gives_the_map_back() -> None:
    frame = np.random.default_rng(0).random((70, 100)).astype(np.float32)
    _, tiles = split_tiles(torch.zeros(1, 70, 100), 32, 8)
    maps = np.stack([frame[t.y0 : t.y0 + t.height, t.x0 : t.x0 + t.width] for t in tiles])
    np.testing.assert_allclose(blend_tiles(maps, tiles, (70, 100), 8), frame, atol=1e-6)


def test_blending_ramps_across_the_overlap() -> None:
    tiles = [Tile(0, 0, 1, 8), Tile(0, 4, 1, 8)]
    maps = np.stack([np.zeros((1, 8)), np.ones((1, 8))])
    row = blend_tiles(maps, tiles, (1, 12), 4)[0]
    np.testing.assert_array_equal(row[:4], 0)
    np.testing.assert_array_equal(row[8:], 1)
    assert np.all(np.diff(row[4:8]) > 0)
    np.testing.assert_allclose(row[4:8], [0.125, 0.375, 0.625, 0.875])
