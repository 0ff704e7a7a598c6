"""Shared fixtures: the ground-truth folder ../shared and small models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

SHARED = Path(os.environ.get("GGLNET_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared (or $GGLNET_SHARED); skips the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"ground truth not available: {path} is missing (set GGLNET_SHARED)")
    return path


@pytest.fixture
def shared() -> type[Path]:
    """Call as ``shared("reference", "metrics_example")``; skips when ../shared is absent."""
    return shared_path  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
