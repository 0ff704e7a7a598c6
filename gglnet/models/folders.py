"""Hub-layout weight folders: ``config.json`` plus safetensors weights, one file or shards.

Reading and writing the files only (no model is built here): :mod:`gglnet.models.loading`
decides which folder to read, and checks published weights with :func:`check_sha256`.

A folder written by :func:`save_folder` holds ``config.json`` (every
:class:`~gglnet.GGLNetConfig` option) and either ``model.safetensors`` or, when the weights
exceed ``max_shard_size``, ``model-0000k-of-0000n.safetensors`` shards with the index
``model.safetensors.index.json`` (written by huggingface_hub's ``save_torch_state_dict``).
Only safetensors are ever read: no pickles.
"""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import torch
from huggingface_hub import constants, hf_hub_download, save_torch_state_dict
from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from gglnet.models.config import GGLNetConfig
from gglnet.models.pretrained import PretrainedCfg

__all__ = [
    "CARD_NAME",
    "CONFIG_NAME",
    "INDEX_NAME",
    "WEIGHTS_NAME",
    "check_sha256",
    "download_weights",
    "file_sha256",
    "hub_reachable",
    "read_config",
    "read_json_object",
    "read_weights",
    "save_folder",
    "weight_files",
]

CARD_NAME = constants.REPOCARD_NAME
CONFIG_NAME = constants.CONFIG_NAME
WEIGHTS_NAME = constants.SAFETENSORS_SINGLE_FILE
INDEX_NAME = constants.SAFETENSORS_INDEX_FILE


def save_folder(
    model: nn.Module, config: GGLNetConfig, folder: str | Path, max_shard_size: int | str
) -> list[str]:
    """Write ``config.json`` and the model's weights (sharded above ``max_shard_size``).

    Weight files of an earlier save in ``folder`` are replaced.

    Args:
        model: the model whose ``state_dict`` is saved.
        config: its architecture, written to ``config.json``.
        folder: the destination (created if missing).
        max_shard_size: largest shard, in bytes or as ``"10MB"``/``"5GB"``.

    Returns:
        The names of the weight files written (the index first when sharded).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_NAME).write_text(json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n")
    save_torch_state_dict(model.state_dict(), folder, max_shard_size=max_shard_size)
    return weight_files(folder)


def read_config(folder: str | Path) -> GGLNetConfig:
    """The :class:`~gglnet.GGLNetConfig` in ``folder/config.json``.

    Raises:
        FileNotFoundError: there is no ``config.json``.
        ValueError: it is not JSON or holds a bad option value; TypeError: an unknown option.
    """
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: a gglnet weight folder holds {CONFIG_NAME}")
    try:
        return GGLNetConfig.from_dict(read_json_object(path))
    except (TypeError, ValueError) as error:
        if str(path) in str(error):
            raise
        raise type(error)(f"{path}: {error}") from error


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``.

    Raises:
        ValueError: the file is not JSON or holds something other than an object (file named).
    """
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def weight_files(folder: str | Path, filename: str | None = None) -> list[str]:
    """Names of the files that hold the weights in ``folder``.

    Args:
        folder: a Hub-layout folder.
        filename: ``model.safetensors`` or the index file; ``None`` picks the index when
            present, else the single file.

    Returns:
        ``[filename]`` for one file; ``[index, shard, ...]`` for sharded weights.

    Raises:
        FileNotFoundError: neither weight file, or a shard named in the index, is there.
        ValueError: the index is malformed or names something other than a safetensors file
            in the same folder.
    """
    folder = Path(folder)
    if filename is None:
        filename = INDEX_NAME if (folder / INDEX_NAME).is_file() else WEIGHTS_NAME
    path = folder / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"no weights in {folder}: expected {WEIGHTS_NAME} or {INDEX_NAME} (safetensors only)"
        )
    if filename != INDEX_NAME:
        return [filename]
    shards = _index_shards(path)
    missing = [shard for shard in shards if not (folder / shard).is_file()]
    if missing:
        raise FileNotFoundError(f"{path} names shards missing from {folder}: {missing}")
    return [filename, *shards]


def read_weights(folder: str | Path, filename: str | None = None) -> dict[str, torch.Tensor]:
    """Read the tensors of a Hub-layout folder on CPU (one file or all shards of the index).

    Args:
        folder: the folder.
        filename: as in :func:`weight_files`.

    Raises:
        FileNotFoundError: weight files are missing.
        ValueError: a file is not valid safetensors, or two shards hold the same tensor
            (files and tensor named).
    """
    folder = Path(folder)
    state_dict: dict[str, torch.Tensor] = {}
    origin: dict[str, str] = {}
    for name in weight_files(folder, filename):
        if name == INDEX_NAME:
            continue
        try:
            tensors = load_file(folder / name)
        except (SafetensorError, OSError) as error:
            raise ValueError(f"cannot read safetensors file {folder / name}: {error}") from error
        for key, tensor in tensors.items():
            if key in origin:
                raise ValueError(
                    f"tensor {key!r} is defined twice, in {folder / origin[key]} and "
                    f"{folder / name}: the shards do not belong together"
                )
            origin[key] = name
            state_dict[key] = tensor
    return state_dict


def download_weights(
    repo_id: str,
    *,
    filename: str | None = None,
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    force_download: bool = False,
    local_files_only: bool = False,
    token: str | bool | None = None,
) -> Path:
    """Fetch a Hub repository's weight files into the huggingface_hub cache.

    Honours the cache and ``HF_HUB_OFFLINE`` like any ``hf_hub_download``. The shards of an
    index are fetched at the commit the index came from, so a moving branch cannot mix commits.
    When the Hub's host does not accept a connection within a few seconds (no network), only
    the cache is asked, instead of huggingface_hub's retries with back-off (about 25 s).

    Args:
        repo_id: ``"ORG/NAME"``.
        filename: ``model.safetensors`` or the index; ``None`` tries the single file first,
            then the index.
        revision: branch, tag or commit (default ``main``).
        cache_dir, force_download, local_files_only, token: as in ``hf_hub_download``.

    Returns:
        The cache's snapshot folder of that commit, holding the weight files.

    Raises:
        huggingface_hub errors (all ``OSError``): repository, revision or file not found,
            offline without a cached copy.
    """
    options = {
        "cache_dir": cache_dir,
        "force_download": force_download,
        "local_files_only": local_files_only or constants.HF_HUB_OFFLINE or not hub_reachable(),
        "token": token,
    }
    candidates = [filename] if filename else [WEIGHTS_NAME, INDEX_NAME]
    for candidate in candidates:
        try:
            path = Path(hf_hub_download(repo_id, candidate, revision=revision, **options))
            break
        except EntryNotFoundError as error:
            if isinstance(error, LocalEntryNotFoundError) or candidate == candidates[-1]:
                raise
    snapshot = path.parent  # the cache's snapshots/<commit>/ folder
    if candidate == INDEX_NAME:
        for shard in _index_shards(path):
            hf_hub_download(repo_id, shard, revision=snapshot.name, **options)
    return snapshot


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hub endpoint (``HF_ENDPOINT``) accepts a TCP connection within ``timeout`` s."""
    url = urlsplit(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _index_shards(index: Path) -> list[str]:
    """The shard file names an index maps tensors to, checked to be safetensors beside it."""
    try:
        weight_map = json.loads(index.read_text())["weight_map"]
        shards = sorted(set(weight_map.values()))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"{index} is not a safetensors index (no 'weight_map'): {error}"
        ) from error
    bad = [
        s
        for s in shards
        if not isinstance(s, str) or Path(s).name != s or not s.endswith(".safetensors")
    ]
    if bad:
        raise ValueError(f"{index} names files that are not safetensors beside it: {bad}")
    return shards


def file_sha256(path: str | Path) -> str:
    """Hex sha256 digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(folder: str | Path, cfg: PretrainedCfg) -> list[str]:
    """Check every weight file in ``folder`` against the published sha256 digests.

    The index (when sharded) is checked before the shard names are read from it.

    Returns:
        The names of the files checked.

    Raises:
        ValueError: a digest differs (file, expected and actual digest named), or the index
            names a shard without a published digest.
        FileNotFoundError: a weight file is missing.
    """
    folder = Path(folder)
    _check_file(folder / cfg.filename, cfg.sha256[cfg.filename])
    files = weight_files(folder, cfg.filename)
    for shard in files[1:]:
        if shard not in cfg.sha256:
            raise ValueError(
                f"{folder / cfg.filename} names shard {shard!r}, which has no published sha256 "
                f"(published: {sorted(cfg.sha256)})"
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
