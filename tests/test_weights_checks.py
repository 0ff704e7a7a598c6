"""Weights are checked before use (hardening rows 3, 10 and 11): dtype, finiteness, tensors
defined twice, malformed config.json, truncated or pickled files, a weights dir that is empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hub_server import TINY, random_model
from safetensors.torch import load_file, save_file

import gglnet
from gglnet.cli import main
from gglnet.models import load_state_dict_file, load_weights


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    random_model().save_pretrained(folder)
    return folder


def _rewrite(folder: Path, key: str, tensor: torch.Tensor) -> None:
    tensors = load_file(folder / "model.safetensors")
    tensors[key] = tensor
    save_file(tensors, folder / "model.safetensors")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda t: t.to(torch.int32), r"dtype: head\.2\.weight: file torch\.int32"),
        (lambda t: t.to(torch.bool), r"dtype: head\.2\.weight: file torch\.bool"),
        (lambda t: t.to(torch.float16), r"dtype: head\.2\.weight: file torch\.float16"),
        (lambda t: torch.full_like(t, float("nan")), r"NaN or infinite values: head\.2\.weight"),
        (lambda t: torch.full_like(t, float("inf")), r"NaN or infinite values: head\.2\.weight"),
    ],
    ids=["int32", "bool", "float16", "nan", "inf"],
)
def test_bad_tensor_values_are_refused_with_file_and_tensor(
    saved: Path, make, match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "head.2.weight"
    _rewrite(saved, key, make(load_file(saved / "model.safetensors")[key]))
    for load in (gglnet.load_model, gglnet.GGLNet.from_pretrained):
        with pytest.raises(ValueError, match=match) as error:
            load(saved)
        assert str(saved) in str(error.value)
    frame = saved.parent / "f.png"
    import cv2
    import numpy as np

    cv2.imwrite(str(frame), np.zeros((16, 16), np.uint8))
    assert main(["predict", str(frame), "--model", str(saved), "--out", str(saved.parent / "o")])
    assert "do not fit this model" in capsys.readouterr().err


def test_integer_buffers_stay_integer(saved: Path) -> None:
    key = next(
        k for k in load_file(saved / "model.safetensors") if k.endswith("num_batches_tracked")
    )
    _rewrite(saved, key, torch.tensor(3, dtype=torch.int32))
    gglnet.load_model(saved)  # any integer width is fine for a step count
    _rewrite(saved, key, torch.tensor(3.0))
    with pytest.raises(ValueError, match="dtype"):
        gglnet.load_model(saved)


def test_nothing_is_loaded_when_one_tensor_fails() -> None:
    model = gglnet.GGLNet(**TINY)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = random_model().state_dict()
    state["head.2.bias"] = torch.full_like(state["head.2.bias"], float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        load_weights(model, state, "test")
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, before[key]), key


def test_a_tensor_defined_in_two_shards_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "sharded"
    random_model().save_pretrained(folder, max_shard_size=2000)
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    first = load_file(folder / shards[0])
    second = load_file(folder / shards[1])
    key = next(iter(first))
    second[key] = first[key]
    save_file(second, folder / shards[1])
    with pytest.raises(ValueError, match=rf"tensor '{key}' is defined twice, in .*{shards[0]}"):
        gglnet.load_model(folder)


@pytest.mark.parametrize(
    ("content", "match"),
    [("{bad json", "is not valid JSON"), ("[1, 2]", "must hold a JSON object, got list"),
     ('{"widths": "x"}', "config.json"), ('{"colour": 1}', "unknown GGLNetConfig option")],
)  # fmt: skip
def test_malformed_config_json_names_the_file(saved: Path, content: str, match: str) -> None:
    (saved / "config.json").write_text(content)
    for load in (gglnet.load_model, gglnet.GGLNet.from_pretrained):
        with pytest.raises((ValueError, TypeError), match=match) as error:
            load(saved)
        assert "config.json" in str(error.value)


def test_truncated_checkpoint_is_named(tmp_path: Path) -> None:
    path = tmp_path / "w.pth"
    torch.save(random_model().state_dict(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="corrupt or truncated") as error:
        load_state_dict_file(path)
    assert str(path) in str(error.value) and "Errno" not in str(error.value)


def test_empty_weights_dir_warns_before_falling_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(tmp_path))
    with pytest.warns(
        UserWarning, match=r"GGLNET_WEIGHTS_DIR is set but has no gglnet\.synthetic/"
    ):
        gglnet.create_model("gglnet.synthetic", pretrained=True)
