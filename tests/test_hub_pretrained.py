"""PretrainedCfg, get_pretrained_cfg and the registry's names: arch and arch.tag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hub_server import TINY, random_model, registered_weights, release_sha256

import gglnet
from gglnet import GGLNetConfig, PretrainedCfg
from gglnet.models import loading
from gglnet.models.folders import read_config
from gglnet.models.registry import (
    get_architecture,
    register_model,
    register_pretrained,
    split_model_name,
    unregister_model,
)

SHA = "ab" * 32
VALID: dict[str, Any] = {
    "hf_hub_id": "gglnet/gglnet.sirst",
    "sha256": {"model.safetensors": SHA},
    "dataset": "sirst",
    "split": "idx_320/test",
    "input_size": (512, 512),
    "metrics": {"iou": 0.81, "fa": 4.4e-6},
}


def test_valid_cfg() -> None:
    cfg = PretrainedCfg(**VALID)
    assert (cfg.revision, cfg.filename, cfg.license) == ("main", "model.safetensors", "apache-2.0")
    assert cfg.hub_url == "gglnet/gglnet.sirst@main"
    assert cfg.to_dict()["input_size"] == [512, 512]
    assert cfg.pad_mode == "zeros" and cfg.to_dict()["pad_mode"] == "zeros"
    assert PretrainedCfg(**VALID, pad_mode="reflect").to_dict()["pad_mode"] == "reflect"


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
        ({"pad_mode": "mirror"}, r"pad_mode must be one of \('zeros', 'reflect', 'replicate'\)"),
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
    with registered_weights("gglnet_test_listed.a", GGLNetConfig(), **VALID) as cfg:
        assert gglnet.get_pretrained_cfg("gglnet_test_listed.a") is cfg
        assert gglnet.get_pretrained_cfg("gglnet_test_listed") is cfg  # the default tag
        assert "gglnet_test_listed.a" in gglnet.list_models(pretrained=True)
        assert "gglnet_test_listed" in gglnet.list_models()
        assert "gglnet_test_listed" not in gglnet.list_models(pretrained=True)
        with pytest.raises(ValueError, match=r"names with weights: .*gglnet_test_listed\.a"):
            gglnet.get_pretrained_cfg("gglnet_fuse_add")
    assert "gglnet_test_listed" not in gglnet.list_models()


def test_names_follow_timm() -> None:
    assert "gglnet" in gglnet.list_models()
    assert all("." not in name for name in gglnet.list_models())
    assert len(gglnet.list_models()) == 11
    weights = gglnet.list_models(pretrained=True)
    assert "gglnet.synthetic" in weights
    assert all(split_model_name(name)[1] for name in weights)
    assert split_model_name("gglnet.sirst") == ("gglnet", "sirst")
    assert split_model_name("gglnet") == ("gglnet", None)


def test_first_tag_is_the_default_and_tables_keep_their_order() -> None:
    register_model("gglnet_test_tags", GGLNetConfig(), "temporary")
    try:
        register_pretrained({"gglnet_test_tags.b": gglnet.PretrainedCfg(**VALID)})
        register_pretrained({"gglnet_test_tags.a": gglnet.PretrainedCfg(**VALID)})
        assert gglnet.list_models("gglnet_test_tags*", pretrained=True) == [
            "gglnet_test_tags.b",
            "gglnet_test_tags.a",
        ]
        assert gglnet.get_pretrained_cfg("gglnet_test_tags") is gglnet.get_pretrained_cfg(
            "gglnet_test_tags.b"
        )
        unregister_model("gglnet_test_tags.b")
        assert gglnet.list_models("gglnet_test_tags*", pretrained=True) == ["gglnet_test_tags.a"]
    finally:
        unregister_model("gglnet_test_tags")
    assert gglnet.list_models("gglnet_test_tags*", pretrained=True) == []


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("gglnet_nope.sirst", "unknown model"),  # weights of an unknown architecture
        ("sirst", "weights are named arch.tag"),
        ("gglnet.synthetic", "already registered"),
    ],
)
def test_bad_weights_names(name: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        register_pretrained({name: gglnet.PretrainedCfg(**VALID)})


def test_architecture_names_cannot_hold_a_dot() -> None:
    with pytest.raises(ValueError, match=r"cannot hold '\.'"):
        register_model("gglnet.v2", GGLNetConfig(), "bad")


def test_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        gglnet.get_pretrained_cfg("resnet50")


def test_unregister_model() -> None:
    register_model("gglnet_test_gone", GGLNetConfig(), "temporary")
    unregister_model("gglnet_test_gone")
    with pytest.raises(ValueError, match="unknown model"):
        get_architecture("gglnet_test_gone")
    with pytest.raises(ValueError, match="unknown model"):
        unregister_model("gglnet_test_gone")


@pytest.mark.parametrize(
    ("name", "pad_mode"),
    [("gglnet.sirst", "zeros"), ("gglnet.nudt", "reflect"), ("gglnet.synthetic", "zeros")],
)
def test_published_pad_modes(name: str, pad_mode: str) -> None:
    assert gglnet.get_pretrained_cfg(name).pad_mode == pad_mode


def test_pretrained_weights_set_their_pad_mode_and_an_override_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "gglnet_test_pad.a"
    folder = tmp_path / "weights" / name
    model = random_model()
    model.save_pretrained(folder)  # its config.json says zeros: the table decides
    monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(folder.parent))
    with registered_weights(
        name,
        GGLNetConfig(**TINY),
        pad_mode="replicate",
        sha256=release_sha256(folder),
        hf_hub_id="gglnet-test/pad",
    ):
        assert gglnet.create_model(name, pretrained=True).config.pad_mode == "replicate"
        assert gglnet.load_model(name).config.pad_mode == "replicate"
        given = gglnet.create_model(name, pretrained=True, pad_mode="zeros")
        assert given.config.pad_mode == "zeros" and given.config.widths == (4, 8)
        assert gglnet.create_model(name).config.pad_mode == "replicate"  # the tag's, as timm
        assert gglnet.create_model(name.split(".")[0]).config.pad_mode == "zeros"  # the arch's
        assert gglnet.load_model(folder).config.pad_mode == "zeros"  # the folder's config.json


def _checkout_weights(name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``weights/<name>/`` of the checkout, the only place named weights come from; skips when
    it is absent (an installed package)."""
    folder = loading.checkout_weights_dir() / name
    if not (folder / "config.json").is_file():
        pytest.skip(f"{folder} is not in this checkout")
    monkeypatch.delenv("GGLNET_WEIGHTS_DIR", raising=False)
    return folder


def test_nudt_weights_pad_with_a_reflection(monkeypatch: pytest.MonkeyPatch) -> None:
    _checkout_weights("gglnet.nudt", monkeypatch)
    assert gglnet.create_model("gglnet.nudt", pretrained=True).config.pad_mode == "reflect"
    assert gglnet.load_model("gglnet.nudt").config.pad_mode == "reflect"
    for mode in ("zeros", "replicate"):
        model = gglnet.create_model("gglnet.nudt", pretrained=True, pad_mode=mode)
        assert model.config.pad_mode == mode


@pytest.mark.parametrize("name", gglnet.list_models(pretrained=True))
def test_checkout_config_json_is_the_published_config(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _checkout_weights(name, monkeypatch)
    config = gglnet.create_model(name, pretrained=True).config
    assert read_config(folder) == config
    assert config.pad_mode == gglnet.get_pretrained_cfg(name).pad_mode
    assert gglnet.get_weights_config(name) == config
    assert gglnet.load_model(folder).config == config
