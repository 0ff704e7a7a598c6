"""Integrations with other libraries, registered explicitly by ``import gglnet``.

- :mod:`gglnet.integrations.timm`: every architecture and every published weight of gglnet is
  a timm model (``timm.create_model("gglnet.sirst", pretrained=True)``), loading through
  gglnet's own loader.
"""

from __future__ import annotations

import importlib.util

__all__ = ["register_integrations"]


def register_integrations() -> None:
    """Register gglnet's names with each installed library (timm); called by ``import gglnet``."""
    if importlib.util.find_spec("timm") is not None:
        from gglnet.integrations import timm as timm_integration

        timm_integration.register()
