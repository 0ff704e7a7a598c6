"""fit: train a GGL-Net variant by the paper's recipe, with validation, checkpoints and resume.

Run directory (``TrainConfig.out_dir``):

- ``train_config.json``: the run's :class:`TrainConfig`;
- ``log.jsonl``: one JSON object per completed epoch (``epoch``, ``loss``, ``val_iou``,
  ``val_niou``, ``val_pd``, ``val_fa`` — ``null`` when not validated that epoch — ``lr``,
  ``seconds``);
- ``checkpoint.pt``: everything needed to continue bit-for-bit (model, optimizer, gradient
  scaler, completed epochs, best epoch, torch RNG states, config, data fingerprints),
  rewritten after every epoch;
- ``best/`` and ``last/``: ``save_pretrained`` exports (``config.json``,
  ``model.safetensors``) of the best validated epoch and of the last completed one;
- ``summary.json``: written when all epochs are done: best epoch, validation and test
  metrics of ``best`` and ``last``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gglnet.evaluation import evaluate
from gglnet.losses import SoftIoULoss
from gglnet.models import create_model
from gglnet.models.checkpoint import load_state_dict_file, load_weights
from gglnet.training.checkpoint import (
    export_model,
    get_rng_state,
    load_checkpoint,
    save_checkpoint,
    set_rng_state,
    write_json,
)
from gglnet.training.config import TrainConfig
from gglnet.training.data import RunData, build_datasets
from gglnet.training.log import append_record, truncate_records

__all__ = ["RUN_FILES", "TrainResult", "fit"]

CONFIG_FILE = "train_config.json"
LOG_FILE = "log.jsonl"
CHECKPOINT_FILE = "checkpoint.pt"
SUMMARY_FILE = "summary.json"
BEST_DIR = "best"
LAST_DIR = "last"
RUN_FILES: tuple[str, ...] = (
    CONFIG_FILE,
    LOG_FILE,
    CHECKPOINT_FILE,
    SUMMARY_FILE,
    BEST_DIR,
    LAST_DIR,
)
"""What a run writes in its directory; ``overwrite`` deletes these (and their ``.tmp``) only."""

Status = Literal["completed", "time_budget", "interrupted"]
StepCallback = Callable[[int, int, float], None]


@dataclass
class TrainResult:
    """What :func:`fit` did.

    Attributes:
        run_dir: the run directory.
        status: ``"completed"`` (all epochs done), ``"time_budget"`` (stopped at an epoch
            boundary to stay within the budget) or ``"interrupted"`` (Ctrl-C).
        epochs_done: completed epochs, all saved in the checkpoint.
        best_epoch: the epoch exported to ``best/`` (``None`` before any validation).
        history: the ``log.jsonl`` records.
        test: test metrics ``{"best": {...}, "last": {...}}`` when completed with a test set.
        model: the model of the last completed epoch, in eval mode.
        message: one line saying how the run ended and what to do next.
    """

    run_dir: Path
    status: Status
    epochs_done: int
    best_epoch: int | None
    history: list[dict[str, Any]]
    test: dict[str, dict[str, Any]] | None
    model: nn.Module
    message: str


def fit(config: TrainConfig, *, on_step: StepCallback | None = None) -> TrainResult:
    """Train by ``config`` (defaults: the paper's recipe, SPEC §10).

    Every epoch: one pass over the shuffled, augmented training set (Adam, softIoU loss,
    float16 AMP on CUDA), then validation with :class:`gglnet.metrics.IRSTDMetrics` at
    threshold 0.5. The best epoch is the one with the highest validation IoU (ties keep the
    earlier epoch); the test split is evaluated only after the last epoch, for ``best`` and
    ``last``, and never chooses anything.

    Reproducibility: ``seed`` fixes the initialisation, each epoch's data order (a generator
    seeded by ``(seed, epoch)``) and each sample's augmentation (``(seed, epoch, index)``),
    so results do not depend on ``workers``, and resuming from a checkpoint continues exactly
    as an uninterrupted run would (bit-for-bit on CPU; on CUDA as far as its kernels are
    deterministic).

    Stopping: with ``time_budget`` the run stops after the last epoch that leaves room for
    another one as long as the longest so far (at least one epoch runs). Ctrl-C (a
    ``KeyboardInterrupt``, also when raised by ``on_step``) discards the unfinished epoch:
    the checkpoint of the last completed epoch is already on disk and ``last/`` is exported
    from it. Either way, the same config with ``resume=True`` continues.

    Args:
        config: the run.
        on_step: called after every optimizer step with ``(epoch, step, loss)``.

    Returns:
        A :class:`TrainResult`.

    Raises:
        FileExistsError: ``out_dir`` holds files and neither ``resume`` nor ``overwrite``.
        ValueError: ``resume`` with options that differ from the run's, other data, a bad
            device or AMP setting; bad data (the message names the file).
        FloatingPointError: the loss became NaN or infinite (the last checkpoint is kept).
    """
    start = time.monotonic()
    run_dir = Path(config.out_dir)
    say = _Reporter(config.quiet)
    checkpoint = _check_run_dir(run_dir, config)
    device = _device(config.device)
    amp = device.type == "cuda" if config.amp is None else config.amp
    if amp and device.type != "cuda":
        raise ValueError(f"AMP needs a CUDA device; training runs on {device}")
    data = build_datasets(config)
    if checkpoint is not None and checkpoint["data"] != data.fingerprints:
        changed = sorted(
            k for k in data.fingerprints if checkpoint["data"].get(k) != data.fingerprints[k]
        )
        raise ValueError(
            f"cannot resume {run_dir}: the {', '.join(changed)} data differ from the run's "
            "(other images or splits)"
        )
    if config.overwrite:
        _delete_run_files(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(config.seed)
    model = create_model(config.model, **config.model_options).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    done, best_epoch, best_iou = 0, None, -math.inf
    write_json(run_dir / CONFIG_FILE, config.to_dict())  # resuming may have raised epochs
    if checkpoint is None:
        (run_dir / LOG_FILE).unlink(missing_ok=True)
        history: list[dict[str, Any]] = []
    else:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        if checkpoint["scaler"]:
            scaler.load_state_dict(checkpoint["scaler"])
        set_rng_state(checkpoint["rng"])
        done, best_epoch, best_iou = (
            checkpoint["epoch"],
            checkpoint["best_epoch"],
            checkpoint["best_iou"],
        )
        history = truncate_records(run_dir / LOG_FILE, done)
        say(f"resuming {run_dir} after epoch {done}/{config.epochs}")

    workers = config.workers if config.workers is not None else min(8, (os.cpu_count() or 2) // 2)
    trainer = _EpochRunner(model, optimizer, scaler, device, amp, workers, config, on_step)
    longest = 0.0
    status: Status = "completed"
    try:
        for epoch in range(done + 1, config.epochs + 1):
            epoch_start = time.monotonic()
            record: dict[str, Any] = {"epoch": epoch, "loss": trainer.train(data.train, epoch)}
            if epoch % config.eval_interval == 0 or epoch == config.epochs:
                val = trainer.evaluate(data.val)
                record |= {f"val_{k}": val[k] for k in ("iou", "niou", "pd", "fa")}
                if val["iou"] > best_iou:
                    best_epoch, best_iou = epoch, val["iou"]
                    export_model(model, run_dir / BEST_DIR)
            else:
                record |= dict.fromkeys(("val_iou", "val_niou", "val_pd", "val_fa"))
            record["lr"] = optimizer.param_groups[0]["lr"]
            record["seconds"] = time.monotonic() - epoch_start
            append_record(run_dir / LOG_FILE, record)
            save_checkpoint(
                run_dir / CHECKPOINT_FILE,
                {
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scaler": scaler.state_dict(),
                    "best_epoch": best_epoch,
                    "best_iou": best_iou,
                    "rng": get_rng_state(),
                    "config": config.to_dict(),
                    "data": data.fingerprints,
                },
            )
            history.append(record)
            done = epoch
            longest = max(longest, record["seconds"])
            say(_describe(record, config.epochs, best_epoch))
            elapsed = time.monotonic() - start
            if (
                config.time_budget
                and done < config.epochs
                and elapsed + longest > config.time_budget * 60
            ):
                status = "time_budget"
                break
    except KeyboardInterrupt:
        status = "interrupted"

    if done == 0:
        message = "interrupted before the first epoch finished; nothing was saved"
        say(message)
        return TrainResult(run_dir, status, 0, None, history, None, model.eval(), message)
    if status == "interrupted":
        model.load_state_dict(load_checkpoint(run_dir / CHECKPOINT_FILE)["model"])
    export_model(model, run_dir / LAST_DIR)
    test = None
    if status == "completed":
        test = _finish(run_dir, config, data, trainer, history, best_epoch)
    message = _ending(status, done, config, time.monotonic() - start, longest)
    say(message)
    return TrainResult(run_dir, status, done, best_epoch, history, test, model.eval(), message)


class _EpochRunner:
    """One epoch of training, and validation, with the run's fixed settings."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        scaler: torch.amp.GradScaler,
        device: torch.device,
        amp: bool,
        workers: int,
        config: TrainConfig,
        on_step: StepCallback | None,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.scaler = scaler
        self.device = device
        self.amp = amp
        self.workers = workers
        self.config = config
        self.on_step = on_step
        self.criterion = SoftIoULoss()

    def train(self, dataset: Dataset, epoch: int) -> float:
        """Train one epoch; returns the mean loss over its samples."""
        config = self.config
        seed = int(np.random.SeedSequence((config.seed, epoch)).generate_state(1)[0])
        order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))
        dataset.set_epoch(epoch)
        loader = DataLoader(
            dataset,
            batch_size=config.batch_size,
            sampler=order.tolist(),
            num_workers=self.workers,
            pin_memory=self.device.type == "cuda",
            worker_init_fn=_worker_init if self.workers else None,
            generator=torch.Generator().manual_seed(seed),
        )
        self.model.train()
        total = torch.zeros((), device=self.device)
        count = 0
        bar = tqdm(
            loader,
            desc=f"epoch {epoch}/{config.epochs}",
            leave=False,
            disable=True if config.quiet else None,
        )
        for step, batch in enumerate(bar, 1):
            image = batch["image"].to(self.device, non_blocking=True)
            mask = batch["mask"].to(self.device, non_blocking=True)
            with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
                logits = self.model(image)
            loss = self.criterion(logits.float(), mask)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            total += loss.detach() * len(image)
            count += len(image)
            if self.on_step is not None:
                self.on_step(epoch, step, loss.item())
            if step % 10 == 0:
                bar.set_postfix(loss=f"{(total / count).item():.4f}")
        mean = (total / count).item()
        if not math.isfinite(mean):
            raise FloatingPointError(
                f"the training loss became {mean} in epoch {epoch}; the checkpoint of epoch "
                f"{epoch - 1} is kept (try a lower lr, or amp=False)"
            )
        return mean

    def evaluate(self, dataset: Dataset, model: nn.Module | None = None) -> dict[str, Any]:
        """Metrics of ``model`` (default: the one being trained) on ``dataset``."""
        return evaluate(
            self.model if model is None else model,
            dataset,
            batch_size=self.config.batch_size,
            device=self.device,
            amp=self.amp,
            workers=self.workers,
            progress=not self.config.quiet,
        )


class _Reporter:
    """Prints one-line messages to stderr without breaking progress bars, unless quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            tqdm.write(message, file=sys.stderr)


def _check_run_dir(run_dir: Path, config: TrainConfig) -> dict[str, Any] | None:
    """Refuse to touch an existing run unless asked; return the checkpoint to resume from."""
    checkpoint_path = run_dir / CHECKPOINT_FILE
    if config.resume and checkpoint_path.is_file():
        checkpoint = load_checkpoint(checkpoint_path)
        _check_same_run(run_dir, config, TrainConfig.from_dict(checkpoint["config"]))
        return checkpoint
    if config.resume and (run_dir / CONFIG_FILE).is_file():
        # A run stopped before its first epoch: nothing to resume, but it must be this run.
        saved = TrainConfig.from_dict(_read_json(run_dir / CONFIG_FILE))
        _check_same_run(run_dir, config, saved)
        return None
    if run_dir.is_dir() and any(run_dir.iterdir()) and not (config.overwrite or config.resume):
        raise FileExistsError(
            f"run directory {run_dir} exists and is not empty; pass resume=True (--resume) to "
            "continue it or overwrite=True (--overwrite) to start again"
        )
    if run_dir.exists() and not run_dir.is_dir():
        raise FileExistsError(f"{run_dir} is a file, not a run directory")
    return None


def _check_same_run(run_dir: Path, config: TrainConfig, saved: TrainConfig) -> None:
    differences = config.differences(saved)
    if differences:
        listed = "; ".join(
            f"{k}: run has {old!r}, given {new!r}" for k, (old, new) in differences.items()
        )
        raise ValueError(
            f"cannot resume {run_dir} with different options ({listed}); use the run's "
            "options, or overwrite=True (--overwrite) to start again"
        )
    if saved.epochs > config.epochs:
        raise ValueError(
            f"cannot resume {run_dir} with epochs={config.epochs}: the run was set up for "
            f"{saved.epochs} (epochs may only grow)"
        )


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _delete_run_files(run_dir: Path) -> None:
    for name in RUN_FILES:
        for path in (run_dir / name, run_dir / f"{name}.tmp"):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


def _device(name: str | None) -> torch.device:
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    return device


def _worker_init(worker_id: int) -> None:
    # Each worker is one process: OpenCV's own threads would only oversubscribe the cores.
    cv2.setNumThreads(0)


def _finish(
    run_dir: Path,
    config: TrainConfig,
    data: RunData,
    trainer: _EpochRunner,
    history: list[dict[str, Any]],
    best_epoch: int | None,
) -> dict[str, dict[str, Any]] | None:
    """Evaluate the test set (best and last) once, and write summary.json."""
    validated = [r for r in history if r["val_iou"] is not None]
    val = {
        "best": next((r for r in validated if r["epoch"] == best_epoch), None),
        "last": validated[-1] if validated else None,
    }
    test = None
    if data.test is not None:
        best = create_model(config.model, **config.model_options)
        weights = run_dir / BEST_DIR / "model.safetensors"
        load_weights(best, load_state_dict_file(weights), str(weights))
        test = {"best": trainer.evaluate(data.test, best), "last": trainer.evaluate(data.test)}
    write_json(
        run_dir / SUMMARY_FILE,
        {"epochs": config.epochs, "best_epoch": best_epoch, "val": val, "test": test},
    )
    return test


def _describe(record: dict[str, Any], epochs: int, best_epoch: int | None) -> str:
    text = f"epoch {record['epoch']}/{epochs}: loss {record['loss']:.4f}"
    if record["val_iou"] is not None:
        text += (
            f", val IoU {record['val_iou']:.4f} nIoU {record['val_niou']:.4f} "
            f"Pd {record['val_pd']:.4f} Fa {record['val_fa'] * 1e6:.2f}e-6 "
            f"(best: epoch {best_epoch})"
        )
    return text + f", {record['seconds']:.1f} s"


def _ending(status: Status, done: int, config: TrainConfig, elapsed: float, longest: float) -> str:
    if status == "completed":
        return f"finished {done}/{config.epochs} epochs in {config.out_dir}"
    if status == "time_budget":
        return (
            f"stopped after epoch {done}/{config.epochs}: another epoch (up to {longest / 60:.1f} "
            f"min) would exceed the time budget of {config.time_budget} min ({elapsed / 60:.1f} "
            "min used); run the same command with --resume (resume=True) to continue"
        )
    return (
        f"interrupted during epoch {done + 1}; its partial work is discarded and "
        f"{CHECKPOINT_FILE} holds epoch {done}/{config.epochs}; run the same command with "
        "--resume (resume=True) to continue exactly from there"
    )
