"""GGL-Net models: the network, its config, the variant registry and weight loading."""

from gglnet.models.checkpoint import load_state_dict_file, load_weights
from gglnet.models.config import GGLNetConfig
from gglnet.models.factory import create_model, load_model
from gglnet.models.gglnet import GGLNet
from gglnet.models.official import convert_official_state_dict
from gglnet.models.registry import ModelEntry, get_model_entry, list_models, register_model

__all__ = [
    "GGLNet",
    "GGLNetConfig",
    "ModelEntry",
    "convert_official_state_dict",
    "create_model",
    "get_model_entry",
    "list_models",
    "load_model",
    "load_state_dict_file",
    "load_weights",
    "register_model",
]
