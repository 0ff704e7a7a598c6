"""Synthetic infrared-like scenes with exact target masks, for tests, the demo and smoke training.

A scene is an 8-bit grey image built in this order (all intensities in grey levels 0–255):

1. **Sky**: a level in ``[60, 140]`` plus a linear gradient (up to ±30 over the image).
2. **Clutter**: smooth noise at three scales (features of 1/4, 1/8 and 1/16 of the image; a
   standard deviation of 4–16 levels in all).
3. **Clouds** (in 60 % of scenes): smooth noise (features of 1/6 of the image),
   soft-thresholded into bright patches of 20–80 levels, often brighter than any target;
   their edges are strong gradients.
4. **Horizon** (in 40 % of scenes): below a tilted line across the lower half, a ground
   region 40 levels darker to 40 brighter, with fine texture (4–8 px, std 5–15 levels).
5. **Distractors** (0–3 per scene): large Gaussian blobs (σ 4–8 px, 30–80 levels) — bright
   but too big to be small targets, so the brightest pixel is not always a target.
6. **Targets** (``n_targets``, default 1–3), at least 12 px apart and 6 px from the border:
   - *point* (60 %): a Gaussian PSF, σ 0.6–1.5 px, peak 30–90 levels, at a sub-pixel centre;
     its mask is the pixels where its rendered intensity is at least half its maximum;
   - *extended* (40 %): an ellipse with semi-axes 1.5–4 px and 1–4 px, any orientation,
     30–80 levels, blurred by a σ 0.6 px PSF; its mask is the set of pixels whose centre
     lies inside the ellipse.
7. **Sensor noise**: white Gaussian noise (σ 1.5–4 levels) and per-column fixed-pattern
   offsets (σ up to 1.5 levels); the sum is rounded and clipped to ``[0, 255]``.

Everything is drawn from one numpy generator seeded by the caller, so a seed fixes a scene.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from numpy.random import Generator
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from gglnet.data.augment import Augment
from gglnet.data.dataset import Sample
from gglnet.data.image import image_to_tensor
from gglnet.data.splits import cut_split, write_split

__all__ = ["MIN_SIZE", "SPLIT_SEEDS", "SyntheticDataset", "make_scene", "write_synthetic_dataset"]

Seed = int | Sequence[int]

SPLIT_SEEDS: dict[str, int] = {"train": 0, "val": 1, "test": 2}
"""Scene seeds of the synthetic training, validation and test sets used by ``gglnet train``
and ``gglnet evaluate`` with ``--data synthetic``: three disjoint, fixed sets of scenes."""

MIN_SIZE = 32
_MARGIN = 6
_MIN_DISTANCE = 12.0


def make_scene(
    size: int = 256, seed: Seed = 0, n_targets: tuple[int, int] = (1, 3)
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one scene (see the module docstring for what it contains).

    Args:
        size: side of the square image (at least 32).
        seed: an int or a sequence of ints (e.g. ``(dataset_seed, index)``).
        n_targets: the least and most targets; the count is uniform in between.

    Returns:
        ``(image, mask)``: ``(size, size)`` uint8 image and ``(size, size)`` uint8 mask of 0
        and 1.

    Raises:
        ValueError: ``size`` below 32 or a bad ``n_targets`` range.

    Example:
        >>> image, mask = make_scene(64, seed=1)
        >>> image.shape, image.dtype, int(mask.max())
        ((64, 64), dtype('uint8'), 1)
    """
    _check_options(size, n_targets)
    rng = np.random.default_rng(seed)
    image = _background(rng, size)
    n_real = int(rng.integers(n_targets[0], n_targets[1] + 1))
    centres = _place(rng, size, n_real + int(rng.integers(0, 4)))
    mask = np.zeros((size, size), np.uint8)
    for centre in centres[n_real:]:
        _add_gaussian(image, centre, rng.uniform(4, 8), rng.uniform(30, 80))
    for centre in centres[:n_real]:
        if rng.random() < 0.6:
            footprint = _add_gaussian(image, centre, rng.uniform(0.6, 1.5), rng.uniform(30, 90))
            target = footprint >= 0.5 * footprint.max()
        else:
            target = _add_ellipse(image, centre, rng)
        mask |= target
    noise = rng.normal(0, rng.uniform(1.5, 4), (size, size))
    columns = rng.normal(0, rng.uniform(0, 1.5), (1, size))
    image = np.clip(np.rint(image + noise + columns), 0, 255).astype(np.uint8)
    return image, mask


class SyntheticDataset(Dataset):
    """``n`` synthetic scenes, generated on the fly, in :class:`IRSTDDataset`'s item format.

    Scene ``i`` is ``make_scene(size, (seed, i), n_targets)``; augmentation is seeded by
    ``(augment_seed, epoch, i)`` as in :class:`~gglnet.data.IRSTDDataset`.

    Args:
        n: number of scenes.
        size: image side.
        seed: selects the scenes (see :data:`SPLIT_SEEDS` for the ones ``gglnet train`` uses).
        augment: an :class:`~gglnet.data.Augment` policy, ``True`` for the recipe's, or none.
        n_targets: targets per scene, least and most.
        augment_seed: seeds the augmentation (the scenes stay the same).

    Example:
        >>> item = SyntheticDataset(4, size=64)[0]
        >>> item["image"].shape, item["mask"].shape, item["stem"]
        (torch.Size([3, 64, 64]), torch.Size([1, 64, 64]), 'synthetic_0_00000')
    """

    def __init__(
        self,
        n: int,
        size: int = 256,
        seed: int = 0,
        augment: Augment | bool | None = None,
        n_targets: tuple[int, int] = (1, 3),
        augment_seed: int = 0,
    ) -> None:
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        _check_options(size, n_targets)
        self.n = n
        self.size = size
        self.seed = seed
        self.augment = Augment() if augment is True else (augment or None)
        self.n_targets = n_targets
        self.augment_seed = augment_seed
        self.epoch = 0
        self.stems = [f"synthetic_{seed}_{i:05d}" for i in range(n)]

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return (
            f"SyntheticDataset(n={self.n}, size={self.size}, seed={self.seed}, "
            f"augment={self.augment is not None})"
        )

    def set_epoch(self, epoch: int) -> None:
        """Select the augmentation of an epoch (call before iterating a DataLoader)."""
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> Sample:
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} scenes")
        image, mask = make_scene(self.size, (self.seed, index), self.n_targets)
        pixels = image.astype(np.float32) / np.float32(255)
        if self.augment is not None:
            rng = np.random.default_rng((self.augment_seed, self.epoch, index))
            pixels, mask = self.augment(pixels, mask, rng)
        return {
            "image": image_to_tensor(pixels),
            "mask": torch.from_numpy(mask[None].astype(np.float32)),
            "stem": self.stems[index],
        }


def write_synthetic_dataset(
    root: str | Path,
    n: int,
    size: int = 256,
    seed: int = 0,
    test_fraction: float = 0.3,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Write scenes to disk in the common layout, with ``trainval.txt`` and ``test.txt``.

    Creates ``images/<stem>.png`` (8-bit grey), ``masks/<stem>.png`` (0/255) and the two split
    lists (cut by :func:`~gglnet.data.splits.cut_split` with ``train_fraction =
    1 - test_fraction`` and ``seed``), so the folder loads with
    :class:`~gglnet.data.IRSTDDataset` like NUDT-SIRST.

    Args:
        root: the folder to create (it may exist if empty).
        n: number of scenes (at least 2).
        size: image side.
        seed: selects the scenes; same stems as ``SyntheticDataset(n, size, seed)``.
        test_fraction: share of the test list.
        overwrite: allow writing into a non-empty folder.
        progress: show a progress bar.

    Returns:
        ``root``.

    Raises:
        FileExistsError: ``root`` is not empty and ``overwrite`` is false.
    """
    root = Path(root)
    if root.is_dir() and any(root.iterdir()) and not overwrite:
        raise FileExistsError(f"{root} is not empty; pass overwrite=True to write into it")
    dataset = SyntheticDataset(n, size, seed)
    for folder in ("images", "masks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for index in tqdm(range(n), desc="writing scenes", disable=not progress):
        image, mask = make_scene(size, (seed, index), dataset.n_targets)
        stem = dataset.stems[index]
        cv2.imwrite(str(root / "images" / f"{stem}.png"), image)
        cv2.imwrite(str(root / "masks" / f"{stem}.png"), mask * np.uint8(255))
    train, test = cut_split(dataset.stems, train_fraction=1 - test_fraction, seed=seed)
    write_split(root / "trainval.txt", train, overwrite=overwrite)
    write_split(root / "test.txt", test, overwrite=overwrite)
    return root


def _check_options(size: int, n_targets: tuple[int, int]) -> None:
    if not isinstance(size, int) or size < MIN_SIZE:
        raise ValueError(f"size must be an integer of at least {MIN_SIZE}, got {size!r}")
    low, high = n_targets
    if not 0 <= low <= high:
        raise ValueError(
            f"n_targets must be (least, most) with 0 <= least <= most, got {low, high}"
        )


def _background(rng: Generator, size: int) -> np.ndarray:
    """Sky, clutter, clouds and an optional horizon, float32 grey levels."""
    y = np.linspace(-0.5, 0.5, size, dtype=np.float32)[:, None]
    x = np.linspace(-0.5, 0.5, size, dtype=np.float32)[None, :]
    image = rng.uniform(60, 140) + rng.uniform(-30, 30) * y + rng.uniform(-10, 10) * x
    clutter = sum(_smooth_noise(rng, size, cells) for cells in (4, 8, 16))
    image = image + rng.uniform(4, 16) * clutter / clutter.std()
    if rng.random() < 0.6:
        field = _smooth_noise(rng, size, 6)
        threshold, softness = rng.uniform(0.3, 1.2), rng.uniform(0.2, 0.6)
        image = image + rng.uniform(20, 80) * np.clip((field - threshold) / softness, 0, 1)
    if rng.random() < 0.4:
        level = rng.uniform(0.1, 0.45) + rng.uniform(-0.15, 0.15) * x
        ground = y > level
        texture = _smooth_noise(rng, size, size // int(rng.integers(4, 9)))
        image = image + ground * (rng.uniform(-40, 40) + rng.uniform(5, 15) * texture)
    return image.astype(np.float32)


def _smooth_noise(rng: Generator, size: int, cells: int) -> np.ndarray:
    """Unit-variance white noise on a ``cells x cells`` grid, upsampled (bicubic) to ``size``."""
    cells = max(int(cells), 2)
    grid = rng.standard_normal((cells, cells)).astype(np.float32)
    return cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)


def _place(rng: Generator, size: int, count: int) -> list[np.ndarray]:
    """Up to ``count`` sub-pixel centres (y, x), pairwise at least 12 px apart."""
    centres: list[np.ndarray] = []
    for _ in range(100 * max(count, 1)):
        if len(centres) == count:
            break
        centre = rng.uniform(_MARGIN, size - 1 - _MARGIN, size=2)
        if all(np.hypot(*(centre - other)) >= _MIN_DISTANCE for other in centres):
            centres.append(centre)
    return centres


def _window(image: np.ndarray, centre: np.ndarray, radius: int) -> tuple[slice, slice, np.ndarray]:
    """Slices of the image around ``centre`` and the pixel-centre offsets (dy, dx) inside."""
    cy, cx = np.floor(centre).astype(int)
    height, width = image.shape
    rows = slice(max(cy - radius, 0), min(cy + radius + 1, height))
    cols = slice(max(cx - radius, 0), min(cx + radius + 1, width))
    dy = np.arange(rows.start, rows.stop, dtype=np.float32)[:, None] - centre[0]
    dx = np.arange(cols.start, cols.stop, dtype=np.float32)[None, :] - centre[1]
    return rows, cols, np.stack(np.broadcast_arrays(dy, dx))


def _add_gaussian(image: np.ndarray, centre: np.ndarray, sigma: float, peak: float) -> np.ndarray:
    """Add a Gaussian spot in place; return its full-image footprint (intensity)."""
    rows, cols, (dy, dx) = _window(image, centre, int(np.ceil(4 * sigma)) + 1)
    spot = peak * np.exp(-(dy**2 + dx**2) / (2 * sigma**2))
    image[rows, cols] += spot
    footprint = np.zeros_like(image)
    footprint[rows, cols] = spot
    return footprint


def _add_ellipse(image: np.ndarray, centre: np.ndarray, rng: Generator) -> np.ndarray:
    """Add a blurred elliptical target in place; return its support (pixel centres inside)."""
    major = rng.uniform(1.5, 4)
    minor = rng.uniform(1, major)
    angle = rng.uniform(0, np.pi)
    rows, cols, (dy, dx) = _window(image, centre, int(np.ceil(major)) + 3)
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    support = ((u / major) ** 2 + (v / minor) ** 2 <= 1).astype(np.float32)
    image[rows, cols] += rng.uniform(30, 80) * cv2.GaussianBlur(support, (0, 0), 0.6)
    mask = np.zeros(image.shape, np.uint8)
    mask[rows, cols] = support.astype(np.uint8)
    return mask
