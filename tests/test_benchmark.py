"""The inference benchmark: report structure, the eager / optimized / ONNX Runtime comparison
and the targets."""

from __future__ import annotations

import importlib.util

import pytest
import torch

import gglnet
from gglnet.hardware import cpu_flags
from gglnet.inference.benchmark import (
    CPU_FLAGS,
    ONNXRUNTIME,
    PATHS,
    check_targets,
    default_paths,
    format_table,
    machine_info,
    run_benchmark,
)

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None


@pytest.fixture(scope="module")
def report() -> dict:
    model = gglnet.create_model("gglnet", widths=(4, 8)).eval()
    return run_benchmark(
        model,
        device="cpu",
        sizes=(16,),
        batches=(1, 2),
        paths=("fused", "fused+cl"),
        repeats=2,
        warmup=0,
        progress=False,
    )


def test_one_row_per_path_and_shape(report: dict) -> None:
    rows = {(r["path"], r["size"], r["batch"]) for r in report["results"]}
    assert rows == {
        (path, size, batch)
        for path in ("eager", "fused", "fused+cl")
        for size in (16,)
        for batch in (1, 2)
    }


def test_rows_are_consistent(report: dict) -> None:
    eager = {(r["size"], r["batch"]): r for r in report["results"] if r["path"] == "eager"}
    for row in report["results"]:
        base = eager[row["size"], row["batch"]]
        assert row["latency_ms"] > 0
        assert row["images_per_s"] == pytest.approx(row["batch"] / row["latency_ms"] * 1e3)
        assert row["speedup"] == pytest.approx(base["latency_ms"] / row["latency_ms"])
        assert 0 <= row["max_prob_diff"] < 1e-4
        assert row["compile_s"] is None and row["compiled"] is False
        assert row["precision"] == "fp32" and row["vs_onnxruntime"] is None
    assert all(r["speedup"] == 1 for r in eager.values())


def test_machine_and_table(report: dict) -> None:
    assert report["machine"]["device"] == "cpu"
    assert report["machine"]["torch"] == torch.__version__
    assert report["repeats"] == 2
    table = format_table(report)
    assert table.count("\n| fused+cl | fp32 |") == 2
    assert report["machine"]["cpu"] in table
    flags = [flag for flag in CPU_FLAGS if flag in cpu_flags()]
    assert report["machine"]["cpu_flags"] == flags
    assert "flags: " + (" ".join(flags) or "none of") in table
    assert report["machine"]["auto_precision"] in ("bf16", "fp32")


def test_machine_info_names_the_inductor_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "/somewhere/cache")
    assert machine_info(torch.device("cpu"))["inductor_cache_dir"] == "/somewhere/cache"


def test_paths_name_optimize_options() -> None:
    assert {"fused", "fused+cl", "fused+cl+compile", "bf16+fused+cl+compile"} <= set(PATHS)
    assert {"auto", ONNXRUNTIME} <= set(PATHS)
    assert default_paths("cpu")[-1] == "auto"
    assert (ONNXRUNTIME in default_paths("cpu")) == HAS_ORT
    assert ONNXRUNTIME not in default_paths("cuda")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_ORT, reason="needs the onnx extra")
def test_onnxruntime_and_auto_columns() -> None:
    model = gglnet.create_model("gglnet", widths=(4, 8)).eval()
    paths = ("fused+cl", ONNXRUNTIME, "auto")
    report = run_benchmark(
        model, sizes=(16,), batches=(1,), paths=paths, repeats=1, warmup=0, progress=False
    )
    rows = {row["path"]: row for row in report["results"]}
    assert rows[ONNXRUNTIME]["vs_onnxruntime"] == 1
    assert rows[ONNXRUNTIME]["max_prob_diff"] < 1e-4 and rows[ONNXRUNTIME]["compile_s"] > 0
    assert rows["auto"]["precision"] == report["machine"]["auto_precision"]
    assert rows["eager"]["vs_onnxruntime"] == pytest.approx(
        rows[ONNXRUNTIME]["latency_ms"] / rows["eager"]["latency_ms"]
    )
    assert "| onnxruntime | fp32 | 16 | 1 |" in format_table(report)


def _row(path: str, batch: int, **values: float) -> dict:
    return {"path": path, "size": 512, "batch": batch, **values}


@pytest.mark.parametrize(
    ("native", "auto_vs_ort", "expected"),
    [
        (True, 1.6, [True, True, True]),
        (True, 1.2, [True, False, True]),
        (False, 1.2, [True]),
    ],
)
def test_cpu_targets(native: bool, auto_vs_ort: float, expected: list[bool]) -> None:
    report = {
        "machine": {"device": "cpu", "native_bf16": native},
        "results": [
            _row("fused+cl+compile", 1, vs_onnxruntime=0.97),
            _row("auto", 1, vs_onnxruntime=auto_vs_ort, speedup=3.0),
        ],
    }
    assert [target["met"] for target in check_targets(report)] == expected


def test_cuda_targets() -> None:
    report = {
        "machine": {"device": "cuda"},
        "results": [
            _row("auto", 32, images_per_s=1200.0, speedup=8.0),
            _row("auto", 1, latency_ms=1.5),
        ],
    }
    found = {target["target"]: target["met"] for target in check_targets(report)}
    assert list(found.values()) == [True, False, True]
    assert "auto 512² batch 1 latency ms <= 2" in found


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"paths": ("turbo",)}, "unknown"),
        ({"repeats": 0}, "repeats"),
        ({"paths": (ONNXRUNTIME,), "device": "cuda"}, "CPU only"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    model = gglnet.create_model("gglnet", widths=(4, 8)).eval()
    with pytest.raises(ValueError, match=message):
        run_benchmark(model, sizes=(16,), batches=(1,), progress=False, **kwargs)
