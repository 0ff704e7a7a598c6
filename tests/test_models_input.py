"""GGLNet.check_input: ambiguous or out-of-range input is refused or warned about, never run."""

from __future__ import annotations

import warnings

import pytest
import torch

import gglnet
from gglnet.inference import optimize_for_inference


@pytest.fixture
def model() -> gglnet.GGLNet:
    return gglnet.create_model("gglnet", widths=(8, 16)).eval()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_input_is_a_value_error(model: gglnet.GGLNet, bad: float) -> None:
    x = torch.rand(1, 3, 16, 16)
    x[0, 1, 3, 5] = bad
    with pytest.raises(ValueError, match=r"input contains NaN or inf \(shape \(1, 3, 16, 16\)\)"):
        model(x)


@pytest.mark.parametrize("shape", [(1, 3, 0, 0), (1, 3, 0, 16), (0, 3, 16, 16)])
def test_empty_input_is_a_value_error(model: gglnet.GGLNet, shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=rf"empty input of shape \({shape[0]}, 3, {shape[2]}"):
        model(torch.zeros(shape))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_other_float_dtypes_are_refused_not_cast(model: gglnet.GGLNet, dtype: torch.dtype) -> None:
    with pytest.raises(
        TypeError, match=rf"float32 weights expects torch.float32 input, got {dtype}"
    ):
        model(torch.rand(1, 3, 16, 16, dtype=dtype))


def test_matching_weights_autocast_and_optimized_models_take_their_input(
    model: gglnet.GGLNet,
) -> None:
    x = torch.rand(1, 3, 16, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.to(torch.float64)(x.double()).dtype == torch.float64
        assert model.to(torch.bfloat16)(x.bfloat16()).dtype == torch.bfloat16
        model.float()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert model(x).dtype == model(x.bfloat16()).dtype == torch.bfloat16
        for precision in ("bf16", "fp16"):
            fast = optimize_for_inference(model, device="cpu", precision=precision, compile=False)
            assert fast(x).dtype == torch.float32


def test_0_255_floats_warn_once_per_model(model: gglnet.GGLNet) -> None:
    x = torch.rand(1, 3, 16, 16) * 255
    with pytest.warns(UserWarning, match=r"far outside the \[0, 1\].*divide 8-bit pixels by 255"):
        model(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model(x)  # once per model
        # Slightly outside [0, 1] (augmentation noise) does not warn.
        fresh = gglnet.create_model("gglnet", widths=(8, 16)).eval()
        fresh(torch.rand(1, 3, 16, 16) * 1.5 - 0.25)
