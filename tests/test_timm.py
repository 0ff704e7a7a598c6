"""timm integration: gglnet's architectures and weights are timm models, loaded by gglnet."""

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
from gglnet.integrations import timm as timm_integration

NAME = "gglnet_test_timm.v1"
ARCH = "gglnet_test_timm"
REPO = "gglnet-test/timm"


def test_default_model_is_the_paper_model() -> None:
    model = timm.create_model("gglnet")
    assert isinstance(model, gglnet.GGLNet)
    assert model.config == gglnet.GGLNetConfig()
    assert sum(p.numel() for p in model.parameters()) == 8_988_093


@pytest.mark.parametrize("name", gglnet.list_models())
def test_every_architecture_is_a_timm_model(name: str) -> None:
    model = timm.create_model(name, **TINY)
    assert model.config == gglnet.create_model(name, **TINY).config
    assert model.pretrained_cfg["mean"] == (0.0, 0.0, 0.0)
    assert model.pretrained_cfg["std"] == (1.0, 1.0, 1.0)
    assert timm.models.model_entrypoint(name).__module__ == timm_integration.__name__


@pytest.mark.parametrize("name", gglnet.list_models(pretrained=True))
def test_every_published_weight_is_listed_by_timm(name: str) -> None:
    assert name in timm.list_models(pretrained=True)
    cfg = timm.models.get_pretrained_cfg(name)
    assert cfg.hf_hub_id == gglnet.get_pretrained_cfg(name).hf_hub_id
    assert cfg.tag == gglnet.models.split_model_name(name)[1]


def test_registering_again_changes_nothing() -> None:
    assert timm_integration.register() == []


def test_features_only_is_refused() -> None:
    with pytest.raises(ValueError, match="features_only"):
        timm.create_model("gglnet", features_only=True)


def test_published_weights_load_through_gglnets_loader() -> None:
    from_timm = timm.create_model("gglnet.synthetic", pretrained=True)
    assert_same_tensors(gglnet.create_model("gglnet.synthetic", pretrained=True), from_timm)
    assert from_timm.pretrained_cfg["tag"] == "synthetic"
    default = timm.create_model("gglnet", pretrained=True)  # the architecture's default tag
    assert_same_tensors(gglnet.create_model("gglnet", pretrained=True), default)
    assert default.pretrained_cfg["tag"] == gglnet.list_models("gglnet.*", pretrained=True)[0][7:]


def test_pretrained_from_the_hub_same_as_gglnet(tmp_path: Path, hub: LocalHub) -> None:
    model = random_model()
    model.save_pretrained(tmp_path / NAME)
    commit = hub.commit_folder(REPO, tmp_path / NAME)
    with registered_weights(
        NAME, model.config, hf_hub_id=REPO, revision=commit, sha256=release_sha256(tmp_path / NAME)
    ):
        assert timm_integration.register([ARCH]) == [ARCH]
        assert NAME in timm.list_models(pretrained=True)
        from_timm = timm.create_model(NAME, pretrained=True)
        assert f"/{REPO}/resolve/{commit}/model.safetensors" in hub.resolve_requests()
        from_gglnet = gglnet.create_model(NAME, pretrained=True)
    assert_same_tensors(model, from_timm)
    assert_same_tensors(from_gglnet, from_timm)


@pytest.mark.parametrize("shard_size", [None, 2000], ids=["single-file", "sharded"])
def test_one_changed_byte_fails_the_sha256_check_through_timm(
    tmp_path: Path, hub: LocalHub, monkeypatch: pytest.MonkeyPatch, shard_size: int | None
) -> None:
    model = random_model()
    folder = tmp_path / NAME
    model.save_pretrained(folder, **({"max_shard_size": shard_size} if shard_size else {}))
    sha256 = release_sha256(folder)
    weights = sorted(folder.glob("*.safetensors"))[-1]
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # still valid safetensors: only the checksum can tell
    weights.write_bytes(bytes(data))
    monkeypatch.setenv("GGLNET_WEIGHTS_DIR", str(tmp_path))
    filename = "model.safetensors.index.json" if shard_size else "model.safetensors"
    with registered_weights(NAME, model.config, hf_hub_id=REPO, filename=filename, sha256=sha256):
        timm_integration.register([ARCH])
        for create in (timm.create_model, gglnet.create_model):
            with pytest.raises(ValueError, match=f"sha256 mismatch for .*{weights.name}"):
                create(NAME, pretrained=True)
    assert hub.requests == []


@pytest.mark.slow
def test_import_gglnet_registers_with_timm_without_hooks() -> None:
    code = (
        "import sys, gglnet\n"
        "assert 'timm' in sys.modules, 'import gglnet did not register with timm'\n"
        "assert not [f for f in sys.meta_path if 'gglnet' in type(f).__module__], sys.meta_path\n"
        "import timm\n"
        "model = timm.create_model('gglnet_fuse_cam', widths=(4, 8))\n"
        "assert model.config.fusion == 'cam'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
