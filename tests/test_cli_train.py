"""``gglnet train``: the command line over gglnet.training.fit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gglnet.cli import main
from gglnet.training.log import read_records

TINY = ["--data", "synthetic", "--size", "32", "--synthetic-scenes", "4", "--batch-size", "2",
        "--val-fraction", "0.25", "--workers", "0", "--model-option", "widths=[8,16]",
        "--quiet"]  # fmt: skip


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--time-budget MINUTES" in text and "--resume" in text and "idx_320" in text


def test_train_resume_and_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    config = json.loads((out / "train_config.json").read_text())
    assert config["model_options"] == {"widths": [8, 16]} and config["size"] == 32
    assert (out / "best" / "model.safetensors").is_file()

    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 1
    assert "exists and is not empty" in capsys.readouterr().err

    assert main(["train", *TINY, "--epochs", "2", "--out", str(out), "--resume"]) == 0
    assert [r["epoch"] for r in read_records(out / "log.jsonl")] == [1, 2]


def test_model_config_json_and_bad_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_config = tmp_path / "model.json"
    model_config.write_text(json.dumps({"widths": [8, 16], "fusion": "add"}))
    args = [a for a in TINY if a not in ("--model-option", "widths=[8,16]")]
    out = tmp_path / "run"
    assert (
        main(["train", *args, "--epochs", "1", "--model", str(model_config), "--out", str(out)])
        == 0
    )
    assert json.loads((out / "train_config.json").read_text())["model_options"] == {
        "widths": [8, 16],
        "fusion": "add",
    }
    assert main(["train", *TINY, "--model-option", "widths", "--out", str(tmp_path / "x")]) == 1
    assert "KEY=VALUE" in capsys.readouterr().err
