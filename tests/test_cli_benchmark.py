"""``gglnet benchmark``: table, JSON report, options."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import gglnet
import gglnet.cli.benchmark as benchmark_cli
from gglnet.cli import main


@pytest.fixture(autouse=True)
def tiny_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        benchmark_cli, "create_model", lambda name: gglnet.create_model(name, widths=(4, 8))
    )


def test_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_path = tmp_path / "bench.json"
    args = ["benchmark", "--device", "cpu", "--sizes", "16", "--batches", "1", "2"]
    args += ["--paths", "fused", "--repeats", "1", "--json", str(report_path), "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "| eager | fp32 | 16 | 1 |" in out and "| fused | fp32 | 16 | 2 |" in out
    assert "CPU " in out and "flags: " in out
    report = json.loads(report_path.read_text())
    assert report["model"] == "gglnet (random weights, seed 0)"
    assert len(report["results"]) == 4
    assert main(args) == 1
    assert "--overwrite" in capsys.readouterr().err


def test_quick_run_cache_dir_and_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict] = []

    def fake_run_benchmark(model: object, **kwargs: object) -> dict:
        calls.append(kwargs)
        machine = {"node": "n", "cpu": "c", "device": "cpu", "torch": "t", "torch_threads": 1}
        return {"machine": machine, "date": "d", "repeats": kwargs["repeats"], "results": []}

    monkeypatch.setattr(benchmark_cli, "run_benchmark", fake_run_benchmark)
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    cache = tmp_path / "inductor"
    report_path = tmp_path / "bench.json"
    report_path.write_text("old")
    args = ["benchmark", "--device", "cpu", "--quick", "--quiet", "--cache-dir", str(cache)]
    assert main([*args, "--json", str(report_path), "--overwrite"]) == 0
    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(cache.resolve())
    (kwargs,) = calls
    assert (kwargs["sizes"], kwargs["batches"], kwargs["repeats"]) == ([256], [1], 2)
    assert kwargs["progress"] is False
    assert "median of 2" in capsys.readouterr().out
    assert json.loads(report_path.read_text())["repeats"] == 2


def test_unknown_path_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["benchmark", "--paths", "turbo"])
    assert "invalid choice" in capsys.readouterr().err
