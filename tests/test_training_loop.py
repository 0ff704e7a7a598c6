"""gglnet.training.loop: fit, the run directory, resume, time budget, Ctrl-C, refusal to overwrite.

Every run here is a tiny model on a handful of 32x32 synthetic scenes on CPU.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

import gglnet
from gglnet.data import read_split, write_split, write_synthetic_dataset
from gglnet.training import TrainConfig, fit
from gglnet.training.checkpoint import load_checkpoint
from gglnet.training.log import read_records


def _config(out: Path, **overrides: Any) -> TrainConfig:
    options: dict[str, Any] = {
        "out_dir": str(out),
        "data": "synthetic",
        "size": 32,
        "synthetic_scenes": 6,
        "val_fraction": 0.34,
        "batch_size": 2,
        "epochs": 2,
        "model_options": {"widths": [8, 16]},
        "workers": 0,
        "quiet": True,
    }
    return TrainConfig(**(options | overrides))


def _without_seconds(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "seconds"} for record in records]


def _assert_same_run(a: Path, b: Path) -> None:
    """Same weights, optimizer state, best epoch and log (but the timings)."""
    ckpt_a, ckpt_b = load_checkpoint(a / "checkpoint.pt"), load_checkpoint(b / "checkpoint.pt")
    assert ckpt_a["model"].keys() == ckpt_b["model"].keys()
    for key, value in ckpt_a["model"].items():
        assert torch.equal(value, ckpt_b["model"][key]), key
    for index, state in ckpt_a["optimizer"]["state"].items():
        for name, value in state.items():
            assert torch.equal(value, ckpt_b["optimizer"]["state"][index][name]), (index, name)
    assert (ckpt_a["epoch"], ckpt_a["best_epoch"]) == (ckpt_b["epoch"], ckpt_b["best_epoch"])
    assert _without_seconds(read_records(a / "log.jsonl")) == _without_seconds(
        read_records(b / "log.jsonl")
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two epochs in one uninterrupted run."""
    out = tmp_path_factory.mktemp("reference") / "run"
    result = fit(_config(out))
    assert result.status == "completed" and result.epochs_done == 2
    return out


def test_run_directory_layout(reference: Path) -> None:
    assert {p.name for p in reference.iterdir()} == {
        "train_config.json",
        "log.jsonl",
        "checkpoint.pt",
        "best",
        "last",
        "summary.json",
    }
    records = read_records(reference / "log.jsonl")
    assert [r["epoch"] for r in records] == [1, 2]
    assert set(records[0]) == {
        "epoch", "loss", "val_iou", "val_niou", "val_pd", "val_fa", "lr", "seconds"
    }  # fmt: skip
    assert records[0]["lr"] == 1e-4
    assert json.loads((reference / "train_config.json").read_text()) == _config(reference).to_dict()
    summary = json.loads((reference / "summary.json").read_text())
    assert summary["best_epoch"] in (1, 2) and summary["epochs"] == 2
    assert set(summary["test"]) == {"best", "last"} and summary["test"]["last"]["n_images"] == 2
    last = gglnet.load_model(reference / "last")
    checkpoint = load_checkpoint(reference / "checkpoint.pt")
    assert last.config.widths == (8, 16)
    for key, value in last.state_dict().items():
        assert torch.equal(value, checkpoint["model"][key])


def test_time_budget_chunks_equal_one_run(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = fit(_config(out, time_budget=1e-6))  # stops after the one epoch that always runs
    assert (first.status, first.epochs_done) == ("time_budget", 1)
    assert "time budget" in first.message and "--resume" in first.message
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 1
    assert (out / "last" / "model.safetensors").is_file()
    assert not (out / "summary.json").exists()
    second = fit(_config(out, time_budget=1e-6, resume=True))
    assert (second.status, second.epochs_done) == ("completed", 2)
    assert len(second.history) == 2
    _assert_same_run(reference, out)


def test_ctrl_c_keeps_last_epoch_and_resume_is_exact(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"

    def interrupt(epoch: int, step: int, loss: float) -> None:
        if (epoch, step) == (2, 2):
            raise KeyboardInterrupt

    stopped = fit(_config(out), on_step=interrupt)
    assert (stopped.status, stopped.epochs_done) == ("interrupted", 1)
    assert "interrupted during epoch 2" in stopped.message
    checkpoint = load_checkpoint(out / "checkpoint.pt")
    assert checkpoint["epoch"] == 1 and len(read_records(out / "log.jsonl")) == 1
    for key, value in stopped.model.state_dict().items():  # the partial epoch is discarded
        assert torch.equal(value, checkpoint["model"][key])
    fit(_config(out, resume=True))
    _assert_same_run(reference, out)


def test_interrupt_before_first_epoch_saves_nothing(tmp_path: Path) -> None:
    def interrupt(epoch: int, step: int, loss: float) -> None:
        raise KeyboardInterrupt

    result = fit(_config(tmp_path / "run", epochs=1), on_step=interrupt)
    assert (result.status, result.epochs_done) == ("interrupted", 0)
    assert not (tmp_path / "run" / "checkpoint.pt").exists()
    with pytest.raises(ValueError, match="lr"):  # still checked against the saved config
        fit(_config(tmp_path / "run", epochs=1, resume=True, lr=1e-3))


def test_refuses_to_overwrite_an_existing_directory(reference: Path, tmp_path: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in reference.rglob("*")}
    with pytest.raises(FileExistsError, match=r"not empty; pass resume=True \(--resume\)"):
        fit(_config(reference))
    assert {p: p.stat().st_mtime_ns for p in reference.rglob("*")} == before
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        fit(_config(foreign))


def test_overwrite_restarts_and_keeps_foreign_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    fit(_config(out, epochs=1))
    (out / "keep.txt").write_text("mine")
    result = fit(_config(out, epochs=1, seed=1, overwrite=True))
    assert result.status == "completed" and (out / "keep.txt").read_text() == "mine"
    assert json.loads((out / "train_config.json").read_text())["seed"] == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"lr": 1e-3}, "lr: run has 0.0001, given 0.001"), ({"epochs": 1}, "epochs may only grow")],
)
def test_resume_with_other_options_fails(reference: Path, overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit(_config(reference, resume=True, **overrides))


def test_resume_with_other_data_fails(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "data", n=8, size=32)
    config = _config(tmp_path / "run", data=str(root), split="trainval", epochs=1, val_fraction=0.2)
    fit(config)
    write_split(root / "trainval.txt", read_split(root / "trainval.txt")[:4], overwrite=True)
    with pytest.raises(ValueError, match=r"the train.* data differ from the run's"):
        fit(TrainConfig(**(config.to_dict() | {"resume": True})))


def test_loss_falls_on_synthetic_data(tmp_path: Path) -> None:
    config = _config(
        tmp_path / "run", synthetic_scenes=12, batch_size=4, epochs=3, lr=1e-2, augment=False
    )
    losses = [record["loss"] for record in fit(config).history]
    assert losses[-1] < losses[0] - 0.1, losses
