"""Training augmentation of the paper's recipe (paper §III-B), with OpenCV and numpy.

The released code uses albumentations' ``SomeOf([...], n=3, p=0.5)``. Our reading, exactly:

- With probability ``p`` (0.5) a sample is augmented at all; otherwise it passes unchanged.
- If augmented, ``n`` (3) operations are drawn **without replacement**, uniformly, from the
  ten below, and applied in the order drawn. A drawn operation always acts (its own random
  parameter may still make it an identity, e.g. a 0° rotation).

The ten operations (image as float ``[0, 1]``; geometric ones move the mask identically with
nearest-neighbour sampling, so it stays binary):

1. vertical flip;  2. horizontal flip;  3. transpose (swap H and W);
4. rot90: rotate by ``k · 90°``, ``k`` uniform in {0, 1, 2, 3};
5. brightness: add ``U(-0.2, 0.2)`` (fraction of full scale);
6. contrast: multiply by ``1 + U(-0.2, 0.2)`` (albumentations' definition: a gain about 0);
7. shift-scale-rotate, one affine warp about the image centre: angle ``U(-45°, 45°)``, scale
   ``1 + U(-0.2, 0.2)``, shift ``U(-0.1, 0.1)`` of the width and of the height; borders
   reflect (``BORDER_REFLECT_101``, as albumentations), for the mask too;
8. Gaussian noise with variance ``U(10, 50)`` on the 0–255 scale (σ = √var / 255 here), one
   noise field shared by all channels so grey images stay grey;
9. and 10. no-ops.

The image is clipped to ``[0, 1]`` at the end. Randomness comes only from the generator
passed in, so a sample's augmentation is fixed by how that generator was seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.random import Generator

__all__ = ["OPERATIONS", "Augment"]

OPERATIONS: tuple[str, ...] = (
    "vertical_flip",
    "horizontal_flip",
    "transpose",
    "rot90",
    "brightness",
    "contrast",
    "shift_scale_rotate",
    "gaussian_noise",
    "no_op",
    "no_op",
)
"""The ten operations :class:`Augment` draws from (the no-op twice, as in the recipe)."""


@dataclass(frozen=True)
class Augment:
    """The recipe's augmentation policy; call it on one image and its mask.

    Args:
        p: probability that a sample is augmented at all.
        n: operations drawn (without replacement) from :data:`OPERATIONS` when it is.
        brightness: largest brightness offset, fraction of full scale.
        contrast: largest relative gain change.
        rotate: largest rotation in degrees.
        shift: largest shift, fraction of the image size.
        scale: largest relative zoom change.
        noise_var: range of the Gaussian noise variance on the 0–255 scale.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> image, mask = Augment()(np.zeros((8, 8), np.float32), np.zeros((8, 8), np.uint8), rng)
        >>> image.shape, mask.dtype
        ((8, 8), dtype('uint8'))
    """

    p: float = 0.5
    n: int = 3
    brightness: float = 0.2
    contrast: float = 0.2
    rotate: float = 45.0
    shift: float = 0.1
    scale: float = 0.2
    noise_var: tuple[float, float] = (10.0, 50.0)

    def __post_init__(self) -> None:
        if not 0 <= self.p <= 1:
            raise ValueError(f"p must lie in [0, 1], got {self.p}")
        if not 0 <= self.n <= len(OPERATIONS):
            raise ValueError(f"n must lie in [0, {len(OPERATIONS)}], got {self.n}")
        low, high = self.noise_var
        if not 0 <= low <= high:
            raise ValueError(
                f"noise_var must be (low, high) with 0 <= low <= high, got {low, high}"
            )

    def __call__(
        self, image: np.ndarray, mask: np.ndarray, rng: Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Augment one sample.

        Args:
            image: ``(H, W)`` or ``(H, W, 3)`` float32 in ``[0, 1]``.
            mask: ``(H, W)`` uint8 of 0 and 1.
            rng: the sample's generator (the only source of randomness).

        Returns:
            ``(image, mask)``, contiguous, same dtypes; H and W swap under a transpose or an
            odd rot90.

        Raises:
            ValueError: the image and mask sizes differ.
        """
        if image.shape[:2] != mask.shape:
            raise ValueError(f"image and mask sizes differ: {image.shape[:2]} vs {mask.shape}")
        if rng.random() < self.p:
            for index in rng.choice(len(OPERATIONS), size=self.n, replace=False):
                image, mask = _OPERATIONS[OPERATIONS[index]](self, image, mask, rng)
        return np.ascontiguousarray(np.clip(image, 0, 1)), np.ascontiguousarray(mask)


_Sample = tuple[np.ndarray, np.ndarray]


def _vertical_flip(policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator) -> _Sample:
    return image[::-1], mask[::-1]


def _horizontal_flip(
    policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator
) -> _Sample:
    return image[:, ::-1], mask[:, ::-1]


def _transpose(policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator) -> _Sample:
    return image.swapaxes(0, 1), mask.T


def _rot90(policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator) -> _Sample:
    k = int(rng.integers(4))
    return np.rot90(image, k), np.rot90(mask, k)


def _brightness(policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator) -> _Sample:
    return image + np.float32(rng.uniform(-policy.brightness, policy.brightness)), mask


def _contrast(policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator) -> _Sample:
    return image * np.float32(1 + rng.uniform(-policy.contrast, policy.contrast)), mask


def _shift_scale_rotate(
    policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator
) -> _Sample:
    height, width = mask.shape
    angle = rng.uniform(-policy.rotate, policy.rotate)
    zoom = 1 + rng.uniform(-policy.scale, policy.scale)
    dx, dy = rng.uniform(-policy.shift, policy.shift, size=2) * (width, height)
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, zoom)
    matrix[:, 2] += (dx, dy)
    size, border = (width, height), cv2.BORDER_REFLECT_101
    image = cv2.warpAffine(
        np.ascontiguousarray(image), matrix, size, flags=cv2.INTER_LINEAR, borderMode=border
    )
    mask = cv2.warpAffine(
        np.ascontiguousarray(mask), matrix, size, flags=cv2.INTER_NEAREST, borderMode=border
    )
    return image, mask


def _gaussian_noise(
    policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator
) -> _Sample:
    sigma = np.sqrt(rng.uniform(*policy.noise_var)) / 255
    noise = rng.normal(0, sigma, size=mask.shape).astype(np.float32)
    return image + (noise[:, :, None] if image.ndim == 3 else noise), mask


def _no_op(policy: Augment, image: np.ndarray, mask: np.ndarray, rng: Generator) -> _Sample:
    return image, mask


_OPERATIONS: dict[str, Callable[[Augment, np.ndarray, np.ndarray, Generator], _Sample]] = {
    "vertical_flip": _vertical_flip,
    "horizontal_flip": _horizontal_flip,
    "transpose": _transpose,
    "rot90": _rot90,
    "brightness": _brightness,
    "contrast": _contrast,
    "shift_scale_rotate": _shift_scale_rotate,
    "gaussian_noise": _gaussian_noise,
    "no_op": _no_op,
}
