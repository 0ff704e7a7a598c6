"""The CLI's one error path: every command answers a bad device, a missing input and an output
that is a file with one line ``gglnet <command>: error: ...`` and exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gglnet.cli import error_message, main

TRAIN = ["--data", "synthetic", "--size", "32", "--synthetic-scenes", "4", "--epochs", "1",
         "--workers", "0", "--model-option", "widths=[4,8]", "--quiet"]  # fmt: skip
SMALL_DEMO = ["--size", "64"]
MODEL = ["--model", "gglnet.synthetic"]


def _cases(tmp: Path) -> list[tuple[str, list[str], str]]:
    """(id, argv, text the message must hold); ``tmp`` holds ``a-file`` and an image."""
    file = str(tmp / "a-file")
    missing = str(tmp / "missing")
    image = str(tmp / "frame.png")
    return [
        ("demo-device", ["demo", *SMALL_DEMO, "--device", "gpu", "--out", str(tmp / "d")], "gpu"),
        ("demo-missing", ["demo", "--model", missing, "--out", str(tmp / "d2")], "missing"),
        ("demo-out-file", ["demo", *SMALL_DEMO, "--out", file], "a-file"),
        ("train-device", ["train", *TRAIN, "--device", "gpu", "--out", str(tmp / "t")], "gpu"),
        ("train-missing", ["train", "--data", missing, "--out", str(tmp / "t2")], "missing"),
        ("train-out-file", ["train", *TRAIN, "--out", file], "a-file"),
        ("train-init-missing",
         ["train", *TRAIN, "--init-from", missing, "--out", str(tmp / "t3")], "missing"),
        ("evaluate-device",
         ["evaluate", "--model", "gglnet.synthetic", "--data", "synthetic", "--split", "test",
          "--synthetic-scenes", "2", "--size", "32", "--device", "gpu", "--quiet"], "gpu"),
        ("evaluate-missing",
         ["evaluate", "--model", "gglnet.synthetic", "--data", missing, "--split", "test"],
         "missing"),
        ("evaluate-model-missing",
         ["evaluate", "--model", missing + "/m.safetensors", "--data", "synthetic",
          "--split", "test"], "missing"),
        ("evaluate-plot-in-file",
         ["evaluate", "--model", "gglnet.synthetic", "--data", "synthetic", "--split", "test",
          "--synthetic-scenes", "2", "--size", "32", "--roc", "5", "--plot", file + "/roc.png"],
         "a-file"),
        ("hub-download-dir-file", ["hub", "download", "gglnet.synthetic", "--dir", file],
         "a-file"),
        ("hub-download-unknown", ["hub", "download", "gglnet.nope", "--dir", str(tmp)],
         "not published"),
        ("hub-card-missing", ["hub", "card", missing], "missing"),
        ("hub-push-missing", ["hub", "push", missing, "--repo-id", "o/n", "--dry-run"],
         "missing"),
        ("hub-card-eval-missing",
         ["hub", "card", str(Path(__file__).parents[1] / "weights" / "gglnet.synthetic"),
          "--eval", missing + ".json", "--name", "x"], "missing"),
        ("predict-device", ["predict", image, *MODEL, "--out", str(tmp / "p"), "--device", "gpu"],
         "gpu"),
        ("predict-missing", ["predict", missing, *MODEL, "--out", str(tmp / "p2")], "missing"),
        ("predict-out-file", ["predict", image, *MODEL, "--out", file], "a-file"),
        ("benchmark-device", ["benchmark", "--quick", "--device", "gpu"], "gpu"),
        ("benchmark-json-in-file",
         ["benchmark", "--quick", "--json", file + "/b.json"], "a-file"),
    ]  # fmt: skip


CASE_IDS = [case[0] for case in _cases(Path("/tmp"))]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_one_line_error(
    case_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    import cv2
    import numpy as np

    (tmp_path / "a-file").write_text("a file, not a folder")
    cv2.imwrite(str(tmp_path / "frame.png"), np.zeros((32, 32), np.uint8))
    monkeypatch.chdir(tmp_path)
    _, argv, needle = next(c for c in _cases(tmp_path) if c[0] == case_id)
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1, err
    assert len(err) == 1, err
    assert err[0].startswith(f"gglnet {argv[0]}: error: "), err
    assert needle in err[0], err
    assert "Traceback" not in err[0]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="gpu"):
        main(["--debug", "demo", "--device", "gpu", "--out", str(tmp_path / "d")])
    with pytest.raises(ValueError, match="gpu"):
        main(["demo", "--device", "gpu", "--out", str(tmp_path / "d"), "--debug"])


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (ValueError("first\n  - second\n"), "first - second"),
        (FileNotFoundError(2, "No such file or directory", "x.png"),
         "No such file or directory: x.png"),
        (OSError("plain"), "plain"),
        (ValueError(), "ValueError"),
    ],
)  # fmt: skip
def test_error_message_is_one_line(error: BaseException, line: str) -> None:
    assert error_message(error) == line


@pytest.mark.parametrize(
    ("device", "match"),
    [
        ("gpu", "unknown device 'gpu'"),
        ("cuda", "needs CUDA" if not torch.cuda.is_available() else None),
        ("cuda:7", "needs CUDA" if not torch.cuda.is_available() else "does not exist"),
        ("tpu", "unknown device|not supported"),
    ],
)
def test_resolve_device_errors(device: str, match: str | None) -> None:
    from gglnet.hardware import resolve_device

    if match is None:
        assert resolve_device(device).type == "cuda"
        return
    with pytest.raises(ValueError, match=match):
        resolve_device(device)


def test_resolve_device_defaults() -> None:
    from gglnet.hardware import resolve_device

    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("CPU") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
