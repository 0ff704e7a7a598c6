"""Published weights: where a registered name's weights live and what they measured.

A name gets weights by registering it with a :class:`PretrainedCfg`::

    register_model(
        "gglnet_sirst",
        GGLNetConfig(),
        "GGL-Net trained on SIRST (idx_320), 512x512.",
        pretrained_cfg=PretrainedCfg(
            hf_hub_id="gglnet/gglnet-sirst",
            revision="<40-hex commit printed by `gglnet hub push`>",
            sha256={"model.safetensors": "<sha256 of the file>"},
            dataset="sirst",
            split="idx_320/test",
            input_size=(512, 512),
            metrics={"iou": ..., "niou": ..., "pd": ..., "fa": ...},
        ),
    )

Only weights that exist are registered; ``docs/hub.md`` describes the release steps.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from huggingface_hub import constants
from huggingface_hub.utils import validate_repo_id

from gglnet.models.config import GGLNetConfig
from gglnet.models.registry import get_model_entry, list_models, register_model

__all__ = ["PretrainedCfg", "get_pretrained_cfg"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, kw_only=True)
class PretrainedCfg:
    """Where the published weights of a registered name come from, and what they measured.

    Attributes:
        hf_hub_id: the Hugging Face Hub model repository, ``"ORG/NAME"``.
        sha256: hex digest of every file that is read, by file name: ``filename`` and, for
            sharded weights, each shard named in the index. Checked before anything is loaded.
        revision: the commit to download (40 hex digits, printed by ``gglnet hub push``). A
            branch name such as ``"main"`` is accepted for weights not yet pushed; the sha256
            check still guards the content.
        filename: ``"model.safetensors"``, or ``"model.safetensors.index.json"`` for weights
            split into shards.
        dataset: the dataset trained and measured on (``"sirst"``, ``"nudt-sirst"``, ...).
        split: the evaluation split (``"idx_320/test"``).
        input_size: ``(H, W)`` the images were resized to for training and evaluation.
        metrics: values measured on ``split`` at ``input_size`` (``iou``, ``niou``, ``pd``,
            ``fa``, ...), as in the model card.
        license: SPDX identifier of the weights' license.
        notes: what else a user should know (checkpoint selection, deviations from the recipe).
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
    notes: str = ""

    def __post_init__(self) -> None:
        validate_repo_id(self.hf_hub_id)
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
        """``ORG/NAME@revision``, as printed in messages and accepted by timm."""
        return f"{self.hf_hub_id}@{self.revision}"

    def to_dict(self) -> dict[str, Any]:
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
            "notes": self.notes,
        }


def get_pretrained_cfg(name: str) -> PretrainedCfg:
    """The :class:`PretrainedCfg` of a registered name with published weights.

    Args:
        name: a name from ``gglnet.list_models(pretrained=True)``.

    Raises:
        ValueError: ``name`` is unknown, or has no published weights (the names that have
            weights are listed).

    Example::

        for name in gglnet.list_models(pretrained=True):
            cfg = gglnet.get_pretrained_cfg(name)
            print(name, cfg.hub_url, cfg.dataset, cfg.metrics)
    """
    entry = get_model_entry(name)
    if entry.pretrained_cfg is None:
        available = ", ".join(list_models(pretrained=True)) or "none yet"
        raise ValueError(
            f"model {name!r} has no published weights; names with weights: {available}"
        )
    return entry.pretrained_cfg


# -- released weights -----------------------------------------------------------------------

register_model(
    "gglnet_synthetic",
    GGLNetConfig(),
    "GGL-Net trained on synthetic infrared scenes (gglnet.data.synthetic) on a CPU; the demo's "
    "weights, not for real imagery.",
    pretrained_cfg=PretrainedCfg(
        hf_hub_id="gglnet/gglnet-synthetic",
        revision="main",
        filename=constants.SAFETENSORS_INDEX_FILE,
        sha256={
            "model.safetensors.index.json": (
                "cd25ec2d583ff6efa16de0321a97ef5987141dc594a8a79c3dc234b1aa5183f6"
            ),
            "model-00001-of-00003.safetensors": (
                "b97fe309b264c5827f54ff326ca4c329d89eb2743e0e3ee15b4d8f1d91dfa0d3"
            ),
            "model-00002-of-00003.safetensors": (
                "415c97cb910c5a101c64d249cfa177c06295f8e69aaa5e60a04dd89d0db93e1c"
            ),
            "model-00003-of-00003.safetensors": (
                "bc5484439ce0487ebedc598f07c60e44b59299788b48f15d296d7df572803723"
            ),
        },
        dataset="synthetic",
        split="test",
        input_size=(256, 256),
        metrics={
            "iou": 0.8934,
            "niou": 0.8925,
            "pd": 0.9948,
            "fa": 5.34e-6,
        },
        notes=(
            "Trained 15 epochs on 400 synthetic 128x128 scenes of the training family, "
            "checkpoint of the best IoU on 40 validation-family scenes (epoch 14); measured on "
            "100 scenes of the test family at 256x256. On real SIRST (idx_320/test, 512x512) "
            "it reaches only IoU 0.042, Pd 0.265: use it for demos and tests, not for real "
            "imagery."
        ),
    ),
)
