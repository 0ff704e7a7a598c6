"""gglnet.metrics.plot: the 3D-ROC drawn with matplotlib (an optional extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gglnet.metrics import roc
from gglnet.metrics.plot import plot_roc


def _curve():
    pred = np.zeros((2, 1, 16, 16), np.float32)
    target = np.zeros_like(pred)
    target[:, 0, 5, 5] = 1
    pred[:, 0, 5, 5] = [0.9, 0.3]
    pred[0, 0, 12, 12] = 0.6
    return roc(pred, target, thresholds=np.linspace(0, 1, 11))


def test_writes_an_image_per_format(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    curve = _curve()
    for name in ("roc.png", "roc.svg"):
        path = plot_roc({"a": curve, "b": curve}, tmp_path / name, title="two models")
        assert path.stat().st_size > 1000
    assert (tmp_path / "roc.png").read_bytes()[:4] == b"\x89PNG"


def test_no_curves() -> None:
    with pytest.raises(ValueError, match="at least one curve"):
        plot_roc({}, "x.png")


def test_without_matplotlib_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "gglnet\[plot\]"'):
        plot_roc({"a": _curve()}, "x.png")
