"""Reading infrared images and turning them into model input (docs/architecture.md)."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import cv2
import numpy as np
import torch

__all__ = ["decode_mask", "image_size", "image_to_tensor", "read_image", "read_mask"]

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (they hold the size); C4, C8 and CC share the range but are not
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def image_size(path: str | Path) -> tuple[int, int] | None:
    """``(H, W)`` of a PNG, JPEG or BMP file read from its header, without decoding pixels.

    Lets a caller refuse a frame too large to decode (a small PNG can declare 16000x16000)
    before any memory is allocated for it.

    Args:
        path: an image file.

    Returns:
        ``(H, W)``, or ``None`` for other formats and for headers that cannot be read (the
        decoder then decides).

    Raises:
        FileNotFoundError: no such file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    with open(path, "rb") as file:
        head = file.read(64 * 1024)  # a JPEG's frame header follows its EXIF/ICC segments
    if head.startswith(_PNG) and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return height, width
    if head.startswith(b"BM") and len(head) >= 26:
        header_size = struct.unpack("<I", head[14:18])[0]
        if header_size == 12:  # BITMAPCOREHEADER
            width, height = struct.unpack("<HH", head[18:22])
        else:
            width, height = struct.unpack("<ii", head[18:26])
        return abs(height), abs(width)
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    return None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 4 <= len(head):
        if head[index] != 0xFF:
            return None
        marker = head[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0x01, *range(0xD0, 0xDA)):  # markers without a segment
            index += 2
            continue
        length = struct.unpack(">H", head[index + 2 : index + 4])[0]
        if marker in _JPEG_SOF:
            if index + 9 > len(head):
                return None
            height, width = struct.unpack(">HH", head[index + 5 : index + 9])
            return height, width
        index += 2 + length
    return None


def read_image(path: str | Path, max_pixels: int | None = None) -> np.ndarray:
    """Read an image file as stored: 8-bit or 16-bit, grey or RGB.

    Palette PNGs are expanded to RGB and an alpha channel is dropped.

    Args:
        path: any format OpenCV reads (PNG, BMP, JPEG, TIFF, ...).
        max_pixels: refuse images with more pixels than this, from the header where the
            format has one (:func:`image_size`: before decoding), else after decoding.

    Returns:
        ``(H, W)`` for grey or ``(H, W, 3)`` RGB, ``uint8`` or ``uint16``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable image, or is larger than ``max_pixels`` (the
            message names it and its size).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"image not found: {path}" + (" (it is a folder)" if path.is_dir() else "")
        )
    if max_pixels is not None:
        size = image_size(path)
        if size is not None:
            _check_pixels(path, size, max_pixels)
    # imdecode on the bytes rather than imread: imread cannot report why it failed and
    # mishandles non-ASCII paths on some platforms.
    buffer = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED) if buffer.size else None
    if image is None:
        raise ValueError(f"cannot decode image {path} (corrupt, empty or not an image)")
    if image.ndim == 3:
        if image.shape[2] == 1:
            image = image[:, :, 0]
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
        else:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"{path}: unsupported pixel type {image.dtype} (expected 8 or 16 bit)")
    if max_pixels is not None:
        _check_pixels(path, image.shape[:2], max_pixels)
    return image


def _check_pixels(path: Path, size: tuple[int, ...], max_pixels: int) -> None:
    height, width = size
    if height * width > max_pixels:
        raise ValueError(
            f"{path} is {width}x{height} ({height * width:,} pixels), above the limit of "
            f"{max_pixels:,} pixels (raise it with --max-pixels / max_pixels)"
        )


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """Convert one image to the model's input format: ``(3, H, W)`` float32 in ``[0, 1]``.

    ``uint8`` is divided by 255 as in the paper; ``uint16`` by 65535 (the full 16-bit range;
    sensors that use fewer bits should be rescaled by the caller first); floating input must
    already lie in ``[0, 1]``. Grey images are repeated to three channels (docs/architecture.md).

    Args:
        image: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` (RGB) array.

    Returns:
        ``(3, H, W)`` float32 tensor.

    Raises:
        TypeError: unsupported dtype.
        ValueError: unsupported shape, or floating values outside ``[0, 1]`` / not finite.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"Expected an image (H, W), (H, W, 1) or (H, W, 3), got {image.shape}")
    if image.dtype == np.uint8:
        scaled = image.astype(np.float32) / 255.0
    elif image.dtype == np.uint16:
        scaled = image.astype(np.float32) / 65535.0
    elif np.issubdtype(image.dtype, np.floating):
        scaled = image.astype(np.float32)
        if not np.isfinite(scaled).all():
            raise ValueError("image contains NaN or inf")
        low, high = float(scaled.min()), float(scaled.max())
        if low < 0 or high > 1:
            raise ValueError(
                f"floating images must lie in [0, 1], got values in [{low:.4g}, {high:.4g}]; "
                "pass the uint8/uint16 array or divide by its full scale"
            )
    else:
        raise TypeError(f"unsupported image dtype {image.dtype}; expected uint8, uint16 or float")
    scaled = np.repeat(scaled[None], 3, axis=0) if scaled.ndim == 2 else scaled.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(scaled))


def read_mask(path: str | Path) -> np.ndarray:
    """Read a target mask as a binary array: a pixel is a target when it is non-zero.

    One rule for every encoding: 0/1 label images, 0/255 and 0/100 masks, 8- or 16-bit,
    palette PNGs (expanded to RGB; a pixel is target when any channel is non-zero) and
    instance labels 1, 2, ... all keep every target. A mask is binary when its non-zero
    pixels share one value; any other mask (anti-aliased edges, JPEG noise, instance labels)
    warns, because its soft edges and noise become target pixels too (``docs/data.md``).
    :class:`~gglnet.data.IRSTDDataset` reads masks without this warning and warns once per
    dataset instead, listing the files.

    Args:
        path: an 8- or 16-bit grey, RGB or palette image.

    Returns:
        ``(H, W)`` ``uint8`` array of 0 and 1.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable image (the message names it).

    Warns:
        UserWarning: the mask is not binary (its non-zero pixels hold more than one value).
    """
    mask, binary = decode_mask(path)
    if not binary:
        warnings.warn(
            f"mask {path} is not binary (its non-zero pixels hold more than one value): every "
            "non-zero pixel counts as target, soft edges and compression noise included; "
            "save masks as 0/255 PNGs",
            UserWarning,
            stacklevel=2,
        )
    return mask


def decode_mask(path: str | Path) -> tuple[np.ndarray, bool]:
    """:func:`read_mask` without its warning: the binary mask and whether the file was binary.

    Args:
        path: an 8- or 16-bit grey, RGB or palette image.

    Returns:
        ``(mask, binary)``: the ``(H, W)`` ``uint8`` mask of 0 and 1 (non-zero pixels), and
        ``True`` when the file's non-zero pixels all share one value.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable image (the message names it).
    """
    values = read_image(path)
    if values.ndim == 3:
        values = values.max(axis=2)
    target = values != 0
    # Masks are sparse: comparing the set pixels with one of them is cheaper than np.unique.
    set_values = values[target]
    binary = set_values.size == 0 or bool((set_values == set_values[0]).all())
    return target.view(np.uint8), binary
