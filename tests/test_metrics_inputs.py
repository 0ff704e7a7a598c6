"""Input validation and conversion shared by the metrics (gglnet/metrics/_inputs.py)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

from gglnet.metrics import IRSTDMetrics, iou, roc
from gglnet.metrics._inputs import (
    binarize,
    check_matching,
    check_threshold,
    check_thresholds,
    load_pair,
    load_pairs,
)


def _pair(shape=(2, 1, 4, 4)) -> tuple[np.ndarray, np.ndarray]:
    return np.full(shape, 0.25, np.float32), np.zeros(shape, np.float32)


@pytest.mark.parametrize(
    ("pred_shape", "target_shape"),
    [
        ((2, 1, 4, 6), (2, 1, 4, 6)),
        ((2, 4, 6), (2, 4, 6)),
        ((2, 1, 4, 6), (2, 4, 6)),
        ((4, 6), (4, 6)),
        ((4, 6), (1, 1, 4, 6)),
    ],
)
def test_load_pair_shapes(pred_shape, target_shape):
    prob, truth = load_pair(np.zeros(pred_shape, np.float32), np.zeros(target_shape, bool))
    expected = (pred_shape[0] if len(pred_shape) > 2 else 1, 4, 6)
    assert prob.shape == truth.shape == expected
    assert truth.dtype == np.bool_


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (np.array([[0.0, 1.0]], np.float32), [[False, True]]),
        (np.array([[0, 1]], np.int64), [[False, True]]),
        (np.array([[0, 255]], np.uint8), [[False, True]]),
        (np.array([[0, 255]], np.int32), [[False, True]]),
        (np.array([[False, True]]), [[False, True]]),
        (torch.tensor([[0.0, 1.0]], dtype=torch.float16), [[False, True]]),
        (np.zeros((1, 2), np.uint8), [[False, False]]),
    ],
)
def test_target_kinds(target, expected):
    _, truth = load_pair(np.zeros((1, 2), np.float32), target)
    assert truth.tolist() == [expected]


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"shapes differ: \(2, 1, 64, 64\) vs \(2, 1, 32, 32\)"):
        load_pair(np.zeros((2, 1, 64, 64), np.float32), np.zeros((2, 1, 32, 32)))


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (8,), (1, 1, 1, 8, 8)])
def test_bad_rank_or_channels(shape):
    with pytest.raises(ValueError, match=r"Expected pred of shape .*, got \("):
        load_pair(np.zeros(shape, np.float32), np.zeros(shape))


@pytest.mark.parametrize("shape", [(0, 1, 64, 64), (2, 0, 8), (0, 5)])
def test_empty_batch(shape):
    with pytest.raises(ValueError, match=re.escape(f"empty batch: got pred shape {shape}")):
        load_pair(np.zeros(shape, np.float32), np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("from_logits", [False, True])
def test_non_finite_pred(bad, from_logits):
    pred, target = _pair()
    pred[1, 0, 2, 3] = bad
    with pytest.raises(ValueError, match="pred contains NaN or inf"):
        load_pair(pred, target, from_logits)


def test_probabilities_out_of_range_suggest_from_logits():
    pred, target = _pair()
    pred[0, 0, 0, 0] = 3.5
    with pytest.raises(ValueError, match=r"\[0.25, 3.5\]; pass from_logits=True"):
        load_pair(pred, target)
    prob, _ = load_pair(pred, target, from_logits=True)
    assert prob[0, 0, 0] == pytest.approx(1 / (1 + np.exp(-3.5)))


@pytest.mark.parametrize(
    "call",
    [
        lambda p, t: IRSTDMetrics(from_logits=True).update(p, t),
        lambda p, t: iou(p, t, from_logits=True),
        lambda p, t: roc(p, t, thresholds=[0.0, 1.0], from_logits=True),
    ],
    ids=["IRSTDMetrics", "iou", "roc"],
)
def test_probabilities_passed_as_logits_warn(call):
    """Sigmoids of [0, 1] all lie above 0.5: every pixel would count as predicted."""
    pred, target = _pair()
    pred[0, 0, 1, 1] = 1.0
    with pytest.warns(UserWarning, match=r"from_logits=True but every value of pred lies in"):
        call(pred, target)


def test_logits_outside_zero_one_do_not_warn():
    pred, target = _pair()
    pred[0, 0, 1, 1] = -3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        IRSTDMetrics(from_logits=True).update(pred, target)


def test_from_logits_uses_torch_sigmoid_for_numpy_and_torch():
    logits = torch.linspace(-6, 6, 32).reshape(2, 1, 4, 4)
    from_numpy, _ = load_pair(logits.numpy(), torch.zeros(2, 4, 4), from_logits=True)
    from_torch, _ = load_pair(logits, torch.zeros(2, 4, 4), from_logits=True)
    np.testing.assert_array_equal(from_numpy, torch.sigmoid(logits)[:, 0].numpy())
    np.testing.assert_array_equal(from_torch, from_numpy)


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        (np.array([0.0, 0.5, 1.0], np.float32), r"float32 values \[0.0, 0.5, 1.0\]"),
        (np.array([0, 1, 255], np.uint8), r"uint8 values \[0, 1, 255\]"),
        (np.array([0, 2], np.int64), r"int64 values \[0, 2\]"),
        (np.arange(10, dtype=np.int16), r"\[0, 1, 2, 3, 4, 5, ... \(10 unique\)\]"),
        (np.array([0.0, np.nan], np.float64), r"\[0.0, nan\]"),
    ],
)
def test_non_binary_target_lists_values(target, shown):
    with pytest.raises(ValueError, match=shown):
        load_pair(np.zeros((1, target.size), np.float32), target[None])


def test_float_0_255_target_hints_at_scaling():
    with pytest.raises(ValueError, match="divide 0/255 float masks by 255"):
        load_pair(np.zeros(2, np.float32)[None], np.array([[0.0, 255.0]], np.float32))


@pytest.mark.parametrize(
    ("pred", "message"),
    [
        (np.zeros((4, 4), np.uint8), "pred must hold floating-point probabilities"),
        (torch.zeros(4, 4, dtype=torch.bool), "got dtype bool"),
        ([[0.1, 0.2]], "pred must be a torch.Tensor or numpy.ndarray, got list"),
    ],
)
def test_pred_type_errors(pred, message):
    with pytest.raises(TypeError, match=message):
        load_pair(pred, np.zeros((4, 4)))


def test_target_type_error():
    with pytest.raises(TypeError, match="target must be a bool, integer or float mask"):
        load_pair(np.zeros((1, 2), np.float32), np.array([[0j, 1j]]))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_pred_is_widened(dtype):
    prob, _ = load_pair(torch.full((1, 2, 2), 0.75, dtype=dtype), torch.ones(1, 2, 2))
    assert prob.dtype == np.float32
    assert (prob == 0.75).all()


def test_binarize_is_strict_and_uses_pred_dtype():
    prob = np.array([0.5, np.nextafter(np.float32(0.5), 1)], np.float32)
    assert binarize(prob, 0.5).tolist() == [False, True]
    # 0.3 rounds to float32 before comparing, as torch does: float32(0.3) is not above it.
    assert binarize(np.array([0.3], np.float32), 0.3).tolist() == [False]


def test_load_pairs_sequences():
    pairs = load_pairs(
        [np.zeros((1, 4, 4), np.float32), np.zeros((8, 8), np.float32)],
        [np.zeros((1, 4, 4)), np.zeros((8, 8))],
    )
    assert [p.shape for p, _ in pairs] == [(1, 4, 4), (1, 8, 8)]
    with pytest.raises(ValueError, match="2 prediction batches but 1 target batches"):
        load_pairs([np.zeros((4, 4), np.float32)] * 2, [np.zeros((4, 4))])
    with pytest.raises(ValueError, match="empty batch: got no predictions"):
        load_pairs([], [])


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_check_threshold_range(value):
    with pytest.raises(ValueError, match="threshold must be in"):
        check_threshold(value)


@pytest.mark.parametrize("value", ["0.5", None, True])
def test_check_threshold_type(value):
    with pytest.raises(TypeError, match="threshold must be a float"):
        check_threshold(value)


@pytest.mark.parametrize(
    ("thresholds", "error", "message"),
    [
        ([], ValueError, "non-empty 1-D"),
        ([[0.1, 0.2]], ValueError, r"non-empty 1-D sequence, got shape \(1, 2\)"),
        ([0.1, float("nan")], ValueError, "NaN or inf"),
        ([0.1, float("inf")], ValueError, "NaN or inf"),
        ([-0.5, 0.2], ValueError, r"\[0, 1\], got values in \[-0.5, 0.2\]"),
        (["a"], TypeError, "sequence of floats"),
    ],
)
def test_check_thresholds(thresholds, error, message):
    with pytest.raises(error, match=message):
        check_thresholds(thresholds)


def test_check_thresholds_keeps_order_and_accepts_tensors():
    assert check_thresholds(torch.tensor([0.5, 0.25])).tolist() == [0.5, 0.25]


def test_check_matching():
    assert check_matching("optimal") == "optimal"
    with pytest.raises(ValueError, match=r"matching must be one of \('greedy', 'optimal'\)"):
        check_matching("hungarian")


def test_public_entries_validate():
    pred, target = _pair()
    with pytest.raises(ValueError, match="shapes differ"):
        iou(pred, target[:1])
    with pytest.raises(ValueError, match="threshold must be in"):
        IRSTDMetrics(threshold=2.0)
    with pytest.raises(ValueError, match="matching must be one of"):
        IRSTDMetrics(matching="best")
    with pytest.raises(ValueError, match="thresholds must lie in"):
        roc(pred, target, thresholds=[0.5, 1.5])
