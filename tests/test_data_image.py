"""gglnet.data.image: reading images and converting them to model input (docs/architecture.md)."""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from gglnet.data import image_to_tensor, read_image, read_mask


def _write_palette_png(path: Path) -> np.ndarray:
    """A 1-bit palette PNG is easiest to get from OpenCV; PIL is not a dependency."""
    grey = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    cv2.imwrite(str(path), grey, [cv2.IMWRITE_PNG_BILEVEL, 1])
    return grey


def test_read_grey_rgb_16bit_and_rgba(tmp_path: Path) -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    rgb = np.zeros((3, 4, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # red
    deep = (np.arange(12, dtype=np.uint16) * 5000).reshape(3, 4)
    cv2.imwrite(str(tmp_path / "g.png"), grey)
    cv2.imwrite(str(tmp_path / "c.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "d.png"), deep)
    cv2.imwrite(str(tmp_path / "a.png"), np.dstack([cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), grey]))
    np.testing.assert_array_equal(read_image(tmp_path / "g.png"), grey)
    np.testing.assert_array_equal(read_image(tmp_path / "c.png"), rgb)
    np.testing.assert_array_equal(read_image(tmp_path / "d.png"), deep)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), rgb)


def test_read_bilevel_png(tmp_path: Path) -> None:
    grey = _write_palette_png(tmp_path / "p.png")
    assert (read_image(tmp_path / "p.png").reshape(2, 2, -1)[..., 0] == grey).all()


def test_read_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(ValueError, match=r"bad\.png"):
        read_image(tmp_path / "bad.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.png"):
        read_image(tmp_path / "empty.png")


@pytest.mark.parametrize(
    ("image", "scale"),
    [
        (np.full((4, 5), 255, dtype=np.uint8), 1.0),
        (np.full((4, 5), 51, dtype=np.uint8), 0.2),
        (np.full((4, 5), 65535, dtype=np.uint16), 1.0),
        (np.full((4, 5, 1), 0.25, dtype=np.float32), 0.25),
        (np.full((4, 5), 0.5, dtype=np.float64), 0.5),
    ],
)
def test_grey_scaling_and_repeat(image: np.ndarray, scale: float) -> None:
    tensor = image_to_tensor(image)
    assert tensor.shape == (3, 4, 5) and tensor.dtype == torch.float32
    torch.testing.assert_close(tensor, torch.full((3, 4, 5), scale))


def test_rgb_channel_order() -> None:
    image = np.zeros((2, 2, 3), dtype=np.uint8)
    image[..., 2] = 255
    tensor = image_to_tensor(image)
    assert tensor[2].eq(1).all() and tensor[:2].eq(0).all()


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((2, 2, 4), np.uint8), ValueError, r"Expected an image.*\(2, 2, 4\)"),
        (np.zeros(5, np.uint8), ValueError, "Expected an image"),
        (np.zeros((2, 2), np.int32), TypeError, "int32"),
        (np.full((2, 2), 2.0), ValueError, r"\[0, 1\]"),
        (np.full((2, 2), np.nan), ValueError, "NaN"),
        (torch.zeros(2, 2), TypeError, "numpy array"),
    ],
)
def test_conversion_errors(image: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        image_to_tensor(image)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ((0, 1), np.uint8),
        ((0, 255), np.uint8),
        ((0, 100), np.uint8),  # the old "> half the type's range" rule lost these targets
        ((0, 1), np.uint16),
        ((0, 255), np.uint16),  # ... and these
        ((0, 65535), np.uint16),
    ],
    ids=["u8-0-1", "u8-0-255", "u8-0-100", "u16-0-1", "u16-0-255", "u16-0-65535"],
)
def test_read_mask_target_is_non_zero_in_every_encoding(
    tmp_path: Path, values: tuple[int, int], dtype: type
) -> None:
    stored = np.full((3, 4), values[0], dtype)
    stored[1, 1:3] = values[1]
    cv2.imwrite(str(tmp_path / "m.png"), stored)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # binary masks do not warn
        mask = read_mask(tmp_path / "m.png")
    assert mask.dtype == np.uint8 and mask.tolist() == (stored > 0).astype(int).tolist()


def _write_indexed_png(
    path: Path, indices: np.ndarray, palette: list[tuple[int, int, int]]
) -> None:
    """An 8-bit palette (colour type 3) PNG, written by hand: OpenCV writes none."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width = indices.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    rows = b"".join(b"\x00" + row.astype(np.uint8).tobytes() for row in indices)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", bytes(v for colour in palette for v in colour))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_read_mask_palette_png(tmp_path: Path) -> None:
    indices = np.zeros((3, 4), np.uint8)
    indices[1, 2] = 1
    # A dark blue target colour: no channel above half range, which the old rule required.
    _write_indexed_png(tmp_path / "m.png", indices, [(0, 0, 0), (0, 0, 100)])
    assert read_image(tmp_path / "m.png").shape == (3, 4, 3)
    assert read_mask(tmp_path / "m.png").tolist() == indices.tolist()


def test_read_mask_non_binary_warns(tmp_path: Path) -> None:
    soft = np.zeros((3, 4), np.uint8)
    soft[1, 1:4] = (60, 255, 60)  # an anti-aliased edge
    cv2.imwrite(str(tmp_path / "m.png"), soft)
    with pytest.warns(UserWarning, match=r"m\.png is not binary .* every non-zero pixel"):
        mask = read_mask(tmp_path / "m.png")
    assert mask.tolist() == (soft > 0).astype(int).tolist()


def test_read_mask_colour_counts_any_channel(tmp_path: Path) -> None:
    colour = np.zeros((1, 2, 3), np.uint8)
    colour[0, 1, 1] = 255
    cv2.imwrite(str(tmp_path / "m.png"), colour)
    assert read_mask(tmp_path / "m.png").tolist() == [[0, 1]]
