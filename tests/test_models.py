"""gglnet.models: GGLNet, its config, the registry and create_model."""

from __future__ import annotations

import pytest
import torch

import gglnet
from gglnet import GGLNet, GGLNetConfig
from gglnet.models import get_architecture

VARIANTS = [
    "gglnet",
    "gglnet_original",
    "gglnet_gradient",
    "gglnet_original_original",
    "gglnet_gradient_gradient",
    "gglnet_gradient_original",
    "gglnet_gsm_add",
    "gglnet_gsm_chain",
    "gglnet_fuse_add",
    "gglnet_fuse_cam",
    "gglnet_fuse_sam",
]


def _n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_all_variants_registered() -> None:
    assert set(VARIANTS) <= set(gglnet.list_models())


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_builds_and_runs(name: str) -> None:
    model = gglnet.create_model(name, widths=(8, 8, 16, 16, 16)).eval()
    with torch.no_grad():
        logits = model(torch.rand(2, 3, 32, 48))
    assert logits.shape == (2, 1, 32, 48)
    assert torch.isfinite(logits).all()


def test_gglnet_parameter_count() -> None:
    assert _n_params(gglnet.create_model("gglnet")) == 8_988_093


@pytest.mark.parametrize(
    ("name", "has_gsm", "main", "guide"),
    [
        ("gglnet", True, "image", "gradient"),
        ("gglnet_original", False, "image", None),
        ("gglnet_gradient", False, "gradient", None),
        ("gglnet_original_original", True, "image", "image"),
        ("gglnet_gradient_gradient", True, "gradient", "gradient"),
        ("gglnet_gradient_original", True, "gradient", "image"),
    ],
)
def test_table1_branch_inputs(name: str, has_gsm: bool, main: str, guide: str | None) -> None:
    model = gglnet.create_model(name)
    assert (model.gsms is not None) == has_gsm
    assert (model.config.main_input, model.config.guide_input) == (main, guide)


def test_variants_differ_where_the_paper_says() -> None:
    full = _n_params(gglnet.create_model("gglnet"))
    assert _n_params(gglnet.create_model("gglnet_gsm_add")) < full  # no Res in the GSMs
    assert _n_params(gglnet.create_model("gglnet_fuse_add")) < full  # no attention gates
    chain = gglnet.create_model("gglnet_gsm_chain")
    assert [g.g_block.conv1.conv.in_channels for g in chain.gsms] == [3, 16, 32, 64, 128]
    cam, sam = gglnet.create_model("gglnet_fuse_cam"), gglnet.create_model("gglnet_fuse_sam")
    assert cam.fusions[0].spatial_attention is None and cam.fusions[0].channel_attention
    assert sam.fusions[0].channel_attention is None and sam.fusions[0].spatial_attention


def test_guide_input_matters() -> None:
    torch.manual_seed(0)
    a = gglnet.create_model("gglnet", widths=(4, 8)).eval()
    b = gglnet.create_model("gglnet_original_original", widths=(4, 8)).eval()
    b.load_state_dict(a.state_dict())
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert not torch.allclose(a(x), b(x))


def test_gradient_flows_to_every_parameter() -> None:
    model = gglnet.create_model("gglnet", widths=(4, 8, 8))
    model(torch.rand(2, 3, 16, 16)).mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name


def test_initialisation_follows_spec() -> None:
    model = gglnet.create_model("gglnet")
    conv = model.stem[0].conv
    assert conv.bias.abs().max() == 0
    fan_out = conv.out_channels * 9
    assert conv.weight.std().item() == pytest.approx((2 / fan_out) ** 0.5, rel=0.25)
    assert model.stem[0].bn.weight.eq(1).all() and model.stem[0].bn.bias.eq(0).all()


@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ((1, 3, 30, 32), r"multiples of 16.*\(30, 32\).*\(32, 32\)"),
        ((1, 3, 32, 40), r"pad the input to \(32, 48\)"),
        ((1, 1, 32, 32), r"3 input channels, got 1.*repeat grey"),
        ((3, 32, 32), r"\(B, C, H, W\)"),
    ],
)
def test_bad_input_shapes(shape: tuple[int, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gglnet.create_model("gglnet", widths=(4, 8, 8, 8, 8))(torch.rand(shape))


def test_integer_input_rejected() -> None:
    with pytest.raises(TypeError, match="floating"):
        gglnet.create_model("gglnet", widths=(4, 8))(torch.zeros(1, 3, 4, 4, dtype=torch.uint8))


def test_size_divisor_follows_depth() -> None:
    model = gglnet.create_model("gglnet", widths=(4, 8))
    assert model.config.size_divisor == 2
    assert model(torch.rand(1, 3, 6, 10)).shape == (1, 1, 6, 10)


def test_unknown_name_lists_close_matches() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'gglnet_fuse_add',"):
        gglnet.create_model("gglnet_fuse_ad")


def test_overrides_and_their_errors() -> None:
    assert gglnet.create_model("gglnet", fusion="cam", reduction=4).config.reduction == 4
    with pytest.raises(TypeError, match=r"unknown GGLNetConfig option.*'fusoin'"):
        gglnet.create_model("gglnet", fusoin="add")
    with pytest.raises(ValueError, match="fusion must be one of"):
        gglnet.create_model("gglnet", fusion="sum")


@pytest.mark.parametrize(
    "bad",
    [
        {"widths": (8,)},
        {"in_chans": 0},
        {"guide_input": "edges"},
        {"gsm_layout": "tree"},
        {"pad_mode": "bogus"},
        {"pad_mode": None},
    ],
)
def test_config_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        GGLNetConfig(**bad)


def test_pad_mode_is_checked_by_name() -> None:
    assert GGLNetConfig().pad_mode == "zeros"
    with pytest.raises(ValueError, match=r"pad_mode must be one of .*got 'bogus'"):
        GGLNetConfig(pad_mode="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pad_mode must be one of"):
        gglnet.create_model("gglnet", pad_mode="mirror")
    with pytest.raises(ValueError, match="pad_mode must be one of"):
        GGLNetConfig().replace(pad_mode="edge")


@pytest.mark.parametrize("pad_mode", ["zeros", "reflect", "replicate"])
def test_pad_mode_round_trips_and_changes_no_weights(pad_mode: str, tmp_path) -> None:
    config = GGLNetConfig(widths=(4, 8), pad_mode=pad_mode)
    assert config.to_dict()["pad_mode"] == pad_mode
    assert GGLNetConfig.from_dict(config.to_dict()) == config
    assert (config == config.replace(pad_mode="zeros")) == (pad_mode == "zeros")
    model = gglnet.create_model("gglnet", widths=(4, 8), pad_mode=pad_mode)
    assert model.config == config
    model.save_pretrained(tmp_path / "run")
    assert gglnet.load_model(tmp_path / "run").config.pad_mode == pad_mode
    plain = gglnet.create_model("gglnet", widths=(4, 8))
    assert model.state_dict().keys() == plain.state_dict().keys()
    # a folder given as pretrained= brings its padding; an explicit option still wins
    again = gglnet.create_model("gglnet", widths=(4, 8), pretrained=tmp_path / "run")
    assert again.config.pad_mode == pad_mode
    forced = gglnet.create_model(
        "gglnet", widths=(4, 8), pretrained=tmp_path / "run", pad_mode="replicate"
    )
    assert forced.config.pad_mode == "replicate"


@pytest.mark.parametrize("name", VARIANTS)
def test_config_round_trip(name: str) -> None:
    config = get_architecture(name).config
    assert GGLNetConfig.from_dict(config.to_dict()) == config
    assert GGLNet(config.to_dict()).config == config


def test_list_models_filter() -> None:
    expected = ["gglnet_fuse_add", "gglnet_fuse_cam", "gglnet_fuse_sam"]
    assert gglnet.list_models("gglnet_fuse_*") == expected


def test_pretrained_true_without_published_weights() -> None:
    with pytest.raises(ValueError, match="'gglnet_fuse_sam' has no weights"):
        gglnet.create_model("gglnet_fuse_sam", pretrained=True)
    with pytest.raises(ValueError, match=r"weights 'gglnet\.sirst2' are not published"):
        gglnet.create_model("gglnet.sirst2", pretrained=True)


def test_a_tag_without_pretrained_builds_the_architecture() -> None:
    model = gglnet.create_model("gglnet.synthetic", widths=(4, 8))
    assert model.training and model.config.widths == (4, 8)


def test_load_model_from_folder_and_file(tmp_path) -> None:
    model = gglnet.create_model("gglnet_fuse_cam", widths=(8, 8))
    model.save_pretrained(tmp_path / "run")
    from_dir = gglnet.load_model(tmp_path / "run")
    assert from_dir.config == model.config and not from_dir.training
    torch.save(model.state_dict(), tmp_path / "w.pth")
    from_file = gglnet.load_model(tmp_path / "w.pth", arch="gglnet_fuse_cam", widths=(8, 8))
    for key, tensor in model.state_dict().items():
        assert torch.equal(from_file.state_dict()[key], tensor), key


def test_load_model_prefers_registered_names(tmp_path, monkeypatch) -> None:
    (tmp_path / "gglnet").mkdir()  # e.g. the package folder of a checkout
    (tmp_path / "gglnet_fuse_add").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="'gglnet_fuse_add' has no weights"):
        gglnet.load_model("gglnet_fuse_add")
    assert gglnet.load_model("gglnet").config == gglnet.GGLNetConfig()  # its default weights


def test_load_model_reads_a_file_named_like_a_tag(tmp_path, monkeypatch) -> None:
    model = gglnet.create_model("gglnet", widths=(4, 8))
    monkeypatch.chdir(tmp_path)
    torch.save(model.state_dict(), "gglnet.pth")
    assert gglnet.load_model("gglnet.pth", widths=(4, 8)).config.widths == (4, 8)


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("missing/model.safetensors", FileNotFoundError, "no such model file or folder"),
        ("not_a_model_name", ValueError, "unknown model"),
    ],
)
def test_load_model_errors(spec: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gglnet.load_model(spec)


def test_load_model_folder_without_config(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no config\.json"):
        gglnet.load_model(tmp_path)
