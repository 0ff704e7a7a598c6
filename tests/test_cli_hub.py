"""``gglnet hub``: list, download, card, push (against a local Hub)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hub_server import LocalHub, random_model, registered_weights, release_sha256
from huggingface_hub import ModelCard

from gglnet.cli import main
from gglnet.models.folders import file_sha256

NAME = "gglnet_test_cli.v1"
REPO = "gglnet-test/cli"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    random_model().save_pretrained(tmp_path / NAME)
    return tmp_path / NAME


@pytest.mark.parametrize("command", [[], ["list"], ["download"], ["card"], ["push"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["hub", *command, "--help"])
    assert exit_.value.code == 0
    assert "usage: gglnet hub" in capsys.readouterr().out


def test_list(folder: Path, capsys: pytest.CaptureFixture) -> None:
    sha256 = release_sha256(folder)
    with registered_weights(
        NAME, random_model().config, hf_hub_id=REPO, sha256=sha256, metrics={"iou": 0.5}
    ):
        assert main(["hub", "list"]) == 0
        out = capsys.readouterr().out
        assert f"{NAME}: {REPO}@main" in out and "iou=0.5" in out
        assert main(["hub", "list", "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
    row = next(row for row in rows if row["name"] == NAME)
    assert row["sha256"] == sha256 and row["hf_hub_id"] == REPO


def test_card_regenerates_readme_only(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture
) -> None:
    weights = file_sha256(folder / "model.safetensors")
    evaluation = tmp_path / "best.json"
    evaluation.write_text(
        json.dumps(
            {"data": "d/sirst", "split": "test", "iou": 0.7, "niou": 0.6, "pd": 0.9, "fa": 1e-5}
        )
    )
    notes = tmp_path / "notes.md"
    notes.write_text("Selected on the validation split.")
    args = ["hub", "card", str(folder), "--eval", str(evaluation), "--notes", str(notes)]
    args += ["--train-command", "gglnet train --epochs 2", "--repo-id", REPO]
    assert main(args) == 0
    assert "1 evaluation" in capsys.readouterr().out
    card = ModelCard.load(folder / "README.md")
    assert card.data.eval_results[0].metric_value == 0.7
    assert "gglnet train --epochs 2" in card.text and "Selected on the validation" in card.text
    assert file_sha256(folder / "model.safetensors") == weights


def test_card_error_exits_1(folder: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["hub", "card", str(folder), "--eval", str(folder / "missing.json")]) == 1
    assert "gglnet hub: error: evaluation file not found" in capsys.readouterr().err


def test_push_dry_run_sends_nothing(
    folder: Path, hub: LocalHub, capsys: pytest.CaptureFixture
) -> None:
    assert main(["hub", "push", str(folder), "--repo-id", REPO, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would upload to {REPO}" in out
    assert file_sha256(folder / "model.safetensors") in out
    assert hub.requests == []


def test_push(folder: Path, hub: LocalHub, capsys: pytest.CaptureFixture) -> None:
    assert main(["hub", "push", str(folder), "--repo-id", REPO]) == 0
    out = capsys.readouterr().out
    commit = hub.repos[REPO].branches["main"]
    assert f'revision="{commit}"' in out
    assert file_sha256(folder / "model.safetensors") in out
    assert sorted(hub.files(REPO)) == ["README.md", "config.json", "model.safetensors"]


def test_push_refuses_a_folder_without_card(
    folder: Path, hub: LocalHub, capsys: pytest.CaptureFixture
) -> None:
    (folder / "README.md").unlink()
    assert main(["hub", "push", str(folder), "--repo-id", REPO]) == 1
    assert "README.md not found" in capsys.readouterr().err
    assert hub.requests == []


def test_download(tmp_path: Path, folder: Path, hub: LocalHub) -> None:
    commit = hub.commit_folder(REPO, folder)
    model = random_model()
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=release_sha256(folder)
    ):
        assert main(["hub", "download", NAME, "--dir", str(tmp_path / "w")]) == 0
        assert main(["hub", "download", NAME, "--dir", str(tmp_path / "w")]) == 1
        assert main(["hub", "download", NAME, "--dir", str(tmp_path / "w"), "--overwrite"]) == 0
    assert (tmp_path / "w" / NAME / "model.safetensors").read_bytes() == (
        folder / "model.safetensors"
    ).read_bytes()


def test_download_unpublished_name(capsys: pytest.CaptureFixture) -> None:
    assert main(["hub", "download", "gglnet_fuse_add"]) == 1
    assert "has no weights" in capsys.readouterr().err
