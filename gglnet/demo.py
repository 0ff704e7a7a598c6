"""The demo detection: GGL-Net on a synthetic infrared scene, no download needed.

A scene from the synthetic *test* family (never seen in training) is drawn, the model finds its
targets, and each detection is checked against the scene's exact mask with the metrics' 3-pixel
centroid rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from gglnet.data.synthetic import SPLIT_SEEDS, make_scene
from gglnet.hardware import resolve_device
from gglnet.inference import Predictor
from gglnet.inference.overlay import draw_detections
from gglnet.metrics import Component, find_components
from gglnet.metrics.target import match_components

__all__ = ["DEMO_MODEL", "DemoResult", "run_demo"]

DEMO_MODEL = "gglnet.synthetic"
"""The weights the demo uses: GGL-Net trained on synthetic scenes, shipped in ``weights/``."""

OUTPUT_FILES = ("scene.png", "overlay.png", "detections.json")
TRUTH_COLOR = (0, 200, 0)
"""RGB colour of the circles around true targets in the overlay (detections are red boxes)."""
TRUTH_RADIUS = 9


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` found.

    Attributes:
        scene: ``(H, W)`` uint8 synthetic infrared image.
        truth: the scene's true targets (components of its exact mask).
        detections: the model's targets, in raster order.
        matched: for each detection, whether it hits a true target (centroids < 3 px apart).
        files: the files written, by name.
    """

    scene: np.ndarray
    truth: list[Component]
    detections: list[Component]
    matched: list[bool]
    files: dict[str, Path]

    @property
    def n_found(self) -> int:
        """True targets hit by a detection."""
        return sum(self.matched)

    @property
    def n_false(self) -> int:
        """Detections that hit no true target."""
        return len(self.matched) - self.n_found

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (written as ``detections.json``)."""
        return {
            "size": list(self.scene.shape),
            "truth": [t.to_dict() for t in self.truth],
            "detections": [
                {**d.to_dict(), "true_target": hit}
                for d, hit in zip(self.detections, self.matched, strict=True)
            ],
            "found": self.n_found,
            "false_alarms": self.n_false,
        }


def run_demo(
    out_dir: str | Path,
    model: str | Path | nn.Module = DEMO_MODEL,
    scene: int = 0,
    size: int = 256,
    device: str | torch.device | None = None,
    overwrite: bool = False,
) -> DemoResult:
    """Detect the targets of one synthetic test scene and write the pictures and JSON.

    Writes ``scene.png`` (the input), ``overlay.png`` (red boxes: detections with their peak
    probability; green circles: the true targets) and ``detections.json``.

    Args:
        out_dir: folder for the three files (created if missing).
        model: registered name, weight folder/file, or a module (see :class:`gglnet.Predictor`).
        scene: index of the scene in the synthetic test family.
        size: side of the square scene (a multiple of 16 avoids padding).
        device: where to run; default CUDA when available.
        overwrite: replace the demo's files if they exist.

    Returns:
        A :class:`DemoResult`.

    Raises:
        FileExistsError: an output file exists and ``overwrite`` is false.
        ValueError: ``device`` is not available (:func:`gglnet.hardware.resolve_device`).
    """
    device = resolve_device(device)
    out_dir = Path(out_dir)
    files = {name: out_dir / name for name in OUTPUT_FILES}
    existing = [str(p) for p in files.values() if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{', '.join(existing)} already exist; pass overwrite=True (--overwrite) or choose "
            "another folder"
        )
    image, mask = make_scene(size, (SPLIT_SEEDS["test"], scene))
    predictor = Predictor(model, device=device)
    prob = predictor(image)
    detections = predictor.find_targets(prob)
    truth = find_components(mask.astype(bool))
    hits = match_components(
        np.array([t.centroid for t in truth]).reshape(-1, 2),
        np.array([d.centroid for d in detections]).reshape(-1, 2),
    )
    hit = set(hits[hits >= 0].tolist())
    matched = [index in hit for index in range(len(detections))]
    result = DemoResult(image, truth, detections, matched, files)

    out_dir.mkdir(parents=True, exist_ok=True)
    overlay = draw_detections(image, detections)
    for target in truth:
        y, x = (round(v) for v in target.centroid)
        cv2.circle(overlay, (x, y), TRUTH_RADIUS, TRUTH_COLOR, 1, cv2.LINE_AA)
    cv2.imwrite(str(files["scene.png"]), image)
    cv2.imwrite(str(files["overlay.png"]), cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
    files["detections.json"].write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return result
