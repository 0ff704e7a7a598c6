"""``gglnet predict`` never loses what it finished (hardening row 1): a frame that fails is
reported with its path and reason, the others are written, and a rerun resumes or replaces."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

import gglnet
from gglnet.cli import main
from gglnet.cli import predict as predict_cli
from gglnet.data.image import image_size, read_image
from gglnet.inference import Predictor
from gglnet.padding import DEFAULT_SIZE_BUCKETS


def _huge_png(path: Path, side: int = 16000) -> None:
    """A real, small PNG that decodes to ``side x side`` grey pixels (streamed zlib)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + zeros
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "tiny"
    gglnet.create_model("gglnet", widths=(4, 8)).save_pretrained(folder)
    return folder


@pytest.fixture
def frames(tmp_path: Path) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a", "c"):
        cv2.imwrite(str(folder / f"{name}.png"), rng.integers(0, 255, (40, 56), dtype=np.uint8))
    _huge_png(folder / "b.png")
    return folder


def test_huge_png_is_read_from_its_header(frames: Path) -> None:
    assert image_size(frames / "b.png") == (16000, 16000)
    assert (frames / "b.png").stat().st_size < 1_000_000
    with pytest.raises(ValueError, match=r"b\.png is 16000x16000 \(256,000,000 pixels\)"):
        read_image(frames / "b.png", max_pixels=40_000_000)


def test_a_failing_frame_is_reported_and_the_others_written(
    frames: Path, model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["predict", str(frames), "--model", str(model_dir), "--out", str(out), "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{frames / 'b.png'}" in err and "above the limit" in err
    assert "Traceback" not in err
    report = json.loads((out / "detections.json").read_text())
    assert [Path(r["file"]).name for r in report["images"]] == ["a.png", "c.png"]
    assert [Path(f["file"]).name for f in report["failures"]] == ["b.png"]
    assert "16000x16000" in report["failures"][0]["error"]
    for name in ("probs", "masks", "overlays"):
        assert sorted(p.name for p in (out / name).iterdir()) == ["a.png", "c.png"]

    # a plain rerun refuses to overwrite; --skip-existing resumes; --overwrite replaces
    assert main(argv) == 1
    assert "--skip-existing" in capsys.readouterr().err
    written = (out / "probs" / "a.png").stat().st_mtime_ns
    (frames / "b.png").unlink()
    cv2.imwrite(str(frames / "b.png"), np.zeros((40, 56), np.uint8))
    assert main([*argv, "--skip-existing"]) == 0
    assert (out / "probs" / "a.png").stat().st_mtime_ns == written
    report = json.loads((out / "detections.json").read_text())
    assert [Path(r["file"]).name for r in report["images"]] == ["a.png", "b.png", "c.png"]
    assert report["failures"] == []
    assert "2 kept from before" in capsys.readouterr().out
    assert main([*argv, "--overwrite"]) == 0
    assert (out / "probs" / "a.png").stat().st_mtime_ns != written


def test_undecodable_and_out_of_memory_frames_fail_alone(
    frames: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (frames / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    cv2.imwrite(str(frames / "d.png"), np.zeros((48, 64), np.uint8))
    real = gglnet.Predictor.__call__

    def short_of_memory(self, images, layout=None):  # type: ignore[no-untyped-def]
        batch = images if isinstance(images, list) else [images]
        if any(image.shape == (48, 64) for image in batch):
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:118] DefaultCPUAllocator: oom")
        return real(self, images, layout)

    monkeypatch.setattr(gglnet.Predictor, "__call__", short_of_memory)
    out = tmp_path / "out"
    code = main(["predict", str(frames), "--model", str(model_dir), "--out", str(out), "--quiet"])
    assert code == 1
    report = json.loads((out / "detections.json").read_text())
    assert [Path(r["file"]).name for r in report["images"]] == ["a.png", "c.png"]
    errors = {Path(f["file"]).name: f["error"] for f in report["failures"]}
    assert set(errors) == {"b.png", "d.png"}
    assert "cannot decode" in errors["b.png"]
    assert errors["d.png"].startswith("out of memory")


def test_tile_options(model_dir: Path, frames: Path, tmp_path: Path) -> None:
    (frames / "b.png").unlink()
    out = str(tmp_path / "o")
    base = ["predict", str(frames), "--model", str(model_dir), "--quiet"]
    assert main([*base, "--out", out, "--tile", "none"]) == 0
    assert main([*base, "--out", out + "2", "--tile", "32", "--tile-overlap", "8"]) == 0
    with pytest.raises(SystemExit):
        main([*base, "--out", out + "3", "--tile", "big"])
    assert main([*base, "--out", out + "4", "--tile", "none", "--tile-overlap", "8"]) == 1


@pytest.mark.parametrize(
    ("flags", "expected"),
    [([], "auto"), (["--size-buckets"], DEFAULT_SIZE_BUCKETS), (["--no-size-buckets"], None)],
)
def test_size_buckets_reach_the_predictor(
    model_dir: Path,
    frames: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    expected: object,
) -> None:
    seen: dict[str, object] = {}

    class Spy(Predictor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            seen.update(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(predict_cli, "Predictor", Spy)
    (frames / "b.png").unlink()
    args = ["predict", str(frames), "--model", str(model_dir), "--out", str(tmp_path / "o")]
    assert main([*args, "--quiet", *flags]) == 0
    assert seen["size_buckets"] == expected
