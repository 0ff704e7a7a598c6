"""The one weight loader: a published name, a Hub-layout folder or a weight file.

Published weights (``arch.tag``, see :mod:`gglnet.models.registry`) are looked for in order:

1. ``$GGLNET_WEIGHTS_DIR/<arch.tag>/``: ``GGLNET_WEIGHTS_DIR`` names a folder of weight
   folders, laid out like the checkout's ``weights/``; when it is set it must exist;
2. ``weights/<arch.tag>/`` of the source checkout (present in a git checkout or editable
   install);
3. the Hugging Face Hub: ``hf_hub_download(hf_hub_id, filename, revision=...)``, which uses the
   huggingface_hub cache and honours ``HF_HUB_OFFLINE``.

The first folder holding the published weight file wins. Every file read is checked against
the published sha256 before anything is loaded; a mismatch is an error, never a fallback.
Every route that reads published weights comes here: ``create_model(name, pretrained=True)``,
``load_model``, ``GGLNet.from_pretrained`` of a published repository, and timm.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path

import torch
from huggingface_hub import constants, hf_hub_download
from huggingface_hub.errors import LocalEntryNotFoundError
from torch import nn

from gglnet.models.checkpoint import load_state_dict_file, load_weights
from gglnet.models.folders import (
    CARD_NAME,
    CONFIG_NAME,
    check_sha256,
    download_weights,
    read_weights,
)
from gglnet.models.pretrained import PretrainedCfg
from gglnet.models.registry import (
    get_pretrained_cfg,
    list_models,
    names_weights,
    pretrained_name,
)

__all__ = [
    "WEIGHTS_DIR_ENV",
    "checkout_weights_dir",
    "download_pretrained",
    "find_pretrained",
    "load_pretrained",
    "local_weight_folders",
    "published_cfg_for_repo",
    "read_state_dict",
]

WEIGHTS_DIR_ENV = "GGLNET_WEIGHTS_DIR"
_PUSHED = re.compile(r"[0-9a-f]{40}")  # a pinned commit: the weights are on the Hub


def checkout_weights_dir() -> Path:
    """The ``weights/`` folder beside the ``gglnet`` package (exists in a source checkout)."""
    return Path(__file__).resolve().parents[2] / "weights"


def _weights_dir_from_env() -> Path | None:
    value = os.environ.get(WEIGHTS_DIR_ENV)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{WEIGHTS_DIR_ENV}={value} is not a folder: point it at a folder of weight folders "
            f"(DIR/<name>/config.json + model.safetensors, as `gglnet hub download NAME --dir "
            f"DIR` writes), or unset it"
        )
    return folder


def local_weight_folders(name: str) -> list[Path]:
    """The local folders searched for the weights ``arch.tag``, in order (they may not exist).

    ``$GGLNET_WEIGHTS_DIR/<name>`` (when the variable is set), then the checkout's
    ``weights/<name>``.

    Raises:
        FileNotFoundError: ``GGLNET_WEIGHTS_DIR`` is set to something that is not a folder.
    """
    folders = []
    weights_dir = _weights_dir_from_env()
    if weights_dir is not None:
        folders.append(weights_dir / name)
    folders.append(checkout_weights_dir() / name)
    return folders


def find_pretrained(name: str) -> Path:
    """The folder holding the weight files of ``name``, searched in the module's order.

    A Hub download lands in the huggingface_hub cache; the returned folder is its snapshot.
    Offline (``HF_HUB_OFFLINE=1``, or no network) only the cache is asked, once.

    Args:
        name: ``arch.tag``, or an architecture (its default weights).

    Raises:
        ValueError: ``name`` is unknown or has no published weights.
        FileNotFoundError: no folder has the files and the Hub cannot provide them; the
            message lists where it looked and how to get the files.
    """
    name = pretrained_name(name)
    cfg = get_pretrained_cfg(name)
    looked = [] if os.environ.get(WEIGHTS_DIR_ENV) else [f"${WEIGHTS_DIR_ENV} (not set)"]
    for folder in local_weight_folders(name):
        if (folder / cfg.filename).is_file():
            if looked and os.environ.get(WEIGHTS_DIR_ENV):
                warnings.warn(
                    f"{WEIGHTS_DIR_ENV} is set but has no {name}/ ({looked[0]}); using {folder}",
                    UserWarning,
                    stacklevel=3,
                )
            return folder
        looked.append(f"{folder} (no {cfg.filename})")
    try:
        return download_weights(cfg.hf_hub_id, filename=cfg.filename, revision=cfg.revision)
    except OSError as error:
        if isinstance(error, LocalEntryNotFoundError):
            how = "offline (HF_HUB_OFFLINE)" if constants.HF_HUB_OFFLINE else "not reachable"
            reason = f"{constants.ENDPOINT} is {how} and the files are not in the local cache"
        else:
            text = str(error).strip()
            reason = f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"
        looked.append(f"the Hugging Face Hub, {cfg.hub_url} ({reason})")
    if _PUSHED.fullmatch(cfg.revision):
        advice = (
            f"On a machine that reaches the Hub, run `gglnet hub download {name} --dir DIR`, "
            f"copy DIR here and set {WEIGHTS_DIR_ENV}=DIR."
        )
    else:
        advice = (
            f"These weights are not on the Hub yet: they ship in the weights/{name}/ folder of "
            "gglnet's source repository. Install gglnet from a clone (pip install -e .), or "
            f"copy that folder into DIR and set {WEIGHTS_DIR_ENV}=DIR."
        )
    raise FileNotFoundError(
        f"no weights found for {name!r}; looked in: " + "; ".join(looked) + f". {advice}"
    )


def read_state_dict(source: str | Path) -> tuple[dict[str, torch.Tensor], str]:
    """Read weights from a published name, a Hub-layout folder or a weight file.

    Published weights are checked against their sha256 first.

    Args:
        source: ``arch.tag`` (or an architecture with published weights) as a ``str``; a
            :class:`~pathlib.Path` or ``str`` of a folder holding
            ``model.safetensors`` or shards with their index; a ``.safetensors``, ``.pth`` or
            authors' ``.pth.tar`` file.

    Returns:
        ``(state_dict, description)``: tensors on CPU in gglnet's key names, and where they
        came from (for messages).

    Raises:
        FileNotFoundError: no such file or folder, or the published weights are not found.
        ValueError: a corrupt or tampered file, or an unknown name.
    """
    if not isinstance(source, Path) and names_weights(source):
        name = pretrained_name(source)
        folder = find_pretrained(name)
        check_sha256(folder, get_pretrained_cfg(name))
        return read_weights(folder, get_pretrained_cfg(name).filename), f"{name} ({folder})"
    path = Path(source)
    if path.is_dir():
        return read_weights(path), str(path)
    return load_state_dict_file(path), str(path)


def load_pretrained(model: nn.Module, name: str) -> Path:
    """Load the published weights ``name`` into ``model`` (strictly, sha256 checked).

    Args:
        model: a model built from the name's architecture.
        name: ``arch.tag``, or an architecture (its default weights).

    Returns:
        The folder the weights were read from.

    Raises:
        ValueError: no published weights, sha256 mismatch, or tensors that do not fit.
        FileNotFoundError: the weights are nowhere to be found (see :func:`find_pretrained`).
    """
    name = pretrained_name(name)
    cfg = get_pretrained_cfg(name)
    folder = find_pretrained(name)
    check_sha256(folder, cfg)
    load_weights(model, read_weights(folder, cfg.filename), f"{name} ({folder})")
    return folder


def published_cfg_for_repo(repo_id: str, revision: str | None) -> PretrainedCfg | None:
    """The published weights that live in Hub repository ``repo_id`` at ``revision``, if any.

    ``revision=None`` matches weights registered at ``main``. Used to sha256-check
    ``GGLNet.from_pretrained`` downloads of published repositories.
    """
    for name in list_models(pretrained=True):
        cfg = get_pretrained_cfg(name)
        if cfg.hf_hub_id == repo_id and (revision or "main") == cfg.revision:
            return cfg
    return None


def download_pretrained(name: str, directory: str | Path, overwrite: bool = False) -> Path:
    """Fetch the published folder of ``name`` from the Hub into ``directory/arch.tag``.

    The folder gets the weight files (checked against their sha256 first), ``config.json`` and
    the ``README.md`` card: a layout that ``GGLNET_WEIGHTS_DIR=directory`` finds offline.

    Args:
        name: ``arch.tag``, or an architecture (its default weights).
        directory: the folder of weight folders.
        overwrite: replace files already in ``directory/arch.tag``.

    Returns:
        ``directory/arch.tag``.

    Raises:
        FileExistsError: ``directory/arch.tag`` holds files and ``overwrite`` is false.
        NotADirectoryError: ``directory`` is a file.
        ValueError: sha256 mismatch. OSError: the Hub cannot provide the files.
    """
    name = pretrained_name(name)
    cfg = get_pretrained_cfg(name)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"--dir {directory} is a file, not a folder")
    target = directory / name
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{target} is not empty; pass overwrite=True (--overwrite) to replace"
        )
    snapshot = download_weights(cfg.hf_hub_id, filename=cfg.filename, revision=cfg.revision)
    files = check_sha256(snapshot, cfg)
    for extra in (CONFIG_NAME, CARD_NAME):
        hf_hub_download(cfg.hf_hub_id, extra, revision=snapshot.name)
    target.mkdir(parents=True, exist_ok=True)
    for filename in (*files, CONFIG_NAME, CARD_NAME):
        shutil.copyfile(snapshot / filename, target / filename)
    return target
