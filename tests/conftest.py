"""Shared fixtures: the ground-truth folder ../shared and small models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from hub_server import LocalHub, serve_hub

from gglnet.models import loading

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


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHub]:
    """A Hub on 127.0.0.1 (``HF_ENDPOINT``, private cache), no ``GGLNET_WEIGHTS_DIR`` and an
    empty checkout ``weights/`` folder, so that named weights can only come from this Hub."""
    monkeypatch.delenv("GGLNET_WEIGHTS_DIR", raising=False)
    checkout = tmp_path / "checkout_weights"
    monkeypatch.setattr(loading, "checkout_weights_dir", lambda: checkout)
    with serve_hub(tmp_path, monkeypatch) as served:
        yield served
