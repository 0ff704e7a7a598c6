"""The benchmark scripts: the precision check and the GPU readiness script (syntax and the
fallback without CUDA)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import gglnet
from gglnet.data import SyntheticDataset
from gglnet.padding import pad_bottom_right

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _tiny() -> torch.nn.Module:
    return gglnet.create_model("gglnet", widths=(4, 8)).eval()


def test_compare_precisions_reports_each_run_and_the_iou_drop() -> None:
    bench = _load("bench_precision")
    data = SyntheticDataset(2, size=32)
    result = bench.compare_precisions(_tiny(), data, "bf16", "cpu", buckets=True, progress=False)
    assert list(result["runs"]) == ["fp32", "bf16", "fp32+buckets"]
    assert result["precision"] == "bf16"
    assert result["iou_drop"] == pytest.approx(
        result["runs"]["fp32"]["iou"] - result["runs"]["bf16"]["iou"]
    )
    table = bench.format_comparison(result)
    assert len(table.splitlines()) == 5  # header, separator and three runs


@pytest.mark.parametrize("pad_mode", ["zeros", "reflect"])
def test_bucketed_pads_once_by_the_weights_pad_mode(pad_mode: str) -> None:
    bench = _load("bench_precision")
    model = gglnet.create_model("gglnet", widths=(4, 8), pad_mode=pad_mode).eval()
    seen: list[torch.Tensor] = []
    model.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    bucketed = bench.Bucketed(model, buckets=(64,))
    assert bucketed.config.size_divisor == 1  # evaluate() leaves the padding to it
    image = torch.rand(1, 3, 20, 37)
    with torch.no_grad():
        out = bucketed(image)
    assert out.shape == (1, 1, 20, 37)
    assert torch.equal(seen[0], pad_bottom_right(image, 64, 64, pad_mode))


def test_compare_fp32_with_itself_has_nothing_to_compare() -> None:
    bench = _load("bench_precision")
    result = bench.compare_precisions(_tiny(), SyntheticDataset(1, size=32), "fp32", "cpu")
    assert result["iou_drop"] is None and result["within_tolerance"]


@pytest.mark.parametrize(("limit", "code"), [(1.0, 0), (-1.0, 1)])
def test_precision_script_exit_status_is_the_check(
    limit: float, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = _load("bench_precision")
    monkeypatch.setattr(bench.gglnet, "load_model", lambda name: _tiny())
    out = tmp_path / "p.json"
    argv = ["--model", "tiny", "--data", "synthetic", "--limit", "1", "--precision", "bf16"]
    argv += ["--max-iou-drop", str(limit), "--json", str(out), "--quiet"]
    assert bench.main(argv) == code
    written = json.loads(out.read_text())
    assert written["within_tolerance"] is (code == 0)
    assert set(written["runs"]) == {"fp32", "bf16"}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_gpu_check_script_parses() -> None:
    subprocess.run(["bash", "-n", str(BENCHMARKS / "gpu_check.sh")], check=True)


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the fallback without CUDA")
def test_gpu_check_without_cuda_skips_cleanly(tmp_path: Path) -> None:
    import sys

    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        ["bash", str(BENCHMARKS / "gpu_check.sh"), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "no CUDA device" in done.stderr
    assert "skipped" in (tmp_path / "gpu_tests.txt").read_text()


def test_train_bench_only_times_the_named_options(tmp_path: Path) -> None:
    bench = _load("bench_train")
    out = tmp_path / "t.json"
    argv = ["--size", "32", "--batch-size", "1", "--rounds", "1", "--steps", "1", "--warmup", "0"]
    assert bench.main([*argv, "--only", "fp32_cl,fp32", "--json", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    assert [r["option"] for r in results] == ["fp32_cl", "fp32"]
    assert results[0]["speedup"] == 1.0
    with pytest.raises(SystemExit):
        bench.main([*argv, "--only", "fp32_cl_compile"])  # needs --compile
