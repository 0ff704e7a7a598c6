"""Named pretrained weights: resolution order, Hub download and cache, sha256, errors."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import torch
from hub_server import (
    TINY,
    LocalHub,
    assert_same_tensors,
    random_model,
    registered_weights,
    release_sha256,
)

import gglnet
from gglnet.models import loading
from gglnet.models.folders import weight_files
from gglnet.models.loading import download_pretrained, find_pretrained, load_pretrained

NAME = "gglnet_test_tiny.v1"
REPO = "gglnet-test/tiny"


@pytest.fixture
def release(tmp_path: Path) -> tuple[gglnet.GGLNet, Path]:
    """A tiny model and its save_pretrained folder."""
    model = random_model()
    model.save_pretrained(tmp_path / "release" / NAME)
    return model, tmp_path / "release" / NAME


def test_first_download_then_cache(
    hub: LocalHub, release: tuple[gglnet.GGLNet, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, folder = release
    commit = hub.commit_folder(REPO, folder)
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=release_sha256(folder)
    ):
        assert NAME in gglnet.list_models(pretrained=True)
        loaded = gglnet.create_model(NAME, pretrained=True)
        assert not loaded.training
        assert_same_tensors(model, loaded)
        assert f"/{REPO}/resolve/{commit}/model.safetensors" in hub.resolve_requests()
        assert find_pretrained(NAME).is_relative_to(hub.cache_dir)

        seen = len(hub.requests)
        hub.set_offline(monkeypatch)
        assert_same_tensors(model, gglnet.create_model(NAME, pretrained=True))
        assert len(hub.requests) == seen


def test_offline_without_cache_says_how_to_get_the_files(
    hub: LocalHub, release: tuple[gglnet.GGLNet, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, folder = release
    commit = hub.commit_folder(REPO, folder)
    hub.set_offline(monkeypatch)
    with (
        registered_weights(
            NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=release_sha256(folder)
        ),
        pytest.raises(FileNotFoundError) as error,
    ):
        gglnet.create_model(NAME, pretrained=True)
    message = str(error.value)
    for part in (f"{REPO}@{commit}", "GGLNET_WEIGHTS_DIR", f"gglnet hub download {NAME}"):
        assert part in message
    assert hub.resolve_requests() == []


def test_revision_pin(tmp_path: Path, hub: LocalHub, release: tuple[gglnet.GGLNet, Path]) -> None:
    model, folder = release
    pinned = hub.commit_folder(REPO, folder)
    newer = random_model()
    newer.save_pretrained(tmp_path / "newer")
    hub.commit_folder(REPO, tmp_path / "newer")
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=pinned, sha256=release_sha256(folder)
    ):
        assert_same_tensors(model, gglnet.create_model(NAME, pretrained=True))
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, sha256=release_sha256(tmp_path / "newer")
    ):
        assert_same_tensors(newer, gglnet.create_model(NAME, pretrained=True))


def test_corrupted_file_loads_nothing(hub: LocalHub, release: tuple[gglnet.GGLNet, Path]) -> None:
    model, folder = release
    sha256 = release_sha256(folder)
    data = bytearray((folder / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in the last tensor: still valid safetensors
    commit = hub.commit(REPO, {"model.safetensors": bytes(data)})
    target = gglnet.GGLNet(**TINY)
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with (
        registered_weights(NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=sha256),
        pytest.raises(ValueError, match="sha256 mismatch") as error,
    ):
        load_pretrained(target, NAME)
    assert sha256["model.safetensors"] in str(error.value)
    assert "model.safetensors" in str(error.value)
    for key, tensor in target.state_dict().items():
        assert torch.equal(tensor, before[key]), key


@pytest.mark.parametrize(
    ("repo", "filename", "reason"),
    [
        ("gglnet-test/missing", "model.safetensors", "RepositoryNotFoundError"),
        (REPO, "model.safetensors.index.json", "EntryNotFoundError"),
    ],
)
def test_not_on_the_hub(
    hub: LocalHub,
    release: tuple[gglnet.GGLNet, Path],
    repo: str,
    filename: str,
    reason: str,
) -> None:
    model, folder = release
    hub.commit_folder(REPO, folder)
    sha256 = {filename: "0" * 64}
    with (
        registered_weights(NAME, model.config, hf_hub_id=repo, filename=filename, sha256=sha256),
        pytest.raises(FileNotFoundError, match=reason) as error,
    ):
        gglnet.create_model(NAME, pretrained=True)
    assert f"{repo}@main" in str(error.value)


def test_sharded_weights(tmp_path: Path, hub: LocalHub) -> None:
    model = random_model()
    model.save_pretrained(tmp_path / "sharded", max_shard_size=2000)
    sha256 = release_sha256(tmp_path / "sharded")
    assert len(sha256) > 3
    commit = hub.commit_folder(REPO, tmp_path / "sharded")
    index = "model.safetensors.index.json"
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, filename=index, sha256=sha256
    ):
        assert_same_tensors(model, gglnet.create_model(NAME, pretrained=True))
    first_shard = weight_files(tmp_path / "sharded")[1]
    incomplete = {k: v for k, v in sha256.items() if k != first_shard}
    with (
        registered_weights(
            NAME, model.config, hf_hub_id=REPO, revision=commit, filename=index, sha256=incomplete
        ),
        pytest.raises(ValueError, match="no published sha256"),
    ):
        gglnet.create_model(NAME, pretrained=True)


def test_weights_dir_comes_first(
    tmp_path: Path,
    hub: LocalHub,
    release: tuple[gglnet.GGLNet, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, folder = release
    other = random_model()
    other.save_pretrained(loading.checkout_weights_dir() / NAME)
    sha256 = release_sha256(folder)
    monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(folder.parent))
    with registered_weights(NAME, model.config, hf_hub_id=REPO, sha256=sha256):
        assert find_pretrained(NAME) == folder
        assert_same_tensors(model, gglnet.create_model(NAME, pretrained=True))
    assert hub.requests == []


def test_checkout_weights_before_the_hub(
    hub: LocalHub, release: tuple[gglnet.GGLNet, Path]
) -> None:
    model, folder = release
    model.save_pretrained(loading.checkout_weights_dir() / NAME)
    with registered_weights(NAME, model.config, hf_hub_id=REPO, sha256=release_sha256(folder)):
        assert find_pretrained(NAME) == loading.checkout_weights_dir() / NAME
        assert_same_tensors(model, gglnet.create_model(NAME, pretrained=True))
    assert hub.requests == []


def test_corrupt_local_copy_is_an_error_not_a_fallback(
    hub: LocalHub, release: tuple[gglnet.GGLNet, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, folder = release
    sha256 = release_sha256(folder)
    hub.commit_folder(REPO, folder)
    random_model().save_pretrained(folder)
    monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(folder.parent))
    with (
        registered_weights(NAME, model.config, hf_hub_id=REPO, sha256=sha256),
        pytest.raises(ValueError, match="sha256 mismatch"),
    ):
        gglnet.create_model(NAME, pretrained=True)
    assert hub.requests == []


def test_download_pretrained_for_offline_use(
    tmp_path: Path,
    hub: LocalHub,
    release: tuple[gglnet.GGLNet, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, folder = release
    commit = hub.commit_folder(REPO, folder)
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=release_sha256(folder)
    ):
        target = download_pretrained(NAME, tmp_path / "offline")
        assert sorted(p.name for p in target.iterdir()) == [
            "README.md",
            "config.json",
            "model.safetensors",
        ]
        with pytest.raises(FileExistsError, match="overwrite"):
            download_pretrained(NAME, tmp_path / "offline")
        hub.set_offline(monkeypatch)
        monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(tmp_path / "offline"))
        assert find_pretrained(NAME) == target
        assert_same_tensors(model, gglnet.create_model(NAME, pretrained=True))
        assert_same_tensors(model, gglnet.load_model(NAME))


def test_unpublished_name_is_refused() -> None:
    with pytest.raises(ValueError, match="'gglnet_fuse_add' has no weights"):
        find_pretrained("gglnet_fuse_add")
    with pytest.raises(ValueError, match=r"weights 'gglnet\.nope' are not published"):
        find_pretrained("gglnet.nope")


def test_default_tag_is_the_first_of_the_table() -> None:
    assert loading.pretrained_name("gglnet") == gglnet.list_models("gglnet.*", pretrained=True)[0]


@pytest.mark.parametrize("value", ["missing-folder", "a-file"])
def test_weights_dir_that_is_not_a_folder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(tmp_path / value))
    with pytest.raises(FileNotFoundError, match=r"GGLNET_WEIGHTS_DIR=.* is not a folder"):
        gglnet.create_model("gglnet.synthetic", pretrained=True)


def test_unreachable_hub_fails_fast_with_advice_that_works(
    tmp_path: Path, hub: LocalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No retry loop when the Hub cannot be reached (row 9 of the hardening issue): only the
    cache is asked, and weights not yet pushed point at the source checkout."""
    from huggingface_hub import constants

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")
    start = time.monotonic()
    with pytest.raises(FileNotFoundError) as error:
        gglnet.create_model("gglnet.synthetic", pretrained=True)
    assert time.monotonic() - start < 5
    message = str(error.value)
    assert "not reachable" in message
    assert "weights/gglnet.synthetic/ folder of gglnet's source repository" in message
    assert "\n" not in message


def test_from_pretrained_of_a_published_repo_checks_sha256(
    hub: LocalHub, release: tuple[gglnet.GGLNet, Path]
) -> None:
    model, folder = release
    sha256 = release_sha256(folder)
    data = bytearray((folder / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    hub.commit(
        REPO,
        {"model.safetensors": bytes(data), "config.json": (folder / "config.json").read_bytes()},
    )
    with (
        registered_weights(NAME, model.config, hf_hub_id=REPO, sha256=sha256),
        pytest.raises(ValueError, match="sha256 mismatch"),
    ):
        gglnet.GGLNet.from_pretrained(REPO)
    gglnet.GGLNet.from_pretrained(REPO)  # not published: loads what the repository holds
