"""A loopback Hugging Face Hub for the hub tests: the real client talks to it over HTTP.

It serves model repositories kept in memory with the parts of the Hub's protocol that
``huggingface_hub`` uses to download and to upload small files:

- ``HEAD``/``GET /{repo_id}/resolve/{revision}/{path}``: the file, with ``X-Repo-Commit`` (the
  40-hex commit), ``ETag`` (the sha256 of the content, as the Hub sends for LFS files) and
  ``Content-Length``; a 404 carries ``X-Error-Code`` ``RepoNotFound``, ``RevisionNotFound`` or
  ``EntryNotFound`` as the Hub's does.
- ``POST /api/validate-yaml`` (the card's metadata must parse), ``POST /api/repos/create``,
  ``POST /api/models/{repo_id}/branch/{branch}``, ``POST /api/models/{repo_id}/preupload/{rev}``
  (every file is answered ``"regular"``, so no LFS or Xet transfer follows) and ``POST
  /api/models/{repo_id}/commit/{rev}`` (NDJSON with base64 file contents): a push makes a new
  commit on the branch.

:func:`serve_hub` starts it on 127.0.0.1 (port 0) and points ``huggingface_hub`` at it by
patching the constants that the client reads at import time (``HF_ENDPOINT``, the URL template,
the cache folder, ``HF_HUB_OFFLINE``); pytest's ``monkeypatch`` restores them.
:func:`registered_weights` registers temporary weights ``arch.tag`` and removes them afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import torch
from huggingface_hub import ModelCard, constants, file_download

from gglnet.models import GGLNet, create_model
from gglnet.models.config import GGLNetConfig
from gglnet.models.folders import file_sha256, weight_files
from gglnet.models.pretrained import PretrainedCfg
from gglnet.models.registry import (
    list_models,
    register_model,
    register_pretrained,
    split_model_name,
    unregister_model,
)


@dataclass
class Repo:
    """A repository: commits (40-hex id → {path: bytes}) and branches (name → commit id)."""

    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)


class LocalHub:
    """The repositories served, the requests seen, and helpers to fill them."""

    def __init__(self, url: str, cache_dir: Path) -> None:
        self.url = url
        self.cache_dir = cache_dir
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def commit(self, repo_id: str, files: dict[str, bytes], branch: str = "main") -> str:
        """Add a commit with ``files`` on top of ``branch`` (created if new); return its id."""
        with self._lock:
            repo = self.repos.setdefault(repo_id, Repo())
            parent = repo.branches.get(branch)
            content = dict(repo.commits[parent]) if parent else {}
            content.update(files)
            digest = hashlib.sha1(f"{repo_id}{parent}{len(repo.commits)}".encode())
            for path in sorted(files):
                digest.update(path.encode() + files[path])
            commit_id = digest.hexdigest()
            repo.commits[commit_id] = content
            repo.branches[branch] = commit_id
            return commit_id

    def commit_folder(self, repo_id: str, folder: Path, branch: str = "main") -> str:
        """Commit every file of ``folder`` (one level deep) to ``branch``; return the commit id."""
        files = {
            path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()
        }
        return self.commit(repo_id, files, branch)

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """The files of ``repo_id`` at a branch or commit."""
        repo = self.repos[repo_id]
        return repo.commits[repo.branches.get(revision, revision)]

    def set_offline(self, monkeypatch: pytest.MonkeyPatch, offline: bool = True) -> None:
        """Switch ``HF_HUB_OFFLINE`` on or off for the client (as if set before import)."""
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline)

    def resolve_requests(self) -> list[str]:
        """Paths of the ``/resolve/`` requests seen so far (HEAD and GET)."""
        return [path for _, path in self.requests if "/resolve/" in path]


def _handler(hub: LocalHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Silence the per-request log on stderr."""

        def do_HEAD(self) -> None:
            self._resolve(send_body=False)

        def do_GET(self) -> None:
            self._resolve(send_body=True)

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            hub.requests.append(("POST", path))
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if path == "/api/validate-yaml":
                try:
                    ModelCard(json.loads(body)["content"])
                except ValueError as error:
                    self._error(400, "BadRequest", f"invalid README.md metadata: {error}")
                    return
                self._json(200, {"errors": [], "warnings": []})
                return
            if path == "/api/repos/create":
                payload = json.loads(body)
                repo_id = f"{payload['organization']}/{payload['name']}"
                hub.repos.setdefault(repo_id, Repo())
                self._json(200, {"url": f"{hub.url}/{repo_id}"})
                return
            parts = path.split("/")
            # /api/models/{namespace}/{name}/{branch|preupload|commit}/{revision}
            if len(parts) == 7 and parts[1:3] == ["api", "models"]:
                repo_id, action, revision = f"{parts[3]}/{parts[4]}", parts[5], unquote(parts[6])
                repo = hub.repos.get(repo_id)
                if repo is None:
                    self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
                elif action == "branch":
                    if revision in repo.branches:
                        self._error(409, "BranchExists", f"branch {revision} already exists")
                    else:
                        if "main" in repo.branches:
                            repo.branches[revision] = repo.branches["main"]
                        self._json(200, {})
                elif action == "preupload":
                    files = json.loads(body)["files"]
                    modes = [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                        for f in files
                    ]
                    self._json(200, {"files": modes})
                elif action == "commit":
                    self._commit(repo_id, revision, body)
                else:
                    self._error(404, "EntryNotFound", f"no such endpoint {path}")
                return
            self._error(404, "EntryNotFound", f"no such endpoint {path}")

        def _commit(self, repo_id: str, revision: str, body: bytes) -> None:
            files = {}
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    value = item["value"]
                    files[value["path"]] = base64.b64decode(value["content"])
                elif item["key"] != "header":
                    self._error(400, "BadRequest", f"unsupported commit operation {item['key']}")
                    return
            commit_id = hub.commit(repo_id, files, branch=revision)
            self._json(
                200,
                {"commitUrl": f"{hub.url}/{repo_id}/commit/{commit_id}", "commitOid": commit_id},
            )

        def _resolve(self, send_body: bool) -> None:
            path = urlsplit(self.path).path
            hub.requests.append((self.command, path))
            head, sep, tail = path.partition("/resolve/")
            repo = hub.repos.get(head.strip("/"))
            if not sep or repo is None:
                self._error(404, "RepoNotFound", f"Repository {head.strip('/')} not found")
                return
            revision, _, filename = tail.partition("/")
            revision, filename = unquote(revision), unquote(filename)
            commit_id = repo.branches.get(revision, revision)
            if commit_id not in repo.commits:
                self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                return
            content = repo.commits[commit_id].get(filename)
            if content is None:
                self._error(404, "EntryNotFound", f"{filename} does not exist", commit_id)
                return
            self.send_response(200)
            self.send_header("X-Repo-Commit", commit_id)
            self.send_header("ETag", f'"{hashlib.sha256(content).hexdigest()}"')
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if send_body:
                self.wfile.write(content)

        def _error(self, status: int, code: str, message: str, commit_id: str = "") -> None:
            body = json.dumps({"error": message}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            if commit_id:
                self.send_header("X-Repo-Commit", commit_id)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHub]:
    """Run a :class:`LocalHub` on 127.0.0.1 and point huggingface_hub at it (fresh cache)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{server.server_address[1]}"
    hub = LocalHub(url, tmp_path / "hf_cache")
    server.RequestHandlerClass = _handler(hub)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setattr(constants, "ENDPOINT", url)
    template = url + "/{repo_id}/resolve/{revision}/{filename}"
    for module in (constants, file_download):  # huggingface_hub 0.x copies the template
        if hasattr(module, "HUGGINGFACE_CO_URL_TEMPLATE"):
            monkeypatch.setattr(module, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub.cache_dir))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", "hf_local_test_token")
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


TINY = {"widths": (4, 8)}


def random_model(name: str = "gglnet") -> GGLNet:
    """A tiny registered model with every tensor (BN statistics too) away from its init."""
    model = create_model(name, **TINY)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.uniform_(-1, 1)
            else:
                tensor.fill_(7)
    return model


def assert_same_tensors(a: torch.nn.Module, b: torch.nn.Module) -> None:
    """Same state_dict keys, every tensor equal."""
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def release_sha256(folder: Path) -> dict[str, str]:
    """The sha256 of every weight file in a saved folder, as ``PretrainedCfg.sha256`` wants."""
    return {name: file_sha256(folder / name) for name in weight_files(folder)}


@contextmanager
def registered_weights(
    name: str, config: GGLNetConfig, **pretrained_cfg: object
) -> Iterator[PretrainedCfg]:
    """Register weights ``arch.tag`` with a :class:`PretrainedCfg` for the duration of a test;
    the architecture ``arch`` is registered too (with ``config``) when it is new."""
    cfg = PretrainedCfg(
        **{"dataset": "synthetic", "split": "test", "input_size": (8, 8), **pretrained_cfg}
    )
    arch, tag = split_model_name(name)
    assert tag, f"weights are named arch.tag, got {name!r}"
    new_arch = arch not in list_models()
    if new_arch:
        register_model(arch, config, "temporary architecture of a test")
    register_pretrained({name: cfg})
    try:
        yield cfg
    finally:
        unregister_model(arch if new_arch else name)
