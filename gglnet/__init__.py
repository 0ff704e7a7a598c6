"""gglnet: GGL-Net (Gradient-Guided Learning Network) for infrared small target detection.

Example:
    >>> import gglnet, torch
    >>> model = gglnet.create_model("gglnet").eval()
    >>> prob = torch.sigmoid(model(torch.rand(1, 3, 64, 64)))
"""

from gglnet import blocks, losses, metrics
from gglnet.gradient import GradientMagnitude, gradient_magnitude
from gglnet.inference import Predictor, optimize_for_inference
from gglnet.models import (
    GGLNet,
    GGLNetConfig,
    PretrainedCfg,
    convert_official_state_dict,
    create_model,
    get_pretrained_cfg,
    get_weights_config,
    list_models,
    load_model,
)

__version__ = "0.1.0"

__all__ = [
    "GGLNet",
    "GGLNetConfig",
    "GradientMagnitude",
    "Predictor",
    "PretrainedCfg",
    "__version__",
    "blocks",
    "convert_official_state_dict",
    "create_model",
    "get_pretrained_cfg",
    "get_weights_config",
    "gradient_magnitude",
    "list_models",
    "load_model",
    "losses",
    "metrics",
    "optimize_for_inference",
]

# gglnet's names become timm models (gglnet/integrations/timm.py) when timm is installed.
from gglnet.integrations import register_integrations as _register_integrations

_register_integrations()
