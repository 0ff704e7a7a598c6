"""Overlapping tiles for frames larger than the model should see at once, blended back."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

__all__ = ["Tile", "blend_tiles", "split_tiles", "tile_starts"]


class Tile(NamedTuple):
    """A window of a frame: rows ``y0:y0 + height``, columns ``x0:x0 + width``."""

    y0: int
    x0: int
    height: int
    width: int


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of windows of size ``tile`` covering ``0:length``, overlapping >= ``overlap``.

    Windows step by ``tile - overlap``; the last one is moved back to end at ``length`` (it then
    overlaps its neighbour by more). A length up to ``tile`` gets one window at 0.

    Args:
        length: frame size along one axis.
        tile: window size (``tile > overlap >= 0``).
        overlap: minimum overlap of neighbouring windows.

    Returns:
        Sorted start offsets; the windows are ``start:start + min(tile, length)``.

    Example:
        >>> tile_starts(1000, 512, 64)
        [0, 448, 488]
    """
    if not 0 <= overlap < tile:
        raise ValueError(f"need 0 <= overlap < tile, got overlap={overlap}, tile={tile}")
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, tile - overlap))
    return [*starts, length - tile]


def split_tiles(image: torch.Tensor, tile: int, overlap: int) -> tuple[torch.Tensor, list[Tile]]:
    """Cut a ``(C, H, W)`` frame into overlapping ``tile x tile`` windows (smaller frames: one).

    Args:
        image: ``(C, H, W)`` frame.
        tile: window size; a side of the frame shorter than ``tile`` is taken whole.
        overlap: minimum overlap between neighbouring windows, in pixels.

    Returns:
        ``(N, C, h, w)`` windows with ``h = min(tile, H)``, ``w = min(tile, W)``, and their
        :class:`Tile` positions in raster order.
    """
    height, width = image.shape[-2:]
    tile_h, tile_w = min(tile, height), min(tile, width)
    tiles = [
        Tile(y0, x0, tile_h, tile_w)
        for y0 in tile_starts(height, tile, overlap)
        for x0 in tile_starts(width, tile, overlap)
    ]
    windows = torch.stack([image[:, t.y0 : t.y0 + t.height, t.x0 : t.x0 + t.width] for t in tiles])
    return windows, tiles


def _ramp(length: int, overlap: int, rise: bool, fall: bool) -> np.ndarray:
    """1-D weights: linear rise over the first / fall over the last ``overlap`` samples."""
    weight = np.ones(length, np.float64)
    if overlap:
        edge = (np.arange(overlap) + 0.5) / overlap
        if rise:
            weight[:overlap] = np.minimum(weight[:overlap], edge)
        if fall:
            weight[-overlap:] = np.minimum(weight[-overlap:], edge[::-1])
    return weight


def blend_tiles(
    maps: np.ndarray, tiles: list[Tile], size: tuple[int, int], overlap: int
) -> np.ndarray:
    """Stitch per-tile maps into one frame, blending overlaps with linear ramps.

    Each tile's weight ramps linearly from near 0 to 1 over ``overlap`` pixels on every side
    that borders another tile (sides on the frame border keep weight 1); each pixel is the
    weighted mean of the tiles covering it, so seams fade smoothly and values that agree
    across tiles are kept exactly.

    Args:
        maps: ``(N, h, w)`` per-tile results, e.g. probabilities.
        tiles: the :class:`Tile` of each map (as from :func:`split_tiles`).
        size: ``(H, W)`` of the frame.
        overlap: the overlap the tiles were cut with.

    Returns:
        ``(H, W)`` float32 map.
    """
    height, width = size
    total = np.zeros(size, np.float64)
    weights = np.zeros(size, np.float64)
    for values, t in zip(maps, tiles, strict=True):
        ramp_y = _ramp(t.height, overlap, t.y0 > 0, t.y0 + t.height < height)
        ramp_x = _ramp(t.width, overlap, t.x0 > 0, t.x0 + t.width < width)
        weight = np.outer(ramp_y, ramp_x)
        window = (slice(t.y0, t.y0 + t.height), slice(t.x0, t.x0 + t.width))
        total[window] += weight * values
        weights[window] += weight
    return (total / weights).astype(np.float32)
