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
- ``best_ema/`` and ``last_ema/``: the same for the moving average of the weights (runs
  with ``ema_decay``); the log then also holds ``ema_val_iou`` ... ``ema_val_fa``;
- ``summary.json``: written when all epochs are done: best epochs, validation and test
  metrics of each export.
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
from timm.utils import ModelEmaV3
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gglnet.evaluation import evaluate
from gglnet.hardware import resolve_device
from gglnet.losses import Reduction, soft_iou_bce_loss
from gglnet.models import create_model, load_model
from gglnet.models.checkpoint import load_state_dict_file, load_weights
from gglnet.precision import autocast_dtype
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
from gglnet.training.interrupts import deferred_interrupts
from gglnet.training.log import append_record, truncate_records
from gglnet.training.pauses import PauseMeter
from gglnet.training.schedule import learning_rate

__all__ = ["RUN_FILES", "TrainResult", "fit", "train_step"]

CONFIG_FILE = "train_config.json"
LOG_FILE = "log.jsonl"
CHECKPOINT_FILE = "checkpoint.pt"
SUMMARY_FILE = "summary.json"
BEST_DIR = "best"
LAST_DIR = "last"
BEST_EMA_DIR = "best_ema"
LAST_EMA_DIR = "last_ema"
RUN_FILES: tuple[str, ...] = (
    CONFIG_FILE,
    LOG_FILE,
    CHECKPOINT_FILE,
    SUMMARY_FILE,
    BEST_DIR,
    LAST_DIR,
    BEST_EMA_DIR,
    LAST_EMA_DIR,
)
"""What a run writes in its directory; ``overwrite`` deletes these (and their ``.tmp``) only."""

METRIC_KEYS: tuple[str, ...] = ("iou", "niou", "pd", "fa")

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
    """Train by ``config`` (defaults: the paper's recipe, ``docs/training.md``).

    Every epoch: one pass over the shuffled, augmented (and, with ``crop``, cropped) training
    set with Adam and softIoU (per image, or over the batch with ``loss_reduction``; plus
    BCE while ``bce_weight`` applies), the learning rate set per step by ``schedule``; then
    validation with :class:`gglnet.metrics.IRSTDMetrics` at threshold 0.5, of the weights
    and, with ``ema_decay``, of their moving average. The best epoch is the one with the
    highest validation IoU (ties keep the earlier epoch), tracked separately for the raw
    weights (``best/``) and the average (``best_ema/``); the test split
    is evaluated only after the last epoch, and never chooses anything.

    Reproducibility: ``seed`` fixes the initialisation, each epoch's data order (a generator
    seeded by ``(seed, epoch)``) and each sample's crop and augmentation (``(seed, epoch,
    index)``), so results do not depend on ``workers``, and resuming from a checkpoint
    continues exactly as an uninterrupted run would (bit-for-bit on CPU in float32; on CUDA
    as far as its kernels are deterministic).

    Stopping: with ``time_budget`` the run stops after the last epoch that leaves room for
    another one as long as the longest so far (at least one epoch runs). The budget is
    wall-clock time, pauses included, but an epoch's length leaves out the time the process
    was stopped (``kill -STOP`` ... ``kill -CONT``, measured by
    :class:`~gglnet.training.pauses.PauseMeter`), so a paused epoch does not end the run
    early. Ctrl-C (a ``KeyboardInterrupt``, also when raised by ``on_step``) discards the
    unfinished epoch: the checkpoint of the last completed epoch is already on disk and
    ``last/`` is exported from it. Either way, the same config with ``resume=True`` continues.

    Args:
        config: the run.
        on_step: called after every optimizer step with ``(epoch, step, loss)``.

    Returns:
        A :class:`TrainResult`.

    Raises:
        FileExistsError: ``out_dir`` holds files and neither ``resume`` nor ``overwrite``.
        ValueError: ``resume`` with options that differ from the run's, other data, a bad
            device or precision; bad data (the message names the file).
        FloatingPointError: the loss became NaN or infinite (the last checkpoint is kept).
    """
    start = time.monotonic()
    say = _Reporter(config.quiet)
    run_dir = Path(config.out_dir)
    checkpoint = _check_run_dir(run_dir, config)
    device = resolve_device(config.device)
    dtype: torch.dtype | None = autocast_dtype(config.precision, device, "training")
    if dtype == torch.float32:
        dtype = None  # no autocast
    data = _load_data(config, checkpoint, run_dir)
    _start_run_dir(run_dir, config)
    state = _initial_state(config, device, dtype, checkpoint, data.fingerprints, say)
    trainer = _EpochRunner(state, device, dtype, config, len(data.train), on_step)
    status, longest = _train_epochs(trainer, state, data, config, start, say)
    return _conclude(status, state, trainer, data, config, start, longest, say)


@dataclass
class _State:
    """What a run carries from epoch to epoch (and saves in its checkpoint)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    ema: ModelEmaV3 | None
    done: int
    best: dict[str, tuple[int | None, float]]
    history: list[dict[str, Any]]
    run_dir: Path
    fingerprints: dict[str, str]

    def checkpoint(self, config: TrainConfig) -> dict[str, Any]:
        best_epoch, best_iou = self.best[BEST_DIR]
        return {
            "epoch": self.done,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "ema": None if self.ema is None else self.ema.module.state_dict(),
            "best_epoch": best_epoch,
            "best_iou": best_iou,
            "best": {k: list(v) for k, v in self.best.items()},
            "rng": get_rng_state(),
            "config": config.to_dict(),
            "data": self.fingerprints,
        }


def _load_data(config: TrainConfig, checkpoint: dict[str, Any] | None, run_dir: Path) -> RunData:
    data = build_datasets(config)
    if checkpoint is not None and checkpoint["data"] != data.fingerprints:
        changed = sorted(
            k for k in data.fingerprints if checkpoint["data"].get(k) != data.fingerprints[k]
        )
        raise ValueError(
            f"cannot resume {run_dir}: the {', '.join(changed)} data differ from the run's "
            "(other images or splits)"
        )
    return data


def _start_run_dir(run_dir: Path, config: TrainConfig) -> None:
    if config.overwrite:
        _delete_run_files(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / CONFIG_FILE, config.to_dict())  # resuming may have raised epochs


def _initial_state(
    config: TrainConfig,
    device: torch.device,
    dtype: torch.dtype | None,
    checkpoint: dict[str, Any] | None,
    fingerprints: dict[str, str],
    say: _Reporter,
) -> _State:
    """The model, optimizer and bookkeeping: fresh, from ``init_from``, or from the checkpoint."""
    torch.manual_seed(config.seed)
    model = create_model(config.model, **config.model_options)
    if config.init_from is not None and checkpoint is None:
        _init_from(model, config.init_from, "pad_mode" in config.model_options)
        say(f"initialised from {config.init_from}")
    model.to(device)
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
    ema = None
    if config.ema_decay is not None:
        ema = ModelEmaV3(model, decay=config.ema_decay, use_warmup=True)
    run_dir = Path(config.out_dir)
    best = {name: (None, -math.inf) for name in _best_dirs(config)}
    state = _State(model, optimizer, scaler, ema, 0, best, [], run_dir, fingerprints)
    if checkpoint is None:
        (run_dir / LOG_FILE).unlink(missing_ok=True)
        return state
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if checkpoint["scaler"]:
        scaler.load_state_dict(checkpoint["scaler"])
    if ema is not None:
        ema.module.load_state_dict(checkpoint["ema"])
    set_rng_state(checkpoint["rng"])
    state.done = checkpoint["epoch"]
    state.best |= {k: (epoch, iou) for k, (epoch, iou) in checkpoint["best"].items()}
    state.history = truncate_records(run_dir / LOG_FILE, state.done)
    say(f"resuming {run_dir} after epoch {state.done}/{config.epochs}")
    return state


def _init_from(model: nn.Module, source: str, pad_mode_given: bool) -> None:
    """Copy the weights of ``source`` (a name, folder or file) into ``model``, strictly.

    Weights that pad frames otherwise than the run's model are an error unless the run names
    its ``pad_mode``: continuing them under another padding would silently change what the
    exported weights ask of every frame.
    """
    weights = load_model(source)
    theirs, ours = weights.config.pad_mode, model.config.pad_mode
    if theirs != ours and not pad_mode_given:
        raise ValueError(
            f"{source} pads frames with {theirs!r}, this run's model with {ours!r}: add "
            f"--model-option pad_mode={theirs} to keep it (or pad_mode={ours} to retrain it "
            "for that padding)"
        )
    load_weights(model, weights.state_dict(), source)


def _best_dirs(config: TrainConfig) -> tuple[str, ...]:
    return (BEST_DIR, BEST_EMA_DIR) if config.ema_decay is not None else (BEST_DIR,)


def _train_epochs(
    trainer: _EpochRunner,
    state: _State,
    data: RunData,
    config: TrainConfig,
    start: float,
    say: _Reporter,
) -> tuple[Status, float]:
    """Epochs ``done + 1 ..`` until the end, the time budget or Ctrl-C."""
    longest = 0.0
    with PauseMeter() as pauses:
        try:
            for epoch in range(state.done + 1, config.epochs + 1):
                # an epoch paused by kill -STOP is not a long one: plan with its active time,
                # measured over the same span as its pauses (checkpoint writing included)
                began, paused = time.monotonic(), pauses.seconds
                record = _run_epoch(trainer, state, data, config, epoch)
                span = time.monotonic() - began
                longest = max(longest, span - (pauses.seconds - paused))
                say(_describe(record, config.epochs, state.best[BEST_DIR][0]))
                elapsed = time.monotonic() - start
                if (
                    config.time_budget
                    and epoch < config.epochs
                    and elapsed + longest > config.time_budget * 60
                ):
                    return "time_budget", longest
        except KeyboardInterrupt:
            return "interrupted", longest
    return "completed", longest


def _run_epoch(
    trainer: _EpochRunner, state: _State, data: RunData, config: TrainConfig, epoch: int
) -> dict[str, Any]:
    """Train, validate and checkpoint one epoch; returns its log record."""
    epoch_start = time.monotonic()
    record: dict[str, Any] = {"epoch": epoch, "loss": trainer.train(data.train, epoch)}
    validate = epoch % config.eval_interval == 0 or epoch == config.epochs
    best, improved = dict(state.best), []
    for prefix, model in _validated_models(state):
        keys = [f"{prefix}val_{k}" for k in METRIC_KEYS]
        if not validate:
            record |= dict.fromkeys(keys)
            continue
        val = trainer.evaluate(data.val, model)
        record |= {key: val[k] for key, k in zip(keys, METRIC_KEYS, strict=True)}
        best_dir = BEST_DIR if not prefix else BEST_EMA_DIR
        if val["iou"] > best[best_dir][1]:
            best[best_dir] = (epoch, val["iou"])
            improved.append((model, best_dir))
    record["lr"] = state.optimizer.param_groups[0]["lr"]
    record["bce_weight"] = config.bce_weight_at(epoch)
    record["seconds"] = time.monotonic() - epoch_start
    # written whole: a stop that arrives meanwhile takes effect once the checkpoint is saved
    with deferred_interrupts():
        for model, best_dir in improved:
            export_model(model, state.run_dir / best_dir)
        state.best, state.done = best, epoch
        append_record(state.run_dir / LOG_FILE, record)
        save_checkpoint(state.run_dir / CHECKPOINT_FILE, state.checkpoint(config))
        state.history.append(record)
    return record


def _validated_models(state: _State) -> list[tuple[str, nn.Module]]:
    """``(log prefix, model)`` of what is validated: the weights, and their average."""
    models: list[tuple[str, nn.Module]] = [("", state.model)]
    if state.ema is not None:
        models.append(("ema_", state.ema.module))
    return models


def _conclude(
    status: Status,
    state: _State,
    trainer: _EpochRunner,
    data: RunData,
    config: TrainConfig,
    start: float,
    longest: float,
    say: _Reporter,
) -> TrainResult:
    """Export ``last/`` (and ``last_ema/``), test a completed run, and say how it ended."""
    run_dir, model = state.run_dir, state.model
    if state.done == 0:
        message = "interrupted before the first epoch finished; nothing was saved"
        say(message)
        return TrainResult(run_dir, status, 0, None, state.history, None, model.eval(), message)
    if status == "interrupted":
        saved = load_checkpoint(run_dir / CHECKPOINT_FILE)
        model.load_state_dict(saved["model"])
        if state.ema is not None:
            state.ema.module.load_state_dict(saved["ema"])
    export_model(model, run_dir / LAST_DIR)
    if state.ema is not None:
        export_model(state.ema.module, run_dir / LAST_EMA_DIR)
    test = None
    if status == "completed":
        test = _finish(run_dir, config, data, trainer, state)
    message = _ending(status, state.done, config, time.monotonic() - start, longest)
    say(message)
    best_epoch = state.best[BEST_DIR][0]
    return TrainResult(
        run_dir, status, state.done, best_epoch, state.history, test, model.eval(), message
    )


class _EpochRunner:
    """One epoch of training, and validation, with the run's fixed settings."""

    def __init__(
        self,
        state: _State,
        device: torch.device,
        dtype: torch.dtype | None,
        config: TrainConfig,
        n_train: int,
        on_step: StepCallback | None,
    ) -> None:
        self.state = state
        self.forward = torch.compile(state.model) if config.compile else state.model
        self.device = device
        self.dtype = dtype
        self.workers = (
            config.workers if config.workers is not None else min(8, (os.cpu_count() or 2) // 2)
        )
        self.config = config
        self.on_step = on_step
        self.steps_per_epoch = math.ceil(n_train / config.batch_size)
        self.total_steps = self.steps_per_epoch * config.epochs
        self.warmup_steps = round(config.warmup_epochs * self.steps_per_epoch)

    def learning_rate(self, step: int) -> float:
        """The rate of 0-based global optimizer step ``step``."""
        config = self.config
        return learning_rate(
            step,
            self.total_steps,
            config.lr,
            schedule=config.schedule,
            warmup_steps=self.warmup_steps,
            floor=config.min_lr,
        )

    def train(self, dataset: Dataset, epoch: int) -> float:
        """Train one epoch; returns the mean loss over its samples."""
        config, state = self.config, self.state
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
        state.model.train()
        bce_weight = config.bce_weight_at(epoch)
        memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        total = torch.zeros((), device=self.device)
        count = 0
        bar = tqdm(
            loader,
            desc=f"epoch {epoch}/{config.epochs}",
            leave=False,
            disable=True if config.quiet else None,
        )
        first_step = (epoch - 1) * self.steps_per_epoch
        for step, batch in enumerate(bar, 1):
            for group in state.optimizer.param_groups:
                group["lr"] = self.learning_rate(first_step + step - 1)
            image = batch["image"].to(self.device, non_blocking=True)
            image = image.contiguous(memory_format=memory_format)
            mask = batch["mask"].to(self.device, non_blocking=True)
            loss = train_step(
                self.forward,
                state.optimizer,
                state.scaler,
                image,
                mask,
                self.dtype,
                bce_weight,
                config.loss_reduction,
            )
            if state.ema is not None:
                state.ema.update(state.model, step=first_step + step)
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
                f"{epoch - 1} is kept (try a lower lr, or precision='fp32')"
            )
        return mean

    def evaluate(self, dataset: Dataset, model: nn.Module) -> dict[str, Any]:
        """Metrics of ``model`` on ``dataset``, in float32."""
        return evaluate(
            model,
            dataset,
            batch_size=self.config.batch_size,
            device=self.device,
            workers=self.workers,
            progress=not self.config.quiet,
        )


def train_step(
    model: Callable[[torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    image: torch.Tensor,
    mask: torch.Tensor,
    dtype: torch.dtype | None = None,
    bce_weight: float = 0.0,
    loss_reduction: Reduction = "sample",
) -> torch.Tensor:
    """One optimizer step on one batch, as :func:`fit` takes it.

    Args:
        model: returns logits ``(B, 1, H, W)`` (the model, or its compiled form).
        optimizer: updates the model's parameters.
        scaler: float16 gradient scaling (disabled outside float16).
        image: ``(B, 3, H, W)`` float32 in ``[0, 1]``, on the model's device.
        mask: ``(B, 1, H, W)`` of 0 and 1.
        dtype: the autocast dtype, ``None`` for float32.
        bce_weight: weight of the BCE term beside softIoU.
        loss_reduction: softIoU per sample or over the batch (:func:`~gglnet.losses.soft_iou_loss`).

    Returns:
        The step's loss (a detached scalar).
    """
    with torch.autocast(image.device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        logits = model(image)
    loss = soft_iou_bce_loss(logits.float(), mask, bce_weight, reduction=loss_reduction)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.detach()


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


def _worker_init(worker_id: int) -> None:
    # Each worker is one process: OpenCV's own threads would only oversubscribe the cores.
    cv2.setNumThreads(0)


def _finish(
    run_dir: Path, config: TrainConfig, data: RunData, trainer: _EpochRunner, state: _State
) -> dict[str, dict[str, Any]] | None:
    """Evaluate the test set once per export (best, last, and their EMA twins); summary.json."""
    validated = [r for r in state.history if r["val_iou"] is not None]
    exports = {LAST_DIR: state.model}
    if state.ema is not None:
        exports[LAST_EMA_DIR] = state.ema.module
    val: dict[str, Any] = {}
    for best_dir, prefix in ((BEST_DIR, ""), (BEST_EMA_DIR, "ema_")):
        if best_dir not in state.best:
            continue
        epoch = state.best[best_dir][0]
        last_dir = LAST_DIR if not prefix else LAST_EMA_DIR
        val[best_dir] = _val_metrics(
            next((r for r in validated if r["epoch"] == epoch), None), prefix
        )
        val[last_dir] = _val_metrics(validated[-1] if validated else None, prefix)
    test = None
    if data.test is not None:
        test = {}
        for name in state.best:
            best = create_model(config.model, **config.model_options)
            weights = run_dir / name / "model.safetensors"
            load_weights(best, load_state_dict_file(weights), str(weights))
            test[name] = trainer.evaluate(data.test, best)
        test |= {name: trainer.evaluate(data.test, model) for name, model in exports.items()}
    write_json(
        run_dir / SUMMARY_FILE,
        {
            "epochs": config.epochs,
            "best_epoch": state.best[BEST_DIR][0],
            "best_epochs": {name: epoch for name, (epoch, _) in state.best.items()},
            "val": val,
            "test": test,
        },
    )
    return test


def _val_metrics(record: dict[str, Any] | None, prefix: str) -> dict[str, Any] | None:
    """An epoch's validation metrics from its log record (``prefix``: ``""`` or ``"ema_"``)."""
    if record is None:
        return None
    return {"epoch": record["epoch"]} | {k: record[f"{prefix}val_{k}"] for k in METRIC_KEYS}


def _describe(record: dict[str, Any], epochs: int, best_epoch: int | None) -> str:
    text = f"epoch {record['epoch']}/{epochs}: loss {record['loss']:.4f}"
    if record["val_iou"] is not None:
        text += (
            f", val IoU {record['val_iou']:.4f} nIoU {record['val_niou']:.4f} "
            f"Pd {record['val_pd']:.4f} Fa {record['val_fa'] * 1e6:.2f}e-6 "
            f"(best: epoch {best_epoch})"
        )
    if record.get("ema_val_iou") is not None:
        text += f", EMA val IoU {record['ema_val_iou']:.4f}"
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
