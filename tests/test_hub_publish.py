"""Release folders: the checks before a push, and the push to a local Hub."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hub_server import LocalHub, random_model, registered_weights, release_sha256
from safetensors.torch import load_file, save_file

import gglnet
from gglnet.hub.publish import check_release_folder, push_folder
from gglnet.models import loading
from gglnet.models.folders import file_sha256

NAME = "gglnet_test_release.v1"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    random_model().save_pretrained(tmp_path / NAME, model_card_kwargs={"name": NAME})
    return tmp_path / NAME


def test_check_lists_the_release_files(folder: Path) -> None:
    files = check_release_folder(folder)
    assert [f.name for f in files] == ["config.json", "model.safetensors", "README.md"]
    for file in files:
        assert file.sha256 == file_sha256(folder / file.name)
        assert file.size == (folder / file.name).stat().st_size


def test_check_sharded(folder: Path) -> None:
    random_model().save_pretrained(folder, max_shard_size=2000)
    names = [f.name for f in check_release_folder(folder)]
    assert names[1] == "model.safetensors.index.json" and len(names) > 5


def drop_head_tensors(folder: Path) -> None:
    tensors = load_file(folder / "model.safetensors")
    save_file({k: v for k, v in tensors.items() if "head" not in k}, folder / "model.safetensors")


@pytest.mark.parametrize(
    ("break_folder", "error", "match"),
    [
        pytest.param(
            lambda f: (f / "README.md").unlink(), FileNotFoundError, "gglnet hub card", id="card"
        ),
        pytest.param(
            lambda f: (f / "config.json").unlink(), FileNotFoundError, "config", id="config"
        ),
        pytest.param(
            lambda f: (f / "model.safetensors").unlink(),
            FileNotFoundError,
            "no weights",
            id="weights",
        ),
        pytest.param(
            lambda f: (f / "README.md").write_text("no metadata\n"),
            ValueError,
            "library_name",
            id="card-metadata",
        ),
        pytest.param(drop_head_tensors, ValueError, "missing: head", id="missing-tensors"),
    ],
)
def test_check_refuses_incomplete_folders(
    folder: Path, break_folder: Callable[[Path], object], error: type[Exception], match: str
) -> None:
    break_folder(folder)
    with pytest.raises(error, match=match):
        check_release_folder(folder)


def test_check_compares_with_the_registry(folder: Path) -> None:
    model = random_model()
    with registered_weights(NAME, model.config, hf_hub_id="o/n", sha256=release_sha256(folder)):
        check_release_folder(folder)
        random_model().save_pretrained(folder)
        with pytest.raises(ValueError, match="sha256 mismatch"):
            check_release_folder(folder)
    with (
        registered_weights(
            NAME, model.config.replace(fusion="add"), hf_hub_id="o/n", sha256=release_sha256(folder)
        ),
        pytest.raises(ValueError, match="differs from the registered config"),
    ):
        check_release_folder(folder)


def test_push_uploads_only_the_release(folder: Path, hub: LocalHub) -> None:
    (folder / "notes.txt").write_text("scratch")
    commit = push_folder(folder, "gglnet-test/release")
    files = hub.files("gglnet-test/release")
    assert sorted(files) == ["README.md", "config.json", "model.safetensors"]
    assert files["model.safetensors"] == (folder / "model.safetensors").read_bytes()
    assert hub.files("gglnet-test/release", commit.oid) == files
    assert commit.oid in commit.commit_url


def test_push_to_a_new_branch(folder: Path, hub: LocalHub) -> None:
    main = push_folder(folder, "gglnet-test/release")
    random_model().save_pretrained(folder)
    candidate = push_folder(folder, "gglnet-test/release", branch="candidate")
    assert hub.repos["gglnet-test/release"].branches == {
        "main": main.oid,
        "candidate": candidate.oid,
    }
    assert (
        hub.files("gglnet-test/release", "candidate")["model.safetensors"]
        == (folder / "model.safetensors").read_bytes()
    )


@pytest.mark.parametrize("name", gglnet.list_models(pretrained=True))
def test_every_listed_weights_folder_is_a_complete_release(name: str) -> None:
    folder = loading.checkout_weights_dir() / name
    assert folder.is_dir(), f"{name} is listed but {folder} is missing"
    files = check_release_folder(folder)
    cfg = gglnet.get_pretrained_cfg(name)
    assert {f.name: f.sha256 for f in files if f.name in cfg.sha256} == cfg.sha256
    assert cfg.hf_hub_id == f"gglnet/{name}"
    assert all(f.size <= 16 * 2**20 for f in files), "files above 16 MiB"
