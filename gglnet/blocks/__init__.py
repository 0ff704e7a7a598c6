"""Reusable GGL-Net building blocks, importable into any network.

The data path of GGL-Net reads top to bottom through these modules: gradient image
(:mod:`gglnet.gradient`) → encoder blocks (:mod:`.residual`) + :class:`GSM` → :class:`LCL` →
:class:`TGFM` → head.
"""

from gglnet.blocks.attention import ChannelAttention, SpatialAttention, SqueezeExcitation
from gglnet.blocks.gsm import GSM, GBlock, GuidedResidual
from gglnet.blocks.layers import ConvNormAct
from gglnet.blocks.lcl import LCL
from gglnet.blocks.residual import DownResBlock, ResBlock, SEResBlock
from gglnet.blocks.tgfm import TGFM

__all__ = [
    "GSM",
    "LCL",
    "TGFM",
    "ChannelAttention",
    "ConvNormAct",
    "DownResBlock",
    "GBlock",
    "GuidedResidual",
    "ResBlock",
    "SEResBlock",
    "SpatialAttention",
    "SqueezeExcitation",
]
