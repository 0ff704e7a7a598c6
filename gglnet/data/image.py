"""Reading infrared images and turning them into model input (docs/architecture.md)."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
import torch

__all__ = ["decode_mask", "image_to_tensor", "read_image", "read_mask"]


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as stored: 8-bit or 16-bit, grey or RGB.

    Palette PNGs are expanded to RGB and an alpha channel is dropped.

    Args:
        path: any format OpenCV reads (PNG, BMP, JPEG, TIFF, ...).

    Returns:
        ``(H, W)`` for grey or ``(H, W, 3)`` RGB, ``uint8`` or ``uint16``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable image (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
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
    return image


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
