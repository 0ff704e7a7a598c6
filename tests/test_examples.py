"""The examples run and do what they say."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_guided_unet_shapes() -> None:
    unet = _load("tgfm_in_unet").GuidedUNet()
    assert unet(torch.rand(2, 1, 32, 48)).shape == (2, 1, 32, 48)


@pytest.mark.slow
def test_guided_unet_learns_blobs() -> None:
    losses = _load("tgfm_in_unet").train(steps=45)
    assert losses[-1] < 0.5 * losses[0]
