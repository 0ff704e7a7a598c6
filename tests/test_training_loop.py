"""gglnet.training.loop: fit, the run directory, resume, time budget, Ctrl-C, refusal to overwrite.

Every run here is a tiny model on a handful of 32x32 synthetic scenes on CPU.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import gglnet
from gglnet.data import read_split, write_split, write_synthetic_dataset
from gglnet.losses import soft_iou_loss
from gglnet.training import TrainConfig, fit, loop
from gglnet.training.checkpoint import load_checkpoint
from gglnet.training.log import append_record, read_records
from gglnet.training.loop import _init_from, train_step


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
        "epoch", "loss", "val_iou", "val_niou", "val_pd", "val_fa", "lr", "bce_weight", "seconds"
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
    [
        ({"lr": 1e-3}, "lr: run has 0.0001, given 0.001"),
        ({"epochs": 1}, "epochs may only grow"),
        ({"loss_reduction": "batch"}, "loss_reduction: run has"),
    ],
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


@pytest.fixture(scope="module")
def folder_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small dataset folder (64x64 scenes), for the options that need files: crops."""
    return write_synthetic_dataset(tmp_path_factory.mktemp("data") / "scenes", n=8, size=64)


def _budget_config(out: Path, data: Path, **overrides: Any) -> TrainConfig:
    """Every issue-12 option at once: native size, crops, cosine, BCE, EMA, channels-last."""
    options: dict[str, Any] = {
        "data": str(data),
        "split": "trainval",
        "test_split": "test",
        "size": None,
        "crop": 32,
        "val_fraction": 0.25,
        "schedule": "cosine",
        "warmup_epochs": 0.5,
        "min_lr": 1e-5,
        "lr": 1e-3,
        "bce_weight": 1.0,
        "bce_epochs": 1,
        "ema_decay": 0.9,
        "channels_last": True,
        "precision": "fp32",
    }
    return _config(out, **(options | overrides))


def test_budget_options_run_resume_exactly_and_export_ema(
    folder_data: Path, tmp_path: Path
) -> None:
    whole = fit(_budget_config(tmp_path / "whole", folder_data))
    assert whole.status == "completed"
    records = read_records(tmp_path / "whole" / "log.jsonl")
    assert [r["bce_weight"] for r in records] == [1.0, 0.0]
    assert records[0]["lr"] > records[1]["lr"] >= 1e-5  # the cosine falls
    assert {"ema_val_iou", "ema_val_niou", "ema_val_pd", "ema_val_fa"} <= set(records[0])
    summary = json.loads((tmp_path / "whole" / "summary.json").read_text())
    assert set(summary["test"]) == {"best", "best_ema", "last", "last_ema"}
    n_test = len(read_split(folder_data / "test.txt"))
    assert summary["test"]["last"]["n_images"] == n_test  # native-size test images
    ema = gglnet.load_model(tmp_path / "whole" / "last_ema")
    raw = gglnet.load_model(tmp_path / "whole" / "last")
    assert not torch.equal(ema.state_dict()["head.2.weight"], raw.state_dict()["head.2.weight"])

    chunked = tmp_path / "chunked"
    assert fit(_budget_config(chunked, folder_data, time_budget=1e-6)).status == "time_budget"
    fit(_budget_config(chunked, folder_data, resume=True))
    _assert_same_run(tmp_path / "whole", chunked)
    ema_a = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")["ema"]
    ema_b = load_checkpoint(chunked / "checkpoint.pt")["ema"]
    assert all(torch.equal(ema_a[k], ema_b[k]) for k in ema_a)


@pytest.mark.parametrize("reduction", ["sample", "batch"])
def test_train_step_takes_the_loss_reduction(reduction: str) -> None:
    torch.manual_seed(0)
    model = gglnet.create_model("gglnet", widths=[8, 16]).train()
    image = torch.rand(3, 3, 16, 16)
    mask = torch.zeros(3, 1, 16, 16)
    mask[0, 0, 2:4, 2:4] = 1
    mask[1, 0, 5:13, 5:13] = 1
    state = {k: v.clone() for k, v in model.state_dict().items()}
    expected = soft_iou_loss(model(image), mask, reduction=reduction).detach()
    model.load_state_dict(state)  # undo the batch-norm statistics of that forward pass
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    loss = train_step(model, optimizer, scaler, image, mask, loss_reduction=reduction)
    torch.testing.assert_close(loss, expected)
    other = "batch" if reduction == "sample" else "sample"
    assert not torch.allclose(loss, soft_iou_loss(model(image), mask, reduction=other))


def test_bf16_training_step_runs_on_cpu(tmp_path: Path) -> None:
    result = fit(_config(tmp_path / "run", epochs=1, precision="bf16"))
    assert result.status == "completed" and np.isfinite(result.history[0]["loss"])
    for value in result.model.state_dict().values():
        assert value.dtype != torch.bfloat16  # autocast: the weights stay float32


def test_init_from_loads_weights_and_starts_a_new_run(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    # A learning rate so small that one epoch leaves the loaded weights as they were.
    result = fit(_config(out, epochs=1, lr=1e-12, init_from=str(reference / "last")))
    assert result.epochs_done == 1 and [r["epoch"] for r in result.history] == [1]
    loaded = dict(gglnet.load_model(reference / "last").named_parameters())
    trained = dict(result.model.named_parameters())  # (BatchNorm statistics move regardless)
    for key, value in loaded.items():
        assert torch.allclose(trained[key], value, atol=1e-8), key
    fresh = fit(_config(tmp_path / "fresh", epochs=1, lr=1e-12)).model.state_dict()
    assert not torch.allclose(fresh["head.2.weight"], loaded["head.2.weight"])


def test_init_from_a_missing_source_fails_before_training(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such model file or folder"):
        fit(_config(tmp_path / "run", init_from=str(tmp_path / "nothing" / "best")))
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


@pytest.fixture(scope="module")
def reflect_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny weights that pad frames with a reflection."""
    folder = tmp_path_factory.mktemp("reflect") / "best"
    gglnet.create_model("gglnet", widths=(8, 16), pad_mode="reflect").save_pretrained(folder)
    return folder


def test_init_from_weights_of_another_pad_mode_needs_it_named(reflect_weights: Path) -> None:
    model = gglnet.create_model("gglnet", widths=(8, 16))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(
        ValueError,
        match=r"pads frames with 'reflect', this run's model with 'zeros': add "
        r"--model-option pad_mode=reflect to keep it \(or pad_mode=zeros to retrain it",
    ):
        _init_from(model, str(reflect_weights), pad_mode_given=False)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())  # nothing loaded
    _init_from(model, str(reflect_weights), pad_mode_given=True)  # retrained for zeros
    loaded = gglnet.load_model(reflect_weights).state_dict()
    assert all(torch.equal(v, loaded[k]) for k, v in model.state_dict().items())
    same = gglnet.create_model("gglnet", widths=(8, 16), pad_mode="reflect")
    _init_from(same, str(reflect_weights), pad_mode_given=False)


def test_fit_refuses_init_weights_of_another_pad_mode(
    reflect_weights: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="--model-option pad_mode=reflect"):
        fit(_config(tmp_path / "run", epochs=1, init_from=str(reflect_weights)))
    assert not (tmp_path / "run" / "checkpoint.pt").exists()
    options = {"widths": [8, 16], "pad_mode": "reflect"}
    result = fit(
        _config(tmp_path / "kept", epochs=1, init_from=str(reflect_weights), model_options=options)
    )
    assert result.status == "completed" and result.model.config.pad_mode == "reflect"
    assert gglnet.load_model(tmp_path / "kept" / "last").config.pad_mode == "reflect"


def test_edge_pad_trains_on_a_folder(folder_data: Path, tmp_path: Path) -> None:
    config = _budget_config(
        tmp_path / "run", folder_data, epochs=1, edge_pad=1.0,
        model_options={"widths": [8, 16], "pad_mode": "reflect"},
    )  # fmt: skip
    result = fit(config)
    assert result.status == "completed" and np.isfinite(result.history[0]["loss"])
    saved = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert saved["edge_pad"] == 1.0 and saved["model_options"]["pad_mode"] == "reflect"
    assert gglnet.load_model(tmp_path / "run" / "best").config.pad_mode == "reflect"


def test_stop_between_log_record_and_checkpoint_waits_for_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C or SIGTERM right after an epoch's log record: the epoch is still saved whole."""
    out = tmp_path / "run"

    def append_then_stop(path: Path, record: dict[str, Any]) -> None:
        append_record(path, record)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(loop, "append_record", append_then_stop)
    stopped = fit(_config(out, epochs=3, ema_decay=0.9))
    assert (stopped.status, stopped.epochs_done) == ("interrupted", 1)
    assert "holds epoch 1/3" in stopped.message
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 1
    assert [r["epoch"] for r in read_records(out / "log.jsonl")] == [1]
    assert [r["epoch"] for r in stopped.history] == [1]
    for folder in ("best", "best_ema", "last", "last_ema"):
        assert (out / folder / "model.safetensors").is_file(), folder
