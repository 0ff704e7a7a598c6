"""GGL-Net in a detection pipeline: a list of targets for every frame of a stream.

Run it on your own frames (8/16-bit or float, grey or RGB, any size; frames larger than 512
pixels are tiled)::

    python examples/detect_in_frames.py frame_000.png frame_001.png ...

Without arguments it runs on a short stream of synthetic infrared frames, so it needs no
download. It uses the shipped ``gglnet.synthetic`` weights; pass ``--model`` for others
(``gglnet.sirst`` once published, or a run's ``best/`` folder).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence

import numpy as np

import gglnet
from gglnet.data import make_scene, read_image
from gglnet.data.synthetic import SPLIT_SEEDS
from gglnet.metrics import Component


def synthetic_stream(n_frames: int = 4, size: int = 320) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, (H, W) uint8 frame)`` pairs from the synthetic test family."""
    for index in range(n_frames):
        image, _ = make_scene(size, (SPLIT_SEEDS["test"], index))
        yield f"synthetic-{index}", image


def file_stream(paths: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
    """``(path, frame)`` pairs read with their own bit depth and channels."""
    for path in paths:
        yield path, read_image(path)


def detect_stream(
    frames: Iterator[tuple[str, np.ndarray]], model: str = "gglnet.synthetic", device: str = "cpu"
) -> dict[str, list[Component]]:
    """Detections per frame name; each has a centroid ``(y, x)``, a box, an area, a peak score."""
    predictor = gglnet.Predictor(model, device=device, tile=512)
    return {name: predictor.detect(frame) for name, frame in frames}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("frames", nargs="*", help="image files (default: synthetic frames)")
    parser.add_argument("--model", default="gglnet.synthetic", help="name or weight folder")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, ...")
    args = parser.parse_args(argv)
    frames = file_stream(args.frames) if args.frames else synthetic_stream()
    for name, targets in detect_stream(frames, args.model, args.device).items():
        found = ", ".join(
            f"({t.centroid[0]:.1f}, {t.centroid[1]:.1f}) p={t.peak_score:.2f}" for t in targets
        )
        print(f"{name}: {len(targets)} target(s) {found}")


if __name__ == "__main__":
    main()
