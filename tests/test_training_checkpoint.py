"""gglnet.training.checkpoint: atomic checkpoint, model export and JSON files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

import gglnet
from gglnet.training.checkpoint import (
    export_model,
    get_rng_state,
    load_checkpoint,
    save_checkpoint,
    set_rng_state,
    write_json,
)


def test_checkpoint_round_trip_with_weights_only(tmp_path: Path) -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16))
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.rand(1, 3, 16, 16)).mean().backward()
    optimizer.step()
    state = {
        "epoch": 3,
        "best_iou": -math.inf,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "rng": get_rng_state(),
    }
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, state)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]  # no temporary left
    loaded = load_checkpoint(path)
    assert loaded["epoch"] == 3 and loaded["best_iou"] == -math.inf
    assert torch.equal(loaded["model"]["head.2.weight"], model.state_dict()["head.2.weight"])
    torch.optim.Adam(model.parameters()).load_state_dict(loaded["optimizer"])


def test_rng_state_restores_draws() -> None:
    state = get_rng_state()
    first = torch.rand(3)
    set_rng_state(state)
    assert torch.equal(torch.rand(3), first)


def test_unreadable_checkpoint_is_named(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"cannot read checkpoint .*checkpoint\.pt"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_export_model_replaces_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "best"
    target.mkdir()
    (target / "stale.bin").write_text("old")
    model = gglnet.create_model("gglnet", widths=(8, 16))
    export_model(model, target)
    assert {"config.json", "model.safetensors"} <= {p.name for p in target.iterdir()}
    assert not (target / "stale.bin").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best"]
    assert gglnet.load_model(target).config.widths == (8, 16)


def test_write_json_turns_nan_into_null(tmp_path: Path) -> None:
    write_json(tmp_path / "s.json", {"pd": math.nan, "fa": [1.0, math.inf], "n": 2})
    assert json.loads((tmp_path / "s.json").read_text()) == {"pd": None, "fa": [1.0, None], "n": 2}
