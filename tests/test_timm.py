"""timm integration: gglnet's names are timm models, loading the same weights from the Hub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import timm
from hub_server import (
    TINY,
    LocalHub,
    assert_same_tensors,
    random_model,
    registered_weights,
    release_sha256,
)

import gglnet
from gglnet.hub import register_timm_models, timm_registry

NAME = "gglnet_test_timm"
REPO = "gglnet-test/timm"


def test_default_model_is_the_paper_model() -> None:
    model = timm.create_model("gglnet")
    assert isinstance(model, gglnet.GGLNet)
    assert model.config == gglnet.GGLNetConfig()
    assert sum(p.numel() for p in model.parameters()) == 8_988_093


@pytest.mark.parametrize("name", gglnet.list_models())
def test_every_name_is_a_timm_model(name: str) -> None:
    assert timm_registry.default_cfgs[name]["mean"] == (0.0, 0.0, 0.0)
    model = timm.create_model(name, **TINY)
    assert model.config == gglnet.create_model(name, **TINY).config
    assert model.pretrained_cfg["std"] == (1.0, 1.0, 1.0)


def test_names_are_gglnets_own() -> None:
    names = timm.list_models("gglnet*")
    assert set(gglnet.list_models()) <= set(names)
    for name in gglnet.list_models():
        assert timm.models.model_entrypoint(name).__module__ == timm_registry.__name__
    assert register_timm_models() == []


def test_features_only_is_refused() -> None:
    with pytest.raises(ValueError, match="features_only"):
        timm.create_model("gglnet", features_only=True)


def test_pretrained_loads_the_same_weights_as_gglnet(tmp_path: Path, hub: LocalHub) -> None:
    model = random_model()
    model.save_pretrained(tmp_path / NAME)
    commit = hub.commit_folder(REPO, tmp_path / NAME)
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=release_sha256(tmp_path / NAME)
    ):
        assert register_timm_models([NAME]) == [NAME]
        assert NAME in timm.list_models(pretrained=True)
        cfg = timm_registry.timm_pretrained_cfg(NAME)
        assert (cfg["hf_hub_id"], cfg["hf_hub_filename"]) == (
            f"{REPO}@{commit}",
            "model.safetensors",
        )
        from_timm = timm.create_model(NAME, pretrained=True)
        assert f"/{REPO}/resolve/{commit}/model.safetensors" in hub.resolve_requests()
        from_gglnet = gglnet.create_model(NAME, pretrained=True)
    assert_same_tensors(model, from_timm)
    assert_same_tensors(from_gglnet, from_timm)


def test_sharded_weights_load_through_gglnet(tmp_path: Path, hub: LocalHub) -> None:
    model = random_model()
    model.save_pretrained(tmp_path / NAME, max_shard_size=2000)
    commit = hub.commit_folder(REPO, tmp_path / NAME)
    sha256 = release_sha256(tmp_path / NAME)
    index = "model.safetensors.index.json"
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, filename=index, sha256=sha256
    ):
        register_timm_models([NAME])
        assert "hf_hub_filename" not in timm_registry.timm_pretrained_cfg(NAME)
        from_timm = timm.create_model(NAME, pretrained=True)
        assert f"/{REPO}/resolve/{commit}/{index}" in hub.resolve_requests()
        assert_same_tensors(model, from_timm)


@pytest.mark.slow
def test_import_gglnet_defers_timm_but_registers_on_import() -> None:
    code = (
        "import sys, gglnet\n"
        "assert 'timm' not in sys.modules, 'import gglnet imported timm'\n"
        "import timm\n"
        "model = timm.create_model('gglnet_fuse_cam', widths=(4, 8))\n"
        "assert model.config.fusion == 'cam'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
