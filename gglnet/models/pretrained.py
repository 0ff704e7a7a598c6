"""PretrainedCfg: where one set of published weights comes from and what it measured.

Each architecture keeps a table of its weights beside it (``PRETRAINED_CFGS`` in
:mod:`gglnet.models.gglnet`), keyed by timm-style names ``arch.tag``::

    "gglnet.sirst": PretrainedCfg(
        hf_hub_id="gglnet/gglnet.sirst",
        revision="<40-hex commit printed by `gglnet hub push`>",
        sha256={"model.safetensors": "<sha256 of the file>"},
        dataset="sirst",
        split="idx_320/test",
        input_size=(512, 512),
        metrics={"iou": 0.81, "niou": 0.79, "pd": 0.95, "fa": 4.4e-6},
    ),

Only weights that exist are listed; ``CONTRIBUTING.md`` and ``docs/hub.md`` describe the
release steps.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from huggingface_hub import constants
from huggingface_hub.utils import validate_repo_id

from gglnet.padding import PadMode, check_pad_mode

__all__ = ["PretrainedCfg"]

_SHA256 = re.compile(r"[0-9a-f]{64}")

JSONValue = str | int | float | list[int] | dict[str, str] | dict[str, float]


@dataclass(frozen=True, kw_only=True)
class PretrainedCfg:
    """Where published weights come from, and what they measured.

    Attributes:
        hf_hub_id: the Hugging Face Hub model repository, ``"ORG/NAME"`` (gglnet's own follow
            the weights' name: ``"gglnet/gglnet.sirst"``).
        sha256: hex digest of every file that is read, by file name: ``filename`` and, for
            sharded weights, each shard named in the index. Checked before anything is loaded.
        revision: the commit to download (40 hex digits, printed by ``gglnet hub push``). A
            branch name such as ``"main"`` is accepted for weights not yet pushed; the sha256
            check still guards the content.
        filename: ``"model.safetensors"``, or ``"model.safetensors.index.json"`` for weights
            split into shards.
        dataset: the dataset trained and measured on (``"sirst"``, ``"nudt-sirst"``, ...).
        split: the evaluation split (``"idx_320/test"``).
        input_size: ``(H, W)`` of the evaluation (the size images were resized to; for weights
            measured at each image's native size, the size the card names as typical).
        metrics: values measured on ``split`` (``iou``, ``niou``, ``pd``, ``fa``, ...), as in
            the model card.
        license: SPDX identifier of the weights' license.
        pad_mode: how frames are padded to the size divisor for these weights
            (:attr:`gglnet.GGLNetConfig.pad_mode`, which ``create_model(name,
            pretrained=True)`` sets from it; the folder's ``config.json`` says the same).
        notes: what else a user should know (protocol, checkpoint selection, deviations).
    """

    hf_hub_id: str
    sha256: dict[str, str]
    revision: str = "main"
    filename: str = constants.SAFETENSORS_SINGLE_FILE
    dataset: str
    split: str
    input_size: tuple[int, int]
    metrics: dict[str, float] = field(default_factory=dict)
    license: str = "apache-2.0"
    pad_mode: PadMode = "zeros"
    notes: str = ""

    def __post_init__(self) -> None:
        validate_repo_id(self.hf_hub_id)
        check_pad_mode(self.pad_mode)
        if "/" not in self.hf_hub_id:
            raise ValueError(f"hf_hub_id must be 'ORG/NAME', got {self.hf_hub_id!r}")
        if self.filename not in (
            constants.SAFETENSORS_SINGLE_FILE,
            constants.SAFETENSORS_INDEX_FILE,
        ):
            raise ValueError(
                f"filename must be {constants.SAFETENSORS_SINGLE_FILE!r} or "
                f"{constants.SAFETENSORS_INDEX_FILE!r} (safetensors only), got {self.filename!r}"
            )
        sha256 = dict(self.sha256)
        bad = {name: digest for name, digest in sha256.items() if not _SHA256.fullmatch(digest)}
        if bad:
            raise ValueError(f"sha256 digests must be 64 lowercase hex digits, got {bad}")
        if self.filename not in sha256:
            raise ValueError(f"sha256 must list {self.filename!r}, got files {sorted(sha256)}")
        size = tuple(self.input_size)
        if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
            raise ValueError(
                f"input_size must be (H, W) positive integers, got {self.input_size!r}"
            )
        metrics = dict(self.metrics)
        not_numbers = {
            k: v
            for k, v in metrics.items()
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
        }
        if not_numbers:
            raise ValueError(f"metrics must be finite numbers, got {not_numbers}")
        object.__setattr__(self, "sha256", sha256)
        object.__setattr__(self, "input_size", size)
        object.__setattr__(self, "metrics", metrics)

    @property
    def hub_url(self) -> str:
        """``ORG/NAME@revision``, as printed in messages."""
        return f"{self.hf_hub_id}@{self.revision}"

    def to_dict(self) -> dict[str, JSONValue]:
        """A JSON-ready dict of every field."""
        return {
            "hf_hub_id": self.hf_hub_id,
            "revision": self.revision,
            "filename": self.filename,
            "sha256": dict(self.sha256),
            "dataset": self.dataset,
            "split": self.split,
            "input_size": list(self.input_size),
            "metrics": dict(self.metrics),
            "license": self.license,
            "pad_mode": self.pad_mode,
            "notes": self.notes,
        }
