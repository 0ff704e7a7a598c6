"""gglnet.precision: the names, their dtypes, and "auto" resolved by the hardware."""

from __future__ import annotations

import logging
import typing

import pytest
import torch
from conftest import requires_cuda

import gglnet.precision as precision_module
from gglnet.hardware import has_native_bf16
from gglnet.precision import (
    DTYPES,
    PRECISIONS,
    Precision,
    autocast_dtype,
    check_precision,
    precision_dtype,
    resolve_precision,
)
from gglnet.training import config as training_config


def test_one_list_of_names() -> None:
    assert typing.get_args(Precision) == PRECISIONS == ("auto", "fp32", "bf16", "fp16")
    assert set(DTYPES) == set(PRECISIONS) - {"auto"}
    assert training_config.PRECISIONS is PRECISIONS


@pytest.mark.parametrize("name", ["fp32", "bf16", "fp16"])
def test_concrete_names_resolve_to_themselves(name: str) -> None:
    assert resolve_precision(name, "cpu") == name
    assert precision_dtype(name) == DTYPES[name]


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_follows_native_bf16(
    native: bool, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(precision_module, "has_native_bf16", lambda device: native)
    assert resolve_precision("auto", "cpu") == expected


def test_auto_on_this_machine() -> None:
    assert resolve_precision("auto", "cpu") == ("bf16" if has_native_bf16("cpu") else "fp32")


def test_auto_is_logged_once_per_device_and_choice(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(precision_module, "_logged", set())
    monkeypatch.setattr(precision_module, "has_native_bf16", lambda device: True)
    with caplog.at_level(logging.INFO, logger="gglnet"):
        for _ in range(3):
            resolve_precision("auto", "cpu")
    lines = [r.getMessage() for r in caplog.records if r.name == "gglnet"]
    assert len(lines) == 1
    assert "'auto' is bf16 on cpu" in lines[0]


@pytest.mark.parametrize("bad", ["int8", "FP32", None, torch.float32])
def test_unknown_names_are_rejected_with_the_choices(bad: object) -> None:
    with pytest.raises(ValueError, match=r"precision must be one of \['auto', 'fp32'"):
        check_precision(bad)
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision(bad, "cpu")  # type: ignore[arg-type]


def test_dtype_of_auto_asks_for_resolution() -> None:
    with pytest.raises(ValueError, match="resolve 'auto'"):
        precision_dtype("auto")


@pytest.mark.parametrize("name", PRECISIONS)
def test_training_config_takes_every_name(name: str) -> None:
    assert training_config.TrainConfig("runs/x", precision=name).precision == name  # type: ignore[arg-type]


@requires_cuda
@pytest.mark.gpu
def test_auto_on_cuda_follows_compute_capability() -> None:
    major, _ = torch.cuda.get_device_capability()
    assert resolve_precision("auto", "cuda") == ("bf16" if major >= 8 else "fp32")


@pytest.mark.parametrize("task", ["inference", "evaluation", "training"])
@pytest.mark.parametrize(
    ("name", "native", "expected"),
    [
        ("fp32", True, torch.float32),
        ("bf16", False, torch.bfloat16),
        ("auto", True, torch.bfloat16),
        ("auto", False, torch.float32),
    ],
)
def test_autocast_dtype_on_cpu(
    task: str, name: str, native: bool, expected: torch.dtype, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(precision_module, "has_native_bf16", lambda device: native)
    assert autocast_dtype(name, "cpu", task) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("task", ["evaluation", "training"])
def test_autocast_dtype_fp16_needs_cuda(task: str) -> None:
    with pytest.raises(ValueError, match=f"'fp16' needs a CUDA device; {task} runs on cpu"):
        autocast_dtype("fp16", "cpu", task)  # type: ignore[arg-type]


def test_autocast_dtype_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="precision must be one of"):
        autocast_dtype("half", "cpu", "inference")


@requires_cuda
@pytest.mark.gpu
def test_training_auto_on_cuda_is_float16_amp() -> None:
    assert autocast_dtype("auto", "cuda", "training") == torch.float16
    assert autocast_dtype("auto", "cuda", "inference") == precision_dtype(
        resolve_precision("auto", "cuda")
    )
