"""Publishing a weight folder to the Hugging Face Hub (``gglnet hub push``).

A release folder (``weights/<name>/``) is checked before anything is sent: ``config.json`` is a
valid :class:`~gglnet.GGLNetConfig`, the safetensors weights load strictly into that model, the
``README.md`` card carries gglnet's YAML metadata, and, for a registered name, the config and
every file's sha256 match the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import CommitInfo, HfApi, ModelCard

from gglnet.models.checkpoint import load_weights
from gglnet.models.folders import (
    CARD_NAME,
    CONFIG_NAME,
    check_sha256,
    file_sha256,
    read_config,
    read_weights,
    weight_files,
)
from gglnet.models.gglnet import GGLNet
from gglnet.models.registry import get_pretrained_cfg, get_weights_config, list_models

__all__ = ["ReleaseFile", "check_release_folder", "push_folder"]


@dataclass(frozen=True)
class ReleaseFile:
    """A file of a release folder: name, size in bytes, sha256."""

    name: str
    size: int
    sha256: str


def check_release_folder(folder: str | Path, name: str | None = None) -> list[ReleaseFile]:
    """Check that ``folder`` is a complete, loadable gglnet release.

    Args:
        folder: the release folder (``weights/<name>/``).
        name: the weights' name ``arch.tag`` (default: the folder's name). When it is in a
            weights table, the folder must match it (architecture config and sha256).

    Returns:
        The files to publish: ``config.json``, the weight files, ``README.md``.

    Raises:
        FileNotFoundError: ``config.json``, the weights or ``README.md`` is missing.
        ValueError: the config is invalid, the weights do not fit it, the card lacks
            ``library_name: gglnet`` or a license, or the folder differs from the registry.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"release folder not found: {folder}")
    name = name or folder.name
    config = read_config(folder)
    weights = weight_files(folder)
    load_weights(GGLNet(config), read_weights(folder), str(folder))
    card_path = folder / CARD_NAME
    if not card_path.is_file():
        raise FileNotFoundError(f"{card_path} not found: write the card with `gglnet hub card`")
    card = ModelCard.load(card_path)
    if card.data.library_name != "gglnet" or not card.data.license:
        raise ValueError(
            f"{card_path} lacks the YAML metadata 'library_name: gglnet' and a license "
            f"(got library_name={card.data.library_name!r}, license={card.data.license!r}); "
            "regenerate it with `gglnet hub card`"
        )
    if name in list_models(pretrained=True):
        registered = get_weights_config(name)
        if registered != config:
            raise ValueError(
                f"{folder / CONFIG_NAME} differs from the registered config of {name!r}: "
                f"{config} vs {registered}"
            )
        check_sha256(folder, get_pretrained_cfg(name))
    return [
        ReleaseFile(file, (folder / file).stat().st_size, file_sha256(folder / file))
        for file in (CONFIG_NAME, *weights, CARD_NAME)
    ]


def push_folder(
    folder: str | Path,
    repo_id: str,
    *,
    name: str | None = None,
    branch: str | None = None,
    private: bool | None = None,
    commit_message: str | None = None,
) -> CommitInfo:
    """Check a release folder (:func:`check_release_folder`) and upload it in one commit.

    Only the release files are uploaded (no caches or stray files). The repository is created
    if it does not exist, and so is ``branch``.

    Args:
        folder: the release folder.
        repo_id: the Hub repository, ``ORG/NAME``.
        name: the weights' gglnet name (default: the folder's name).
        branch: the branch to commit to (default ``main``).
        private: visibility of a repository created here.
        commit_message: the commit summary (default: ``"Upload <name>"``).

    Returns:
        The commit; its ``oid`` is the revision to pin in ``PretrainedCfg.revision``.

    Raises:
        everything :func:`check_release_folder` raises; huggingface_hub's HTTP errors.
    """
    folder = Path(folder)
    files = check_release_folder(folder, name)
    api = HfApi()
    repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
    if branch is not None:
        api.create_branch(repo_id, branch=branch, exist_ok=True)
    return api.upload_folder(
        repo_id=repo_id,
        folder_path=folder,
        revision=branch,
        allow_patterns=[file.name for file in files],
        commit_message=commit_message or f"Upload {name or folder.name}",
    )
