"""The README's quickstart runs, and its command lines parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import shared_path

from gglnet.cli import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _block(language: str, after: str) -> str:
    section = README[README.index(after) :]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


@pytest.mark.slow
def test_quickstart_runs() -> None:
    from gglnet.data.synthetic import SPLIT_SEEDS, make_scene

    checkpoint = shared_path("reference", "official_parity", "official_gglnet.pth.tar")
    code = _block("python", "## Quickstart").replace("ggl_net_sirst.pth.tar", str(checkpoint))
    frame, _ = make_scene(96, (SPLIT_SEEDS["test"], 0))
    namespace = {"frame": frame, "mask": torch.zeros(2, 1, 256, 256)}
    exec(compile(code, "README.md", "exec"), namespace)
    assert isinstance(namespace["targets"], list)
    assert namespace["logits"].shape == (2, 1, 256, 256)
    assert set(namespace["metrics"].compute()) >= {"iou", "niou", "pd", "fa"}
    assert "gglnet.synthetic" in namespace["gglnet"].list_models(pretrained=True)
    assert isinstance(frame, np.ndarray)


@pytest.mark.parametrize(
    "line",
    [
        line
        for line in _block("bash", "From the command line:").splitlines()
        if line.startswith("gglnet ") and "--help" not in line
    ],
)
def test_command_lines_parse(line: str) -> None:
    args = build_parser().parse_args(shlex.split(line.partition("#")[0])[1:])
    assert callable(args.func)
