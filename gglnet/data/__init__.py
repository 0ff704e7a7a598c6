"""Data: image reading, datasets, augmentation and synthetic infrared scenes.

- :mod:`~gglnet.data.image`: reading images and masks, conversion to model input.
- :mod:`~gglnet.data.dataset`: :class:`IRSTDDataset` for SIRST, NUDT-SIRST, IRSTD-1k and
  plain folders.
- :mod:`~gglnet.data.splits`: split lists (reading, resolving names, cutting, shipped lists).
- :mod:`~gglnet.data.augment`: the recipe's augmentation policy.
- :mod:`~gglnet.data.crop`: random training crops, a share centred on targets.
- :mod:`~gglnet.data.rescale`: random rescaling of training samples (learning across scales).
- :mod:`~gglnet.data.edge_pad`: samples padded at the bottom and right, as inference pads.
- :mod:`~gglnet.data.synthetic`: synthetic infrared-like scenes with exact masks.
"""

from gglnet.data.augment import Augment
from gglnet.data.crop import random_crop
from gglnet.data.dataset import IRSTDDataset, MaskCheck, detect_layout
from gglnet.data.edge_pad import random_edge_pad
from gglnet.data.image import image_to_tensor, read_image, read_mask
from gglnet.data.rescale import random_rescale
from gglnet.data.splits import cut_split, read_split, resolve_split, write_split
from gglnet.data.synthetic import SyntheticDataset, make_scene, write_synthetic_dataset

__all__ = [
    "Augment",
    "IRSTDDataset",
    "MaskCheck",
    "SyntheticDataset",
    "cut_split",
    "detect_layout",
    "image_to_tensor",
    "make_scene",
    "random_crop",
    "random_edge_pad",
    "random_rescale",
    "read_image",
    "read_mask",
    "read_split",
    "resolve_split",
    "write_split",
    "write_synthetic_dataset",
]
