"""``gglnet train``: the command line over gglnet.training.fit."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gglnet.cli import build_parser, main
from gglnet.cli.train import field_docs
from gglnet.training import TrainConfig
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


def test_every_config_field_is_an_option_with_its_doc(capsys: pytest.CaptureFixture[str]) -> None:
    docs = field_docs(TrainConfig)
    fields = [f.name for f in dataclasses.fields(TrainConfig)]
    assert set(docs) == set(fields), "every TrainConfig field needs a description"
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in fields:
        flag = {"out_dir": "--out", "model_options": "--model-option"}.get(
            name, "--" + name.replace("_", "-")
        )
        assert flag in text, name
        assert " ".join(docs[name].split()[:4]) in text, name


def test_options_reach_the_config(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["--epochs", "1", "--schedule", "cosine", "--warmup-epochs", "0.5", "--min-lr", "0",
            "--bce-weight", "0.5", "--bce-epochs", "none", "--ema-decay", "0.9",
            "--precision", "fp32", "--channels-last", "--no-augment",
            "--loss-reduction", "batch", "--eval-size", "48", "--out", str(out)]  # fmt: skip
    assert main(["train", *TINY, *args]) == 0
    config = json.loads((out / "train_config.json").read_text())
    assert config["schedule"] == "cosine" and config["warmup_epochs"] == 0.5
    assert config["bce_weight"] == 0.5 and config["bce_epochs"] is None
    assert config["ema_decay"] == 0.9 and config["precision"] == "fp32"
    assert config["loss_reduction"] == "batch" and config["eval_size"] == 48
    assert config["channels_last"] is True and config["augment"] is False
    assert (out / "best_ema" / "model.safetensors").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "big"], "expected int or none, got 'big'"),
        (["--schedule", "step"], "invalid choice: 'step'"),
        (["--loss-reduction", "mean"], "invalid choice: 'mean'"),
        (["--epochs", "none"], "expected int, got 'none'"),
        (["--eval-size", "big"], "expected int or 'train' or none, got 'big'"),
    ],
)
def test_bad_option_values(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *TINY, *args, "--out", str(tmp_path / "run")])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "expected"), [("train", "train"), ("none", None), ("native", None), ("48", 48)]
)
def test_eval_size_values(value: str, expected: int | str | None) -> None:
    args = build_parser().parse_args(["train", "--data", "d", "--out", "o", "--eval-size", value])
    assert args.eval_size == expected
    assert build_parser().parse_args(["train", "--data", "d", "--out", "o"]).eval_size == "train"


def test_sigterm_stops_like_ctrl_c_and_exports_last(tmp_path: Path) -> None:
    """A background run is stopped with ``kill PID``: it keeps its checkpoint, exports last/."""
    out = tmp_path / "run"
    loud = [option for option in TINY if option != "--quiet"]
    command = [sys.executable, "-m", "gglnet", "train", *loud, "--epochs", "100000",
               "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "log.jsonl").is_file() or not read_records(out / "log.jsonl"):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "no epoch finished within 120 s"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert (out / "last" / "model.safetensors").is_file()
    assert "--resume" in err
    done = len(read_records(out / "log.jsonl"))
    assert done >= 1 and f"holds epoch {done}/100000" in err
