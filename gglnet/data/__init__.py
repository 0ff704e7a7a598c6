"""Data: image reading, datasets, augmentation and synthetic infrared scenes."""

from gglnet.data.image import image_to_tensor, read_image

__all__ = ["image_to_tensor", "read_image"]
