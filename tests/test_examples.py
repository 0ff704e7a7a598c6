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


def test_detect_in_frames_finds_the_synthetic_targets() -> None:
    from gglnet.data.synthetic import SPLIT_SEEDS, make_scene
    from gglnet.metrics import find_components

    example = _load("detect_in_frames")
    found = example.detect_stream(example.synthetic_stream(n_frames=2, size=160))
    assert list(found) == ["synthetic-0", "synthetic-1"]
    for index, targets in enumerate(found.values()):
        _, mask = make_scene(160, (SPLIT_SEEDS["test"], index))
        truth = sorted(c.centroid for c in find_components(mask.astype(bool)))
        detected = sorted(t.centroid for t in targets)
        assert len(detected) == len(truth)
        for (ty, tx), (dy, dx) in zip(truth, detected, strict=True):
            assert (ty - dy) ** 2 + (tx - dx) ** 2 < 9


def test_detect_in_frames_reads_16_bit_files(tmp_path: Path) -> None:
    import cv2

    from gglnet.data.synthetic import SPLIT_SEEDS, make_scene

    image, _ = make_scene(100, (SPLIT_SEEDS["test"], 1))  # 100: not a multiple of 16
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), image.astype("uint16") * 257)
    example = _load("detect_in_frames")
    from_file = example.detect_stream(example.file_stream([str(path)]))[str(path)]
    from_array = example.detect_stream(iter([("a", image)]))["a"]
    assert len(from_file) >= 1
    assert [t.bbox for t in from_file] == [t.bbox for t in from_array]
