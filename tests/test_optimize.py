"""optimize_for_inference: same answers as the eager model, precision, compile and fallbacks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from conftest import requires_cuda
from torch import nn

import gglnet
import gglnet.models.gglnet as gglnet_module
import gglnet.precision as precision_module
from gglnet.blocks import ConvNormAct
from gglnet.inference import InferenceModel, optimize_for_inference


def _tiny_gglnet() -> nn.Module:
    model = gglnet.create_model("gglnet", widths=(8, 16, 16))
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


class _ConvNet(nn.Module):
    """Two layers: enough for BN folding and layout, quick for inductor to compile."""

    def __init__(self) -> None:
        super().__init__()
        self.features = ConvNormAct(3, 4)
        self.head = nn.Conv2d(4, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _probs(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.sigmoid(model(x)).cpu()


@pytest.mark.parametrize("channels_last", [True, False])
def test_fp32_matches_the_eager_model(channels_last: bool) -> None:
    model = _tiny_gglnet()
    x = torch.rand(3, 3, 32, 48)
    fast = optimize_for_inference(
        model, device="cpu", precision="fp32", compile=False, channels_last=channels_last
    )
    logits = fast(x)
    assert logits.shape == (3, 1, 32, 48)
    assert logits.dtype == torch.float32
    assert not logits.requires_grad
    torch.testing.assert_close(_probs(fast, x), _probs(model, x), rtol=0, atol=1e-4)


def test_the_users_model_is_left_alone() -> None:
    model = _tiny_gglnet().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimize_for_inference(model, device="cpu", precision="bf16", compile=False)
    assert model.training
    for key, value in model.state_dict().items():
        assert value.dtype == before[key].dtype
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize(
    ("precision", "dtype"), [("bf16", torch.bfloat16), ("fp16", torch.float16)]
)
def test_reduced_precision_stays_close_and_returns_fp32(precision: str, dtype: torch.dtype) -> None:
    model = _tiny_gglnet()
    x = torch.rand(2, 3, 32, 32)
    fast = optimize_for_inference(model, device="cpu", precision=precision, compile=False)
    logits = fast(x)
    assert logits.dtype == torch.float32
    assert fast.precision == precision and fast.dtype == dtype
    assert next(fast.model.parameters()).dtype == dtype
    torch.testing.assert_close(_probs(fast, x), _probs(model, x), rtol=0, atol=2e-2)


def test_gradient_image_is_computed_in_fp32_under_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[torch.dtype] = []

    def recording(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.dtype)
        out = gglnet.gradient_magnitude(x)
        seen.append(out.dtype)
        return out

    monkeypatch.setattr(gglnet_module, "gradient_magnitude", recording)
    fast = optimize_for_inference(_tiny_gglnet(), device="cpu", precision="bf16", compile=False)
    fast(torch.rand(1, 3, 16, 16))
    assert seen == [torch.float32, torch.float32]


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_precision_follows_the_hardware_and_shows_in_repr(
    native: bool, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(precision_module, "has_native_bf16", lambda device: native)
    fast = optimize_for_inference(_ConvNet().eval(), device="cpu", compile=False)
    assert (fast.precision, fast.requested_precision) == (expected, "auto")
    assert next(fast.model.parameters()).dtype == precision_module.DTYPES[expected]
    assert f"precision='{expected}' (auto)" in repr(fast)
    explicit = optimize_for_inference(_ConvNet().eval(), device="cpu", precision="fp32")
    assert "precision='fp32'," in repr(explicit)
    assert "compiled=True" in repr(explicit)


def test_input_is_validated_with_the_models_message() -> None:
    fast = optimize_for_inference(_tiny_gglnet(), device="cpu", compile=False)
    with pytest.raises(ValueError, match="multiples of 4"):
        fast(torch.rand(1, 3, 18, 16))
    with pytest.raises(TypeError, match=r"\(B, C, H, W\)"):
        fast(torch.rand(3, 16, 16))
    with pytest.raises(TypeError, match="floating"):
        fast(torch.zeros(1, 3, 16, 16, dtype=torch.uint8))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"precision": "fp64"}, "precision must be one of"),
        ({"batch_buckets": ()}, "batch_buckets"),
        ({"batch_buckets": (0, 4)}, "batch_buckets"),
        ({"max_graphs": 0}, "max_graphs"),
    ],
)
def test_bad_options_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        optimize_for_inference(_ConvNet().eval(), device="cpu", **kwargs)


def _pass_through_compile(shapes: list[tuple[int, ...]]) -> Callable:
    """A stand-in for torch.compile that records the shapes its function is called with."""

    def compile(fn: Callable, **_: object) -> Callable:
        def compiled(x: torch.Tensor) -> torch.Tensor:
            shapes.append(tuple(x.shape))
            return fn(x)

        return compiled

    return compile


def test_batches_are_padded_to_buckets_and_split(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes: list[tuple[int, ...]] = []
    monkeypatch.setattr(torch, "compile", _pass_through_compile(shapes))
    model = _ConvNet().eval()
    fast = optimize_for_inference(model, device="cpu", precision="fp32", batch_buckets=(1, 4, 8))
    for batch in (3, 11):
        x = torch.rand(batch, 3, 8, 8)
        torch.testing.assert_close(_probs(fast, x), _probs(model, x), rtol=0, atol=1e-5)
    assert shapes == [(4, 3, 8, 8), (8, 3, 8, 8), (4, 3, 8, 8)]
    assert set(fast.first_call_s) == {(4, 3, 8, 8), (8, 3, 8, 8)}
    assert all(seconds > 0 for seconds in fast.first_call_s.values())


def test_shapes_beyond_max_graphs_run_eagerly(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes: list[tuple[int, ...]] = []
    monkeypatch.setattr(torch, "compile", _pass_through_compile(shapes))
    model = _ConvNet().eval()
    fast = optimize_for_inference(model, device="cpu", precision="fp32", max_graphs=1)
    fast(torch.rand(1, 3, 8, 8))
    x = torch.rand(1, 3, 16, 16)
    with pytest.warns(RuntimeWarning, match="already compiled"):
        probs = _probs(fast, x)
    torch.testing.assert_close(probs, _probs(model, x), rtol=0, atol=1e-5)
    assert shapes == [(1, 3, 8, 8)]
    assert fast.compiled


def test_compile_failure_falls_back_to_eager_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_compile(fn: Callable, **_: object) -> Callable:
        def compiled(x: torch.Tensor) -> torch.Tensor:
            raise RuntimeError("no working C++ compiler\nlong inductor log")

        return compiled

    monkeypatch.setattr(torch, "compile", broken_compile)
    model = _ConvNet().eval()
    fast = optimize_for_inference(model, device="cpu", precision="fp32")
    x = torch.rand(2, 3, 8, 8)
    with pytest.warns(RuntimeWarning, match=r"no working C\+\+ compiler\); falling back"):
        probs = _probs(fast, x)
    assert not fast.compiled
    torch.testing.assert_close(probs, _probs(model, x), rtol=0, atol=1e-5)


@pytest.mark.slow
def test_inductor_compiled_model_matches_eager_on_cpu() -> None:
    model = _ConvNet().eval()
    fast = optimize_for_inference(model, device="cpu", precision="fp32", batch_buckets=(4,))
    assert isinstance(fast, InferenceModel)
    x = torch.rand(3, 3, 16, 16)
    probs = _probs(fast, x)
    assert fast.compiled
    torch.testing.assert_close(probs, _probs(model, x), rtol=0, atol=1e-4)


@pytest.mark.slow
def test_frozen_graphs_belong_to_their_own_weights() -> None:
    # Freezing bakes the weights into the graph: two models of one structure must not share.
    x = torch.rand(2, 3, 16, 16)
    for seed in (1, 2):
        torch.manual_seed(seed)
        model = _ConvNet().eval()
        for freezing in (True, False):
            fast = optimize_for_inference(
                model, device="cpu", precision="fp32", freezing=freezing, batch_buckets=(2,)
            )
            probs = _probs(fast, x)
            assert fast.compiled and fast.freezing is freezing
            torch.testing.assert_close(probs, _probs(model, x), rtol=0, atol=1e-4)


@requires_cuda
@pytest.mark.gpu
def test_cuda_fp32_compiled_matches_eager() -> None:
    model = _tiny_gglnet().cuda()
    x = torch.rand(2, 3, 64, 64, device="cuda")
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        fast = optimize_for_inference(model, device="cuda", precision="fp32")
        torch.testing.assert_close(_probs(fast, x), _probs(model, x), rtol=0, atol=1e-4)


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp16", "bf16", "auto"])
def test_cuda_reduced_precision_within_tolerance(precision: str) -> None:
    model = _tiny_gglnet().cuda()
    x = torch.rand(2, 3, 64, 64, device="cuda")
    fast = optimize_for_inference(model, device="cuda", precision=precision)
    logits = fast(x)
    assert logits.dtype == torch.float32
    torch.testing.assert_close(_probs(fast, x), _probs(model, x), rtol=0, atol=2e-2)


@requires_cuda
@pytest.mark.gpu
def test_cuda_graph_outputs_are_not_overwritten_by_the_next_call() -> None:
    model = _tiny_gglnet().cuda()
    fast = optimize_for_inference(model, device="cuda", precision="fp32", mode="reduce-overhead")
    first_input, second_input = torch.rand(2, 1, 3, 32, 32, device="cuda")
    first = fast(first_input)
    kept = first.clone()
    for _ in range(3):
        fast(second_input)
    torch.testing.assert_close(first, kept, rtol=0, atol=0)
    assert fast.compiled
