"""Hub-layout folders and GGLNet's hub mixin: save_pretrained, from_pretrained, push_to_hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hub_server import TINY, LocalHub, assert_same_tensors, random_model
from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError
from safetensors.torch import load_file, save_file

import gglnet
from gglnet.models.folders import download_weights, read_config, read_weights, weight_files
from gglnet.models.registry import get_architecture


@pytest.mark.parametrize("name", gglnet.list_models())
def test_round_trip_every_variant(tmp_path: Path, name: str) -> None:
    model = random_model(name)
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config == model.config.to_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README.md",
        "config.json",
        "model.safetensors",
    ]
    loaded = gglnet.GGLNet.from_pretrained(tmp_path)
    assert loaded.config == model.config == get_architecture(name).config.replace(**TINY)
    assert not loaded.training
    assert_same_tensors(model, loaded)
    assert read_config(tmp_path) == model.config


def test_from_pretrained_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path)
    gglnet.GGLNet.from_pretrained(tmp_path)
    assert capsys.readouterr().out == ""


def test_sharded_save_and_load(tmp_path: Path) -> None:
    model = random_model()
    model.save_pretrained(tmp_path, max_shard_size=2000)
    files = weight_files(tmp_path)
    assert files[0] == "model.safetensors.index.json" and len(files) > 3
    assert not (tmp_path / "model.safetensors").exists()
    assert_same_tensors(model, gglnet.GGLNet.from_pretrained(tmp_path))
    model.save_pretrained(tmp_path)  # unsharded again: the shards of the earlier save go
    assert weight_files(tmp_path) == ["model.safetensors"]
    assert sorted(p.name for p in tmp_path.glob("*.safetensors*")) == ["model.safetensors"]


def test_missing_tensor_is_an_error(tmp_path: Path) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path)
    tensors = load_file(tmp_path / "model.safetensors")
    del tensors["head.2.bias"]
    save_file(tensors, tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match=r"missing: head\.2\.bias"):
        gglnet.GGLNet.from_pretrained(tmp_path)


def test_unknown_config_option_is_an_error(tmp_path: Path) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "dropout": 0.1}))
    with pytest.raises(TypeError, match="dropout"):
        gglnet.GGLNet.from_pretrained(tmp_path)


def test_missing_config_is_an_error(tmp_path: Path) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path)
    (tmp_path / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        gglnet.GGLNet.from_pretrained(tmp_path)


def test_pickle_weights_are_not_read(tmp_path: Path) -> None:
    model = gglnet.GGLNet(**TINY)
    model.save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(FileNotFoundError, match="safetensors only"):
        gglnet.GGLNet.from_pretrained(tmp_path)


def test_corrupt_weights_name_the_file(tmp_path: Path) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match=r"model\.safetensors"):
        read_weights(tmp_path)


@pytest.mark.parametrize(
    ("index", "match"),
    [
        ({"metadata": {}}, "weight_map"),
        ({"weight_map": {"head.2.bias": "../outside.safetensors"}}, "not safetensors beside it"),
        ({"weight_map": {"head.2.bias": "shard.bin"}}, "not safetensors beside it"),
    ],
)
def test_bad_index_is_an_error(tmp_path: Path, index: dict, match: str) -> None:
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(ValueError, match=match):
        weight_files(tmp_path)


def test_missing_shard_is_an_error(tmp_path: Path) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path, max_shard_size=2000)
    shard = weight_files(tmp_path)[-1]
    (tmp_path / shard).unlink()
    with pytest.raises(FileNotFoundError, match=shard):
        gglnet.GGLNet.from_pretrained(tmp_path)


def test_config_argument_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"model\.config"):
        gglnet.GGLNet(**TINY).save_pretrained(tmp_path, config={"widths": [16, 32]})


def test_save_pretrained_writes_a_short_card(tmp_path: Path) -> None:
    gglnet.GGLNet(**TINY).save_pretrained(tmp_path, model_card_kwargs={"name": "tiny"})
    card = (tmp_path / "README.md").read_text()
    assert "library_name: gglnet" in card and "# tiny" in card
    assert "gglnet hub card" in card and "More Information Needed" not in card


def test_from_hub_with_revision_pin(tmp_path: Path, hub: LocalHub) -> None:
    first, second = random_model(), random_model()
    first.save_pretrained(tmp_path / "v1")
    second.save_pretrained(tmp_path / "v2")
    v1 = hub.commit_folder("org/tiny", tmp_path / "v1")
    hub.commit_folder("org/tiny", tmp_path / "v2")
    assert_same_tensors(second, gglnet.GGLNet.from_pretrained("org/tiny"))
    assert_same_tensors(first, gglnet.GGLNet.from_pretrained("org/tiny", revision=v1))


def test_from_hub_sharded(tmp_path: Path, hub: LocalHub) -> None:
    model = random_model()
    model.save_pretrained(tmp_path / "release", max_shard_size=2000)
    hub.commit_folder("org/sharded", tmp_path / "release")
    assert_same_tensors(model, gglnet.GGLNet.from_pretrained("org/sharded"))
    shard_requests = [p for p in hub.resolve_requests() if "-of-" in p]
    assert len(shard_requests) >= 2 * (len(weight_files(tmp_path / "release")) - 1)


def test_from_hub_offline_uses_the_cache(
    tmp_path: Path, hub: LocalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = random_model()
    model.save_pretrained(tmp_path / "release")
    hub.commit_folder("org/tiny", tmp_path / "release")
    gglnet.GGLNet.from_pretrained("org/tiny")
    seen = len(hub.requests)
    hub.set_offline(monkeypatch)
    assert_same_tensors(model, gglnet.GGLNet.from_pretrained("org/tiny"))
    assert len(hub.requests) == seen
    with pytest.raises(LocalEntryNotFoundError):
        download_weights("org/never-downloaded")


def test_from_hub_unknown_repo(hub: LocalHub) -> None:
    with pytest.raises(RepositoryNotFoundError):
        gglnet.GGLNet.from_pretrained("org/nothing-here")


def test_push_to_hub_uploads_a_loadable_repo(hub: LocalHub) -> None:
    model = random_model("gglnet_fuse_sam")
    model.push_to_hub("org/pushed")
    assert sorted(hub.files("org/pushed")) == ["README.md", "config.json", "model.safetensors"]
    loaded = gglnet.GGLNet.from_pretrained("org/pushed")
    assert loaded.config == model.config
    assert_same_tensors(model, loaded)
