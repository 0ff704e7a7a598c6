"""gglnet.demo and ``gglnet demo``: the README's main job."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch import nn

import gglnet
from gglnet.cli import main
from gglnet.data.synthetic import SPLIT_SEEDS, make_scene
from gglnet.demo import run_demo


class _Oracle(nn.Module):
    """Logits that are high exactly on the scene's true targets (a perfect detector)."""

    def __init__(self, mask: np.ndarray) -> None:
        super().__init__()
        self.config = gglnet.GGLNetConfig()
        self.register_buffer("mask", torch.from_numpy(mask.astype(np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.mask * 20 - 10).expand(x.shape[0], 1, *self.mask.shape)


def test_perfect_detector_finds_every_target(tmp_path: Path) -> None:
    _, mask = make_scene(64, (SPLIT_SEEDS["test"], 3))
    result = run_demo(tmp_path, _Oracle(mask), scene=3, size=64, device="cpu")
    assert len(result.truth) >= 1
    assert result.n_found == len(result.truth) == len(result.detections)
    assert result.n_false == 0
    written = json.loads((tmp_path / "detections.json").read_text())
    assert written["found"] == len(result.truth)
    assert all(d["true_target"] for d in written["detections"])
    overlay = cv2.imread(str(tmp_path / "overlay.png"))
    assert overlay.shape == (64, 64, 3)
    scene = cv2.imread(str(tmp_path / "scene.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(scene, result.scene)


def test_detections_away_from_targets_are_false_alarms(tmp_path: Path) -> None:
    _, mask = make_scene(64, (SPLIT_SEEDS["test"], 0))
    wrong = np.zeros_like(mask)
    wrong[0:2, 0:2] = 1  # the generator keeps targets 6 px from the border
    result = run_demo(tmp_path, _Oracle(wrong), scene=0, size=64, device="cpu")
    assert result.n_found == 0 and result.n_false == 1


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16))
    run_demo(tmp_path, model, size=32, device="cpu")
    before = (tmp_path / "scene.png").stat().st_mtime_ns
    with pytest.raises(FileExistsError, match="overwrite"):
        run_demo(tmp_path, model, size=32, device="cpu")
    assert (tmp_path / "scene.png").stat().st_mtime_ns == before
    run_demo(tmp_path, model, size=32, device="cpu", overwrite=True)


def test_cli_prints_detections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_dir = tmp_path / "model"
    gglnet.create_model("gglnet", widths=(8, 16)).save_pretrained(model_dir)
    out = tmp_path / "demo"
    args = ["demo", "--model", str(model_dir), "--out", str(out), "--size", "32"]
    assert main([*args, "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "synthetic test scene 0" in printed and "overlay.png" in printed
    assert main([*args, "--device", "cpu"]) == 1
    assert "--overwrite" in capsys.readouterr().err


@pytest.mark.parametrize("scene", [0, 3])
def test_shipped_weights_find_the_targets_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scene: int
) -> None:
    # The demo's weights come from the checkout's weights/ folder: no Hub, no cache.
    monkeypatch.delenv("GGLNET_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    result = run_demo(tmp_path / "demo", scene=scene, device="cpu")
    # Measured on scenes 0-7: every target found, no false alarm.
    assert result.n_found == len(result.truth) >= 2
    assert result.n_false == 0
    assert all(d.peak_score is not None and d.peak_score > 0.9 for d in result.detections)


def test_shipped_card_reports_the_registered_metrics() -> None:
    from huggingface_hub import ModelCard

    cfg = gglnet.get_pretrained_cfg("gglnet.synthetic")
    card = ModelCard.load(
        Path(__file__).resolve().parents[1] / "weights/gglnet.synthetic/README.md"
    )
    measured = {
        r.metric_type: r.metric_value
        for r in card.data.eval_results
        if r.dataset_name == cfg.dataset
        and r.dataset_split == cfg.split
        and r.metric_args["input_size"] == list(cfg.input_size)
    }
    assert set(measured) == set(cfg.metrics)
    for key, value in cfg.metrics.items():
        assert measured[key] == pytest.approx(value, rel=1e-3, abs=1e-7)
