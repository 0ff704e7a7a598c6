"""Drawing the 3D-ROC (paper Fig. 9): its three projections side by side, with matplotlib.

matplotlib is an optional extra (``pip install "gglnet[plot]"``); nothing else in gglnet
imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from gglnet.metrics.roc import ROCCurve

__all__ = ["plot_roc"]


def plot_roc(curves: Mapping[str, ROCCurve], path: str | Path, title: str = "") -> Path:
    """Save the 3D-ROC of one or more models as an image: (Fa, Pd), (τ, Pd) and (τ, Fa).

    Args:
        curves: ``{label: curve}``, one line per curve in each panel, the AUC in the legend.
        path: the image file (``.png``, ``.svg``, ``.pdf``: any format matplotlib writes).
        title: a title above the panels.

    Returns:
        ``path``.

    Raises:
        ImportError: matplotlib is not installed (the message says how to install it).
        ValueError: no curves.
    """
    if not curves:
        raise ValueError("plot_roc needs at least one curve")
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError as error:
        raise ImportError(
            'drawing ROC curves needs matplotlib: pip install "gglnet[plot]"'
        ) from error
    figure, (ax_pd_fa, ax_pd_tau, ax_fa_tau) = plt.subplots(1, 3, figsize=(13, 4))
    for label, curve in curves.items():
        order = np.lexsort((curve.pd, curve.fa))
        ax_pd_fa.plot(
            curve.fa[order] * 1e6, curve.pd[order], label=f"{label} (AUC {curve.auc_pd_fa:.2e})"
        )
        by_tau = np.argsort(curve.thresholds)
        ax_pd_tau.plot(
            curve.thresholds[by_tau], curve.pd[by_tau], label=f"{label} ({curve.auc_pd_tau:.4f})"
        )
        ax_fa_tau.plot(
            curve.thresholds[by_tau],
            curve.fa[by_tau] * 1e6,
            label=f"{label} ({curve.auc_fa_tau:.2e})",
        )
    ax_pd_fa.set(xlabel="Fa (x1e-6)", ylabel="Pd", title="Pd over Fa", xscale="symlog")
    ax_pd_tau.set(xlabel="threshold τ", ylabel="Pd", title="Pd over τ")
    ax_fa_tau.set(xlabel="threshold τ", ylabel="Fa (x1e-6)", title="Fa over τ", yscale="symlog")
    for axes in (ax_pd_fa, ax_pd_tau, ax_fa_tau):
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
