"""``gglnet evaluate``: the paper's metrics from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gglnet
from gglnet.cli import main
from gglnet.data import write_synthetic_dataset


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "best"
    gglnet.create_model("gglnet", widths=(8, 16)).save_pretrained(folder)
    return folder


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--roc" in text and "NUDT-SIRST 256" in text
    assert "--pad-mode" in text and "--trim N" in text


def test_table_and_json(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_synthetic_dataset(tmp_path / "data", n=6, size=32)
    common = ["evaluate", "--model", str(model_dir), "--data", str(root), "--split", "test",
              "--size", "32", "--quiet"]  # fmt: skip
    assert main(common) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].endswith("on data test at 32x32")
    assert table[1].split() == ["IoU", "nIoU", "Pd", "Fa(x1e-6)", "images"]
    assert table[2].split()[-1] == "2"

    assert main([*common, "--json", "--roc", "11", "--label", "best"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"] == "data" and report["split"] == "test" and report["size"] == 32
    assert report["label"] == "best" and report["n_images"] == 2 and report["threshold"] == 0.5
    assert {"iou", "niou", "pd", "fa", "auc_pd_fa", "auc_pd_tau", "auc_fa_tau"} <= set(report)
    assert report["precision"] == "fp32"

    assert main([*common, "--precision", "bf16"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("at 32x32 in bf16")


def test_native_size_and_synthetic(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", "--model", str(model_dir), "--data", "synthetic", "--split", "val",
            "--size", "32", "--synthetic-scenes", "2", "--json", "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 2
    assert main([*args[:-4], "--size", "none", "--json", "--quiet"]) == 1
    assert "needs a --size" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "synthetic", "--split", "holdout"], "must be one of"),
        (["--data", "/nonexistent/data", "--split", "test"], "dataset folder not found"),
    ],
)
def test_errors(
    model_dir: Path, capsys: pytest.CaptureFixture[str], args: list, message: str
) -> None:
    assert main(["evaluate", "--model", str(model_dir), *args]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("size", ["0", "-3"])
def test_bad_size_is_a_usage_error(
    model_dir: Path, capsys: pytest.CaptureFixture[str], size: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--model", str(model_dir), "--data", "x", "--split", "t", "--size", size])
    assert exit_info.value.code == 2
    assert f"expected a positive integer or 'none', got '{size}'" in capsys.readouterr().err


def test_roc_1_is_an_error(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", "--model", str(model_dir), "--data", "synthetic", "--split", "val",
            "--size", "32", "--synthetic-scenes", "2", "--quiet", "--roc", "1"]  # fmt: skip
    assert main(args) == 1
    assert "roc_thresholds must be at least 2" in capsys.readouterr().err


def test_roc_plot(model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "roc.png"
    args = ["evaluate", "--model", str(model_dir), "--data", "synthetic", "--split", "val",
            "--size", "32", "--synthetic-scenes", "2", "--quiet", "--roc", "21",
            "--plot", str(plot)]  # fmt: skip
    assert main(args) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "3D-ROC AUC" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [([], "--plot draws the ROC curves: add --roc"), (["--roc", "5"], "is a folder")],
)
def test_roc_plot_errors(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list, message: str
) -> None:
    args = ["evaluate", "--model", str(model_dir), "--data", "synthetic", "--split", "val",
            "--size", "32", "--synthetic-scenes", "2", "--quiet", "--plot", str(tmp_path),
            *extra]  # fmt: skip
    assert main(args) == 1
    assert message in capsys.readouterr().err


@pytest.fixture(scope="module")
def reflect_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reflect") / "best"
    gglnet.create_model("gglnet", widths=(8, 16, 16, 16, 16), pad_mode="reflect").save_pretrained(
        folder
    )
    return folder


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--trim", "4"], "--pad-mode and --trim apply at native size: add --size none"),
        (["--trim", "4", "--size", "32"], "add --size none"),
        (["--pad-mode", "reflect", "--size", "32"], "add --size none"),
    ],
)
def test_trim_and_pad_mode_need_native_size(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list, message: str
) -> None:
    root = write_synthetic_dataset(tmp_path / "data", n=3, size=32)
    args = ["evaluate", "--model", str(model_dir), "--data", str(root), "--split", "test",
            "--quiet", *extra]  # fmt: skip
    assert main(args) == 1
    assert message in capsys.readouterr().err


def test_bad_pad_mode_is_a_usage_error(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--model", str(model_dir), "--data", "x", "--split", "t",
              "--size", "none", "--pad-mode", "mirror"])  # fmt: skip
    assert exit_info.value.code == 2
    assert "invalid choice: 'mirror'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "pad_mode", "trim"),
    [
        ([], "reflect", 0),  # the weights' own
        (["--trim", "4"], "reflect", 4),
        (["--trim", "4", "--pad-mode", "zeros"], "zeros", 4),
        (["--pad-mode", "replicate"], "replicate", 0),
    ],
)
def test_json_reports_pad_mode_and_trim_at_native_size(
    reflect_model_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list,
    pad_mode: str,
    trim: int,
) -> None:
    root = write_synthetic_dataset(tmp_path / "data", n=6, size=32)
    args = ["evaluate", "--model", str(reflect_model_dir), "--data", str(root), "--split", "test",
            "--size", "none", "--json", "--quiet", *extra]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["size"] is None and report["pad_mode"] == pad_mode
    assert report["trim"] == trim
    side = 32 - trim
    assert report["n_images"] == 2 and report["n_pixels"] == 2 * side * side


@pytest.mark.parametrize(
    ("size", "metrics", "own", "expected"),
    [
        (512, {"pad_mode": "reflect"}, "zeros", "512x512"),
        (None, {"pad_mode": "zeros", "trim": 0}, "zeros", "native size"),
        (None, {"pad_mode": "reflect", "trim": 0}, "reflect", "native size, reflect padding"),
        (None, {"pad_mode": "zeros", "trim": 8}, "zeros", "native size, trimmed by 8"),
        (
            None,
            {"pad_mode": "zeros", "trim": 8},
            "reflect",
            "native size, trimmed by 8, zeros padding",
        ),
    ],
)
def test_protocol_in_titles(size: int | None, metrics: dict, own: str, expected: str) -> None:
    from gglnet.cli.evaluate import _protocol

    assert _protocol(size, metrics, own) == expected


def test_json_at_a_size_reports_no_pad_mode(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_synthetic_dataset(tmp_path / "data", n=6, size=32)
    args = ["evaluate", "--model", str(model_dir), "--data", str(root), "--split", "test",
            "--size", "32", "--json", "--quiet"]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert "pad_mode" not in report and "trim" not in report
