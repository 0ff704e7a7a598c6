"""IRSTDDataset: infrared images and target masks from a folder, in any of the common layouts.

Layouts (``layout="auto"`` picks the first that fits):

- ``"sirst"``: ``images/<stem>.png`` and ``masks/<stem>_pixels0.png`` (SIRST as published;
  other files in ``masks/``, such as SIRST's XML boxes, are ignored).
- ``"common"``: ``images/<stem>.<ext>`` and ``masks/<stem>.<ext>`` (NUDT-SIRST, IRSTD-1k).
- ``"plain"``: images only, in ``images/`` or directly in the root; items carry no mask. For
  evaluation-free prediction, not for training or metrics.

Images are 8-bit grey, RGB or palette, or 16-bit grey; items hold them as ``(3, S, S)``
float32 in ``[0, 1]`` (8-bit / 255, 16-bit / 65535, grey repeated to three channels).
Masks are binarised by :func:`~gglnet.data.image.read_mask`'s rule (a pixel is a target when
it is non-zero); :meth:`IRSTDDataset.check_masks` counts their targets and warns, once per
dataset, about masks that are not binary and about targets that resizing makes vanish.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from gglnet.data.augment import Augment
from gglnet.data.crop import random_crop
from gglnet.data.edge_pad import random_edge_pad
from gglnet.data.image import decode_mask, image_to_tensor, read_image
from gglnet.data.rescale import check_scale_range, random_rescale
from gglnet.data.splits import read_split, resolve_split
from gglnet.metrics.components import component_stats
from gglnet.padding import PadMode, check_pad_mode

__all__ = [
    "IMAGE_EXTENSIONS",
    "LAYOUTS",
    "IRSTDDataset",
    "MaskCheck",
    "Sample",
    "detect_layout",
]

IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")
"""Image file extensions looked for, in order of preference when a stem has several."""

DatasetLayout = Literal["sirst", "common", "plain"]
LAYOUTS: tuple[str, ...] = get_args(DatasetLayout)

Layout = Literal["auto", DatasetLayout]
Sample = dict[str, "torch.Tensor | str"]
"""An item: ``image`` ``(3, S, S)`` float32, ``mask`` ``(1, S, S)`` float32 of 0 and 1
(absent for the plain layout), ``stem`` str."""

_SIRST_SUFFIX = "_pixels0"
_SHOWN_FILES = 5


@dataclass
class MaskCheck:
    """What :meth:`IRSTDDataset.check_masks` found in a dataset's masks.

    Targets are 8-connected components, labelled as the Pd/Fa metrics label them.

    Attributes:
        images: masks checked.
        stored: targets in the masks as stored on disk.
        resized: targets in the masks as the items hold them (resized to ``size``, or to the
            image's size for a mask stored at another scale); ``stored`` when none is resized.
        images_with_targets: masks holding at least one target as the items hold them.
        images_losing_targets: masks with fewer targets as items than as stored.
        images_emptied: masks with targets as stored and none as items.
        non_binary: stems of the masks that are not binary (their non-zero pixels hold more
            than one value).
    """

    images: int = 0
    stored: int = 0
    resized: int = 0
    images_with_targets: int = 0
    images_losing_targets: int = 0
    images_emptied: int = 0
    non_binary: list[str] = field(default_factory=list)

    def add(self, stem: str, stored: np.ndarray, resized: np.ndarray, binary: bool) -> None:
        """Count one mask, ``(h, w)`` as stored and ``(H, W)`` as its item holds it."""
        before = _count_targets(stored)
        after = before if resized is stored else _count_targets(resized)
        self.images += 1
        self.stored += before
        self.resized += after
        self.images_with_targets += after > 0
        self.images_losing_targets += after < before
        self.images_emptied += before > 0 and after == 0
        if not binary:
            self.non_binary.append(stem)


def detect_layout(root: str | Path) -> str:
    """The layout of a dataset folder (see the module docstring).

    Args:
        root: the dataset folder.

    Returns:
        ``"sirst"``, ``"common"`` or ``"plain"``.

    Raises:
        FileNotFoundError: ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {root}")
    masks = root / "masks"
    if not (root / "images").is_dir() or not masks.is_dir():
        return "plain"
    if any(p.stem.endswith(_SIRST_SUFFIX) for p in _image_files(masks)):
        return "sirst"
    return "common"


class IRSTDDataset(Dataset):
    """Images and masks of an IRSTD dataset folder, resized and optionally augmented.

    Everything that can be checked cheaply is checked here, before any training starts: the
    folder and layout, the split (non-empty, every entry has an image) and that every image
    has a mask. :meth:`verify` also decodes every file. Errors name the file.

    An image and its mask must have the same size, or the mask must be the same picture at
    another scale (aspect ratios agree to a pixel; SIRST's ``Misc_111`` has a 592x400 mask
    for a 325x220 image): such a mask is resized to the output size with nearest-neighbour
    sampling. Any other mismatch is an error.

    Augmentation is seeded per sample by ``(seed, epoch, index)`` (see :meth:`set_epoch`), so
    a sample looks the same whatever the number of DataLoader workers.

    Args:
        root: the dataset folder.
        split: a split name or file (see :func:`gglnet.data.splits.resolve_split`), a list of
            stems, or ``None`` for every image in the folder.
        size: side of the square the image and mask are resized to (512 for SIRST, 256 for
            NUDT-SIRST); ``None`` keeps each image's own size.
        augment: an :class:`Augment` policy, ``True`` for the recipe's, or ``False``/``None``.
        crop: cut a random ``crop x crop`` window (after resizing to ``size``, before
            augmentation) with :func:`~gglnet.data.crop.random_crop`; ``None``: no crop.
        crop_target_fraction: share of crops centred on a target.
        scale_range: ``(low, high)``: before cropping, rescale each sample by a factor drawn
            log-uniformly from it (:func:`~gglnet.data.rescale.random_rescale`), so the
            network learns across scales; needs ``crop`` (which keeps batches one size).
            ``None``: no rescaling.
        pad_mode: how crops of images smaller than ``crop`` and edge-padded samples are
            padded (:data:`gglnet.padding.PAD_MODES`; the model's ``config.pad_mode``).
        edge_pad: share of training samples (after augmentation) whose bottom and right
            edges are cut short by up to ``edge_pad_max`` pixels and padded back with
            ``pad_mode`` (:func:`~gglnet.data.edge_pad.random_edge_pad`), as inference pads
            frames to the size divisor; needs masks.
        edge_pad_max: the most rows or columns padded (the size divisor less one).
        seed: seeds the augmentation and the crops.
        layout: ``"auto"`` or one of :data:`LAYOUTS`.

    Raises:
        FileNotFoundError: no folder, no split file, an entry without an image, or an image
            without its mask.
        ValueError: an empty split, unknown layout, bad ``size``, or augmentation without masks.

    Example:
        >>> data = IRSTDDataset("datasets/sirst", split="idx_320/test", size=512)  # doctest: +SKIP
        >>> item = data[0]; item["image"].shape, item["mask"].shape, item["stem"]  # doctest: +SKIP
        (torch.Size([3, 512, 512]), torch.Size([1, 512, 512]), 'Misc_372')
    """

    def __init__(
        self,
        root: str | Path,
        split: str | Path | Sequence[str] | None = None,
        size: int | None = 512,
        augment: Augment | bool | None = None,
        seed: int = 0,
        layout: Layout = "auto",
        crop: int | None = None,
        crop_target_fraction: float = 0.5,
        scale_range: tuple[float, float] | None = None,
        pad_mode: PadMode = "zeros",
        edge_pad: float = 0.0,
        edge_pad_max: int = 15,
    ) -> None:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValueError(f"size must be a positive integer or None, got {size!r}")
        if crop is not None and (isinstance(crop, bool) or not isinstance(crop, int) or crop < 1):
            raise ValueError(f"crop must be a positive integer or None, got {crop!r}")
        if not 0 <= crop_target_fraction <= 1:
            raise ValueError(f"crop_target_fraction must lie in [0, 1], got {crop_target_fraction}")
        if scale_range is not None:
            scale_range = check_scale_range(scale_range)
            if crop is None:
                raise ValueError(
                    f"scale_range {scale_range} needs a crop: rescaled samples differ in size, "
                    "and the crop makes them one size again"
                )
        check_pad_mode(pad_mode)
        if not 0 <= edge_pad <= 1:
            raise ValueError(f"edge_pad is a share of samples in [0, 1], got {edge_pad}")
        if isinstance(edge_pad_max, bool) or not isinstance(edge_pad_max, int) or edge_pad_max < 1:
            raise ValueError(f"edge_pad_max must be a positive integer, got {edge_pad_max!r}")
        if layout != "auto" and layout not in LAYOUTS:
            raise ValueError(f"layout must be 'auto' or one of {LAYOUTS}, got {layout!r}")
        self.root = Path(root)
        self.layout = detect_layout(self.root) if layout == "auto" else layout
        self.size = size
        self.augment = Augment() if augment is True else (augment or None)
        self.seed = seed
        self.crop = crop
        self.crop_target_fraction = crop_target_fraction
        self.scale_range = scale_range
        self.pad_mode = pad_mode
        self.edge_pad = edge_pad
        self.edge_pad_max = edge_pad_max
        self.epoch = 0
        self.mask_check: MaskCheck | None = None
        self._warned: set[str] = set()
        images_dir = self.root / "images"
        self.image_dir = images_dir if images_dir.is_dir() else self.root
        images = _index(self.image_dir)
        if not images:
            raise FileNotFoundError(
                f"no images ({', '.join(IMAGE_EXTENSIONS)}) found in {self.image_dir}"
            )
        self.split_file: Path | None = None
        self.source = "all images"
        if split is None:
            stems = sorted(images)
        elif isinstance(split, (str, Path)):
            self.split_file = resolve_split(self.root, split)
            stems = [_strip_extension(entry) for entry in read_split(self.split_file)]
            self.source = f"split file {self.split_file}"
        else:
            stems = [str(stem) for stem in split]
            if not stems:
                raise ValueError("the list of stems is empty")
            self.source = "the list of stems"
        missing = [stem for stem in stems if stem not in images]
        if missing:
            more = f"; {len(missing) - 1} more entries have no image" if len(missing) > 1 else ""
            raise FileNotFoundError(
                f"{self.source} lists {missing[0]!r} but there is no image "
                f"{self.image_dir / missing[0]}.png (or {', '.join(IMAGE_EXTENSIONS[1:])}){more}"
            )
        self.stems = stems
        self.image_paths = [images[stem] for stem in stems]
        self.mask_paths: list[Path] | None = None
        if self.layout != "plain":
            self.mask_paths = self._find_masks()
        elif self.augment is not None or crop is not None or edge_pad:
            raise ValueError(
                f"{self.root} has no masks (plain layout): augmentation, crops and edge "
                "padding need masks"
            )

    @property
    def has_masks(self) -> bool:
        """Whether items carry a ``mask`` (every layout but ``"plain"``)."""
        return self.mask_paths is not None

    def __len__(self) -> int:
        return len(self.stems)

    def __repr__(self) -> str:
        return (
            f"IRSTDDataset(root={str(self.root)!r}, layout={self.layout!r}, "
            f"split={self.source!r}, n={len(self)}, size={self.size}, crop={self.crop}, "
            f"augment={self.augment is not None})"
        )

    def set_epoch(self, epoch: int) -> None:
        """Select the augmentation of an epoch (call before iterating a DataLoader)."""
        self.epoch = int(epoch)

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Read one image and its mask as stored, without resizing or augmentation.

        Args:
            index: item index.

        Returns:
            ``(image, mask)``: the image as :func:`~gglnet.data.image.read_image` returns it,
            the mask ``(h, w)`` uint8 of 0 and 1 (its non-zero pixels) or ``None`` for the
            plain layout. ``(h, w)`` differs from the image's only for a rescaled mask (see
            the class docstring).

        Raises:
            ValueError: an unreadable file, or a mask that does not fit its image.

        Warns:
            UserWarning: the first mask that is not binary this dataset meets, unless
                :meth:`check_masks` or :meth:`verify` already listed them.
        """
        image = read_image(self.image_paths[index])
        if self.mask_paths is None:
            return image, None
        mask, binary = self._decode_mask(index)
        if not binary and "non_binary" not in self._warned:
            self._warned.add("non_binary")
            self._warn_non_binary([self.stems[index]], complete=False)
        if mask.shape != image.shape[:2]:
            _check_rescaled(self.image_paths[index], image.shape[:2], self.mask_paths[index], mask)
        return image, mask

    def __getitem__(self, index: int) -> Sample:
        image, mask = self.load(index)
        height, width = image.shape[:2]
        if self.size is not None:
            height = width = self.size
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
        if mask is not None:
            mask = _fit_mask(mask, (height, width))
        pixels = image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
        rng = np.random.default_rng((self.seed, self.epoch, index))
        if self.crop is not None and mask is not None:
            if self.scale_range is not None:
                pixels, mask = random_rescale(pixels, mask, self.scale_range, rng)
            pixels, mask = random_crop(
                pixels, mask, self.crop, rng, self.crop_target_fraction, self.pad_mode
            )
        if self.augment is not None and mask is not None:
            pixels, mask = self.augment(pixels, mask, rng)
        # drawn only when asked, so runs without it keep their samples
        if self.edge_pad and mask is not None and rng.random() < self.edge_pad:
            pixels, mask = random_edge_pad(pixels, mask, self.edge_pad_max, rng, self.pad_mode)
        item: Sample = {"image": image_to_tensor(pixels), "stem": self.stems[index]}
        if mask is not None:
            item["mask"] = torch.from_numpy(mask[None].astype(np.float32))
        return item

    def verify(self, progress: bool = False) -> MaskCheck | None:
        """Decode every image and mask once, check that they fit, and check the masks.

        Does what :meth:`check_masks` does (its warnings included) while decoding the
        images, and warns about masks stored at another scale than their image.

        Args:
            progress: show a progress bar.

        Returns:
            The :class:`MaskCheck` of the masks (also kept as :attr:`mask_check`), or
            ``None`` for the plain layout.

        Raises:
            ValueError: the first unreadable file or misfitting mask, by name.
        """
        rescaled = []
        check = MaskCheck()
        for index in tqdm(range(len(self)), desc="checking data", disable=not progress):
            image = read_image(self.image_paths[index])
            if self.mask_paths is None:
                continue
            mask, binary = self._decode_mask(index)
            if mask.shape != image.shape[:2]:
                _check_rescaled(
                    self.image_paths[index], image.shape[:2], self.mask_paths[index], mask
                )
                rescaled.append(self.stems[index])
            size = (self.size,) * 2 if self.size is not None else image.shape[:2]
            check.add(self.stems[index], mask, _fit_mask(mask, size), binary)
        if rescaled:
            warnings.warn(
                f"{len(rescaled)} mask(s) in {self.root} are stored at another scale than their "
                f"image and are resized to it: {', '.join(rescaled[:_SHOWN_FILES])}",
                UserWarning,
                stacklevel=2,
            )
        if self.mask_paths is None:
            return None
        self._report(check)
        return check

    def check_masks(self, progress: bool = False) -> MaskCheck | None:
        """Count the targets of every mask, as stored and as the items hold them; warn once.

        Decodes the masks (and, at native size, the images, for their size). Warns, once for
        the dataset, when masks are not binary (listing them) and when resizing makes targets
        vanish (with the counts before and after and the number of images affected).
        :func:`gglnet.evaluation.evaluate` calls it; :meth:`verify` does the same while
        decoding the images. The result is kept as :attr:`mask_check`; a later call returns
        it without reading or warning again.

        Args:
            progress: show a progress bar.

        Returns:
            A :class:`MaskCheck`, or ``None`` for the plain layout.

        Raises:
            ValueError: an unreadable mask, by name.

        Example:
            >>> check = IRSTDDataset("datasets/sirst", "idx_320/test", size=64).check_masks()
            ... # doctest: +SKIP
            >>> check.stored, check.resized, check.images_losing_targets  # doctest: +SKIP
            (102, 85, 16)
        """
        if self.mask_paths is None:
            return None
        if self.mask_check is not None:
            return self.mask_check
        check = MaskCheck()
        for index in tqdm(range(len(self)), desc="checking masks", disable=not progress):
            mask, binary = self._decode_mask(index)
            # At native size only a mask stored at another scale is resized, to its image.
            size = (
                (self.size,) * 2
                if self.size is not None
                else read_image(self.image_paths[index]).shape[:2]
            )
            check.add(self.stems[index], mask, _fit_mask(mask, size), binary)
        self._report(check)
        return check

    def _decode_mask(self, index: int) -> tuple[np.ndarray, bool]:
        assert self.mask_paths is not None
        return decode_mask(self.mask_paths[index])

    def _report(self, check: MaskCheck) -> None:
        """Keep ``check`` and warn about what it found, each warning once per dataset."""
        self.mask_check = check
        if check.non_binary and "non_binary_listed" not in self._warned:
            self._warned |= {"non_binary", "non_binary_listed"}
            self._warn_non_binary(check.non_binary, complete=True)
        if check.images_losing_targets and "lost_targets" not in self._warned:
            self._warned.add("lost_targets")
            size = f"{self.size}x{self.size}" if self.size is not None else "their images' size"
            emptied = (
                f"; {check.images_emptied} of them keep no target at all"
                if check.images_emptied
                else ""
            )
            warnings.warn(
                f"resizing the masks of {self.root} to {size} loses targets: {check.stored} "
                f"targets as stored, {check.resized} after resizing; "
                f"{check.images_losing_targets} of {check.images} images have fewer "
                f"targets{emptied}. Small targets vanish or merge when masks shrink: use a "
                "larger size, or size=None (--size none) to keep the stored scale",
                UserWarning,
                stacklevel=3,
            )

    def _warn_non_binary(self, stems: list[str], complete: bool) -> None:
        shown = ", ".join(stems[:_SHOWN_FILES]) + (
            f", ... ({len(stems)} in all)" if len(stems) > _SHOWN_FILES else ""
        )
        which = (
            f"{len(stems)} mask(s) of {self.root} are" if complete else f"a mask of {self.root} is"
        )
        hint = "" if complete else " (check_masks() lists them all)"
        warnings.warn(
            f"{which} not binary (non-zero pixels of more than one value): "
            f"{shown}{hint}. Every non-zero pixel counts as target, so anti-aliased edges and "
            "JPEG noise become target pixels; save masks as 0/255 PNGs (docs/data.md)",
            UserWarning,
            stacklevel=4,
        )

    def _find_masks(self) -> list[Path]:
        mask_dir = self.root / "masks"
        suffix = _SIRST_SUFFIX if self.layout == "sirst" else ""
        if not mask_dir.is_dir():
            raise FileNotFoundError(f"no masks folder {mask_dir} (layout {self.layout!r})")
        masks = _index(mask_dir)
        paths = []
        for stem, image_path in zip(self.stems, self.image_paths, strict=True):
            path = masks.get(stem + suffix)
            if path is None:
                raise FileNotFoundError(
                    f"missing mask for image {image_path}: expected {mask_dir / stem}{suffix}.png"
                )
            paths.append(path)
        return paths


def _image_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()]


def _index(folder: Path) -> dict[str, Path]:
    """stem → file, preferring extensions in the order of IMAGE_EXTENSIONS."""
    index: dict[str, Path] = {}
    rank = {ext: i for i, ext in enumerate(IMAGE_EXTENSIONS)}
    for path in sorted(_image_files(folder), key=lambda p: rank[p.suffix.lower()]):
        index.setdefault(path.stem, path)
    return index


def _strip_extension(entry: str) -> str:
    path = Path(entry)
    return path.stem if path.suffix.lower() in IMAGE_EXTENSIONS else entry


def _check_rescaled(
    image_path: Path, image_size: tuple[int, int], mask_path: Path, mask: np.ndarray
) -> None:
    """Accept a mask that is the image at another scale (to a pixel); reject anything else."""
    height, width = image_size
    mask_height, mask_width = mask.shape
    if abs(mask_width * height / mask_height - width) > 1 or (
        abs(mask_height * width / mask_width - height) > 1
    ):
        raise ValueError(
            f"image/mask size mismatch: {image_path} is {width}x{height} but its mask "
            f"{mask_path} is {mask_width}x{mask_height} (W x H)"
        )


def _fit_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``mask`` resized to ``(H, W)`` = ``size`` (``mask`` itself when it already fits)."""
    height, width = size
    if mask.shape == (height, width):
        return mask
    # INTER_NEAREST_EXACT samples like PIL's NEAREST, which the released code uses.
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST_EXACT)


def _count_targets(mask: np.ndarray) -> int:
    """8-connected targets of a 0/1 mask, labelled as the Pd/Fa metrics label them."""
    return int(component_stats(mask.view(bool)).area.size)
