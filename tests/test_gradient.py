"""gglnet.gradient: the paper's gradient image (paper Fig. 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import requires_cuda

from gglnet import GradientMagnitude, gradient_magnitude


def test_impulse_hand_computed() -> None:
    img = torch.zeros(1, 1, 5, 5)
    img[0, 0, 2, 2] = 1.0
    g = gradient_magnitude(img)[0, 0]
    expected = torch.zeros(5, 5)
    expected[2, 1] = expected[2, 3] = expected[1, 2] = expected[3, 2] = 0.5
    torch.testing.assert_close(g, expected)


def test_zero_padding_at_borders() -> None:
    g = gradient_magnitude(torch.ones(4, 6))
    # Corner: gx = (1 - 0) / 2, gy = (0 - 1) / 2 -> sqrt(0.5); edge: one term; interior: 0.
    assert g[0, 0].item() == pytest.approx(math.sqrt(0.5))
    assert g[0, 2].item() == pytest.approx(0.5)
    assert g[2, 0].item() == pytest.approx(0.5)
    assert g[1:-1, 1:-1].abs().max().item() == 0


def test_matches_formula_on_random_image() -> None:
    img = torch.rand(2, 3, 7, 9, dtype=torch.float64)
    p = torch.nn.functional.pad(img, (1, 1, 1, 1))
    gx = (p[..., 1:-1, 2:] - p[..., 1:-1, :-2]) / 2
    gy = (p[..., :-2, 1:-1] - p[..., 2:, 1:-1]) / 2
    torch.testing.assert_close(gradient_magnitude(img), torch.sqrt(gx**2 + gy**2))


@pytest.mark.parametrize("shape", [(2, 3, 8, 10), (3, 8, 10), (8, 10)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_shape_and_dtype_kept(shape: tuple[int, ...], dtype: torch.dtype) -> None:
    x = torch.rand(shape).to(dtype)
    g = gradient_magnitude(x)
    assert g.shape == x.shape
    assert g.dtype == dtype


def test_ranks_agree() -> None:
    x = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(gradient_magnitude(x[0]), gradient_magnitude(x)[0])
    torch.testing.assert_close(gradient_magnitude(x[0, 1]), gradient_magnitude(x)[0, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_in_numpy_out(dtype: type) -> None:
    x = np.random.default_rng(0).random((3, 6, 6)).astype(dtype)
    g = gradient_magnitude(x)
    assert isinstance(g, np.ndarray)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, gradient_magnitude(torch.from_numpy(x)).numpy())


def test_gradcheck() -> None:
    x = torch.rand(1, 2, 5, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(gradient_magnitude, (x,))


@pytest.mark.parametrize("image", [torch.zeros(1, 1, 6, 6), torch.ones(1, 1, 6, 6)])
def test_finite_gradient_on_flat_regions(image: torch.Tensor) -> None:
    x = image.clone().requires_grad_(True)
    gradient_magnitude(x).sum().backward()
    assert x.grad is not None
    assert torch.isfinite(x.grad).all()


def test_module_equals_function() -> None:
    x = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(GradientMagnitude()(x), gradient_magnitude(x))


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (torch.zeros(3, 4, 4, dtype=torch.uint8), TypeError, "floating"),
        (np.zeros((4, 4), dtype=np.uint8), TypeError, "floating"),
        (torch.zeros(5), ValueError, r"got \(5,\)"),
        (torch.zeros(1, 1, 1, 4, 4), ValueError, "Expected"),
        ([[0.0, 1.0]], TypeError, "list"),
    ],
)
def test_bad_input(bad: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradient_magnitude(bad)  # type: ignore[arg-type]


@requires_cuda
def test_device_kept() -> None:
    x = torch.rand(1, 3, 8, 8, device="cuda")
    g = gradient_magnitude(x)
    assert g.device == x.device
    torch.testing.assert_close(g.cpu(), gradient_magnitude(x.cpu()))
