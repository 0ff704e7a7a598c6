"""ONNX export: dynamic axes, the check against PyTorch, ONNX Runtime as a Predictor backend."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gglnet
from gglnet.cli import main
from gglnet.inference import OnnxRuntimeModel, Predictor, export_onnx
from gglnet.inference.export import MIN_OPSET, check_onnx

onnx = pytest.importorskip("onnx", reason="needs the onnx extra: pip install 'gglnet[onnx]'")
pytest.importorskip("onnxscript", reason="needs the onnx extra")
pytest.importorskip("onnxruntime", reason="needs the onnx extra")

pytestmark = pytest.mark.slow  # each export traces the model with torch.export (~10 s)


def _tiny() -> torch.nn.Module:
    torch.manual_seed(3)
    model = gglnet.create_model("gglnet", widths=(4, 8, 8), pad_mode="reflect")
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[torch.nn.Module, Path, object]:
    model = _tiny()
    path = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    return model, path, export_onnx(model, path)


def test_export_records_opset_dynamic_axes_and_metadata(exported: tuple) -> None:
    model, path, result = exported
    assert result.path == path and path.is_file()
    assert result.opset >= MIN_OPSET and result.size_divisor == 4
    proto = onnx.load(str(path))
    (graph_input,) = proto.graph.input
    dims = graph_input.type.tensor_type.shape.dim
    assert graph_input.name == "image" and proto.graph.output[0].name == "logits"
    assert dims[1].dim_value == 3
    assert all(dims[i].dim_param for i in (0, 2, 3))  # batch, height and width are symbolic
    metadata = {p.key: p.value for p in proto.metadata_props}
    assert metadata["gglnet.size_divisor"] == "4"
    assert OnnxRuntimeModel(path).config == model.config
    assert Predictor(path, backend="onnxruntime").pad_mode == "reflect"  # the weights' padding


def test_onnxruntime_agrees_with_pytorch_at_two_sizes(exported: tuple) -> None:
    model, path, result = exported
    assert len(result.max_prob_diff) == 2
    assert all(diff <= 1e-4 for diff in result.max_prob_diff.values())
    runner = OnnxRuntimeModel(path, threads=1)
    for shape in [(3, 3, 12, 20), (1, 3, 48, 32)]:
        x = torch.rand(shape)
        with torch.no_grad():
            expected = torch.sigmoid(model(x))
        torch.testing.assert_close(torch.sigmoid(runner(x)), expected, rtol=0, atol=1e-4)


def test_check_onnx_reports_a_disagreement(exported: tuple) -> None:
    _, path, _ = exported
    other = _tiny()
    torch.nn.init.constant_(other.head[-1].bias, 3.0)
    with pytest.raises(ValueError, match="differ from PyTorch's by"):
        check_onnx(path, other, [(1, 16, 16)])


def test_predictor_runs_the_export_with_onnxruntime(exported: tuple) -> None:
    model, path, _ = exported
    frame = (np.random.default_rng(0).random((37, 45)) * 255).astype(np.uint8)
    onnx_pred = Predictor(path, device="cpu", backend="onnxruntime")
    torch_pred = Predictor(model, device="cpu", precision="fp32")
    assert onnx_pred.precision == "fp32" and "OnnxRuntimeModel" in repr(onnx_pred)
    np.testing.assert_allclose(onnx_pred(frame), torch_pred(frame), rtol=0, atol=1e-4)


def test_runner_validates_its_input(exported: tuple) -> None:
    _, path, _ = exported
    runner = OnnxRuntimeModel(path)
    with pytest.raises(ValueError, match="multiples of 4"):
        runner(torch.rand(1, 3, 18, 16))
    with pytest.raises(TypeError, match=r"\(B, C, H, W\)"):
        runner(torch.rand(3, 16, 16))


def test_export_refuses_bad_requests(exported: tuple, tmp_path: Path) -> None:
    model, path, _ = exported
    with pytest.raises(FileExistsError, match="overwrite"):
        export_onnx(model, path)
    with pytest.raises(ValueError, match=f"at least {MIN_OPSET}"):
        export_onnx(model, tmp_path / "m.onnx", opset=17)
    with pytest.raises(ValueError, match="multiples of 4"):
        export_onnx(model, tmp_path / "m.onnx", check_shapes=[(1, 10, 16)])
    with pytest.raises(TypeError, match="size_divisor"):
        export_onnx(torch.nn.Conv2d(3, 1, 1), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(FileNotFoundError, match="no such ONNX file"):
        OnnxRuntimeModel(tmp_path / "missing.onnx")


def test_a_missing_extra_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "gglnet\[onnx\]"'):
        OnnxRuntimeModel(tmp_path / "x.onnx")


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    import gglnet.cli.export as export_cli

    monkeypatch.setattr(export_cli, "load_model", lambda name, arch: _tiny())
    out = tmp_path / "model.onnx"
    assert main(["export", "tiny", "--format", "onnx", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"wrote {out}: ONNX opset {MIN_OPSET}" in text
    assert "at 1x256x256" in text and "at 2x160x320" in text
    assert main(["export", "tiny", "--format", "onnx", "--out", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
