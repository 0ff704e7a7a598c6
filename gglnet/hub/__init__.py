"""Pretrained weights on the Hugging Face Hub: resolution, sha256 checks, cards, timm.

- :mod:`gglnet.hub.serialization`: Hub-layout folders (``config.json`` + safetensors, sharded
  or not), used by ``GGLNet.save_pretrained`` / ``GGLNet.from_pretrained``.
- :mod:`gglnet.hub.download`: named weights (``create_model(name, pretrained=True)``): local
  folders first, then the Hub; sha256 checked before loading.
- :mod:`gglnet.hub.cards`: ``README.md`` model cards from evaluation JSON.
- :mod:`gglnet.hub.publish`: checking a release folder and pushing it (``gglnet hub push``).
- :mod:`gglnet.hub.timm_registry`: gglnet's names in timm's registry.
"""

from gglnet.hub.cards import Evaluation, model_card, read_evaluation
from gglnet.hub.download import (
    WEIGHTS_DIR_ENV,
    check_sha256,
    checkout_weights_dir,
    download_pretrained,
    file_sha256,
    find_pretrained,
    load_pretrained,
    local_weight_folders,
)
from gglnet.hub.publish import ReleaseFile, check_release_folder, push_folder
from gglnet.hub.serialization import (
    download_weights,
    read_config,
    read_weights,
    save_folder,
    weight_files,
)
from gglnet.hub.timm_registry import register_timm_models

__all__ = [
    "WEIGHTS_DIR_ENV",
    "Evaluation",
    "ReleaseFile",
    "check_release_folder",
    "check_sha256",
    "checkout_weights_dir",
    "download_pretrained",
    "download_weights",
    "file_sha256",
    "find_pretrained",
    "load_pretrained",
    "local_weight_folders",
    "model_card",
    "push_folder",
    "read_config",
    "read_evaluation",
    "read_weights",
    "register_timm_models",
    "save_folder",
    "weight_files",
]
