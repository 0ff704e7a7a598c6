"""The inference benchmark: report structure and the eager-vs-optimized comparison."""

from __future__ import annotations

import pytest
import torch

import gglnet
from gglnet.inference.benchmark import PATHS, format_table, machine_info, run_benchmark


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
    assert all(r["speedup"] == 1 for r in eager.values())


def test_machine_and_table(report: dict) -> None:
    assert report["machine"]["device"] == "cpu"
    assert report["machine"]["torch"] == torch.__version__
    assert report["repeats"] == 2
    table = format_table(report)
    assert table.count("\n| fused+cl |") == 2
    assert report["machine"]["cpu"] in table


def test_machine_info_names_the_inductor_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "/somewhere/cache")
    assert machine_info(torch.device("cpu"))["inductor_cache_dir"] == "/somewhere/cache"


def test_paths_name_optimize_options() -> None:
    assert {"fused", "fused+cl", "fused+cl+compile", "bf16+fused+cl+compile"} <= set(PATHS)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"paths": ("turbo",)}, "unknown"), ({"repeats": 0}, "repeats")]
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    model = gglnet.create_model("gglnet", widths=(4, 8)).eval()
    with pytest.raises(ValueError, match=message):
        run_benchmark(model, sizes=(16,), batches=(1,), progress=False, **kwargs)
