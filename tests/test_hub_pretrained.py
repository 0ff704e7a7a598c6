"""PretrainedCfg, get_pretrained_cfg and the registry's named weights."""

from __future__ import annotations

from typing import Any

import pytest
from hub_server import registered_weights

import gglnet
from gglnet import GGLNetConfig, PretrainedCfg
from gglnet.models.registry import get_model_entry, register_model, unregister_model

SHA = "ab" * 32
VALID: dict[str, Any] = {
    "hf_hub_id": "gglnet/gglnet-sirst",
    "sha256": {"model.safetensors": SHA},
    "dataset": "sirst",
    "split": "idx_320/test",
    "input_size": (512, 512),
    "metrics": {"iou": 0.81, "fa": 4.4e-6},
}


def test_valid_cfg() -> None:
    cfg = PretrainedCfg(**VALID)
    assert (cfg.revision, cfg.filename, cfg.license) == ("main", "model.safetensors", "apache-2.0")
    assert cfg.hub_url == "gglnet/gglnet-sirst@main"
    assert cfg.to_dict()["input_size"] == [512, 512]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"hf_hub_id": "no-org"}, "ORG/NAME"),
        ({"hf_hub_id": "a/b/c"}, "repo"),
        ({"filename": "pytorch_model.bin"}, "safetensors only"),
        ({"sha256": {"model.safetensors": "ABC"}}, "64 lowercase hex"),
        ({"sha256": {"other.safetensors": SHA}}, "must list 'model.safetensors'"),
        ({"input_size": (512,)}, "input_size"),
        ({"input_size": (512, 0)}, "input_size"),
        ({"metrics": {"iou": float("nan")}}, "finite numbers"),
        ({"metrics": {"iou": "0.8"}}, "finite numbers"),
    ],
)
def test_invalid_cfg(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PretrainedCfg(**{**VALID, **change})


def test_cfg_does_not_share_the_callers_dicts() -> None:
    sha256 = {"model.safetensors": SHA}
    cfg = PretrainedCfg(**{**VALID, "sha256": sha256})
    sha256["model.safetensors"] = "cd" * 32
    assert cfg.sha256["model.safetensors"] == SHA


def test_get_pretrained_cfg_and_listing() -> None:
    with registered_weights("gglnet_test_listed", GGLNetConfig(), **VALID) as entry:
        assert gglnet.get_pretrained_cfg("gglnet_test_listed") is entry.pretrained_cfg
        assert "gglnet_test_listed" in gglnet.list_models(pretrained=True)
        assert "gglnet" not in gglnet.list_models(pretrained=True)
        with pytest.raises(ValueError, match=r"names with weights: .*gglnet_test_listed"):
            gglnet.get_pretrained_cfg("gglnet_fuse_add")
    assert "gglnet_test_listed" not in gglnet.list_models()


def test_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        gglnet.get_pretrained_cfg("resnet50")


def test_unregister_model() -> None:
    register_model("gglnet_test_gone", GGLNetConfig(), "temporary")
    assert unregister_model("gglnet_test_gone").name == "gglnet_test_gone"
    with pytest.raises(ValueError, match="unknown model"):
        get_model_entry("gglnet_test_gone")
    with pytest.raises(ValueError, match="unknown model"):
        unregister_model("gglnet_test_gone")
