"""Named pretrained weights: find their files, check their sha256, load them.

``gglnet.create_model(name, pretrained=True)`` looks for the weights of ``name`` in this order:

1. ``$GGLNET_WEIGHTS_DIR/<name>/`` — ``GGLNET_WEIGHTS_DIR`` names a folder of weight folders,
   laid out like the checkout's ``weights/``;
2. ``weights/<name>/`` of the source checkout (present in a git checkout or editable install);
3. the Hugging Face Hub: ``hf_hub_download(hf_hub_id, filename, revision=...)``, which uses the
   huggingface_hub cache and honours ``HF_HUB_OFFLINE``.

The first folder holding the registered weight file wins. Every file read is checked against
the registered sha256 before anything is loaded; a mismatch is an error, never a fallback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from huggingface_hub import hf_hub_download
from torch import nn

from gglnet.hub.serialization import CONFIG_NAME, download_weights, read_weights, weight_files
from gglnet.models.checkpoint import load_weights
from gglnet.models.pretrained import PretrainedCfg, get_pretrained_cfg
from gglnet.models.registry import ModelEntry

__all__ = [
    "WEIGHTS_DIR_ENV",
    "check_sha256",
    "checkout_weights_dir",
    "download_pretrained",
    "file_sha256",
    "find_pretrained",
    "load_pretrained",
    "local_weight_folders",
]

WEIGHTS_DIR_ENV = "GGLNET_WEIGHTS_DIR"
CARD_NAME = "README.md"


def checkout_weights_dir() -> Path:
    """The ``weights/`` folder beside the ``gglnet`` package (exists in a source checkout)."""
    return Path(__file__).resolve().parents[2] / "weights"


def file_sha256(path: str | Path) -> str:
    """Hex sha256 digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_weight_folders(name: str) -> list[Path]:
    """The local folders searched for the weights of ``name``, in order.

    ``$GGLNET_WEIGHTS_DIR/<name>`` (when the variable is set), then the checkout's
    ``weights/<name>``. They may not exist.
    """
    folders = []
    weights_dir = os.environ.get(WEIGHTS_DIR_ENV)
    if weights_dir:
        folders.append(Path(weights_dir).expanduser() / name)
    folders.append(checkout_weights_dir() / name)
    return folders


def find_pretrained(name: str) -> Path:
    """The folder holding the weight files of ``name``, searched in the module's order.

    A Hub download lands in the huggingface_hub cache; the returned folder is its snapshot.

    Args:
        name: a name from ``gglnet.list_models(pretrained=True)``.

    Raises:
        ValueError: ``name`` is unknown or has no published weights.
        FileNotFoundError: no folder has the files and the Hub cannot provide them; the
            message lists where it looked and how to fetch the files.
    """
    cfg = get_pretrained_cfg(name)
    looked = [] if os.environ.get(WEIGHTS_DIR_ENV) else [f"${WEIGHTS_DIR_ENV} (not set)"]
    for folder in local_weight_folders(name):
        if (folder / cfg.filename).is_file():
            return folder
        looked.append(f"{folder} (no {cfg.filename})")
    try:
        return download_weights(cfg.hf_hub_id, filename=cfg.filename, revision=cfg.revision)
    except OSError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        looked.append(f"the Hugging Face Hub, {cfg.hub_url} ({type(error).__name__}: {reason})")
    raise FileNotFoundError(
        f"no weights found for {name!r}; looked in:\n  - "
        + "\n  - ".join(looked)
        + f"\nOn a machine that reaches the Hub, run `gglnet hub download {name} --dir DIR` (or "
        f"`hf download {cfg.hf_hub_id} --revision {cfg.revision} --local-dir DIR/{name}`), "
        f"then copy DIR here and set {WEIGHTS_DIR_ENV}=DIR."
    )


def check_sha256(folder: str | Path, cfg: PretrainedCfg) -> list[str]:
    """Check every weight file in ``folder`` against the registered sha256 digests.

    The index (when sharded) is checked before the shard names are read from it.

    Returns:
        The names of the files checked.

    Raises:
        ValueError: a digest differs (file, expected and actual digest named), or the index
            names a shard without a registered digest.
        FileNotFoundError: a weight file is missing.
    """
    folder = Path(folder)
    _check_file(folder / cfg.filename, cfg.sha256[cfg.filename])
    files = weight_files(folder, cfg.filename)
    for shard in files[1:]:
        if shard not in cfg.sha256:
            raise ValueError(
                f"{folder / cfg.filename} names shard {shard!r}, which has no registered sha256 "
                f"(registered: {sorted(cfg.sha256)})"
            )
        _check_file(folder / shard, cfg.sha256[shard])
    return files


def _check_file(path: Path, expected: str) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"weight file not found: {path}")
    actual = file_sha256(path)
    if actual != expected:
        raise ValueError(
            f"sha256 mismatch for {path}: expected {expected}, got {actual}. The file is corrupt "
            "or not the published one; delete it and download it again."
        )


def load_pretrained(model: nn.Module, entry: ModelEntry) -> Path:
    """Load the published weights of a registry entry into ``model`` (strictly).

    Nothing is loaded unless every file passes its sha256 check and every tensor fits.

    Args:
        model: a model built from ``entry.config``.
        entry: a registry entry with a ``pretrained_cfg``.

    Returns:
        The folder the weights were read from.

    Raises:
        ValueError: no published weights, sha256 mismatch, or tensors that do not fit.
        FileNotFoundError: the weights are nowhere to be found (see :func:`find_pretrained`).
    """
    cfg = get_pretrained_cfg(entry.name)
    folder = find_pretrained(entry.name)
    check_sha256(folder, cfg)
    load_weights(model, read_weights(folder, cfg.filename), f"{entry.name} ({folder})")
    return folder


def download_pretrained(name: str, directory: str | Path, overwrite: bool = False) -> Path:
    """Fetch the published folder of ``name`` from the Hub into ``directory/name``.

    The folder gets the weight files (checked against their sha256 first), ``config.json`` and
    the ``README.md`` card: a layout that ``GGLNET_WEIGHTS_DIR=directory`` finds offline.

    Args:
        name: a name from ``gglnet.list_models(pretrained=True)``.
        directory: the folder of weight folders.
        overwrite: replace files already in ``directory/name``.

    Returns:
        ``directory/name``.

    Raises:
        FileExistsError: ``directory/name`` holds files and ``overwrite`` is false.
        ValueError: sha256 mismatch. OSError: the Hub cannot provide the files.
    """
    cfg = get_pretrained_cfg(name)
    target = Path(directory) / name
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
