"""The core: GGL-Net's architectures, their weights tables, and the one weight loader.

Nothing here imports anything above it (``gglnet.hub``, ``gglnet.integrations``,
``gglnet.inference``, ``gglnet.training``, ``gglnet.cli``); see docs/architecture.md.

- :mod:`~gglnet.models.config`: :class:`GGLNetConfig`, every architectural option.
- :mod:`~gglnet.models.gglnet`: :class:`GGLNet`, its variants and ``PRETRAINED_CFGS``.
- :mod:`~gglnet.models.registry`: names, ``arch`` and ``arch.tag``.
- :mod:`~gglnet.models.pretrained`: :class:`PretrainedCfg`.
- :mod:`~gglnet.models.loading`: published name, folder or file → tensors (sha256 checked).
- :mod:`~gglnet.models.folders`: Hub-layout folders on disk and on the Hub.
- :mod:`~gglnet.models.checkpoint`: weight files and strict, checked loading.
- :mod:`~gglnet.models.official`: the authors' checkpoint key names.
- :mod:`~gglnet.models.factory`: :func:`create_model`, :func:`load_model`.
"""

from gglnet.models.checkpoint import load_state_dict_file, load_weights
from gglnet.models.config import GGLNetConfig
from gglnet.models.factory import create_model, load_model
from gglnet.models.gglnet import PRETRAINED_CFGS, GGLNet
from gglnet.models.loading import WEIGHTS_DIR_ENV, read_state_dict
from gglnet.models.official import convert_official_state_dict
from gglnet.models.pretrained import PretrainedCfg
from gglnet.models.registry import (
    Architecture,
    get_architecture,
    get_pretrained_cfg,
    get_weights_config,
    list_models,
    register_model,
    register_pretrained,
    split_model_name,
)

__all__ = [
    "PRETRAINED_CFGS",
    "WEIGHTS_DIR_ENV",
    "Architecture",
    "GGLNet",
    "GGLNetConfig",
    "PretrainedCfg",
    "convert_official_state_dict",
    "create_model",
    "get_architecture",
    "get_pretrained_cfg",
    "get_weights_config",
    "list_models",
    "load_model",
    "load_state_dict_file",
    "load_weights",
    "read_state_dict",
    "register_model",
    "register_pretrained",
    "split_model_name",
]
