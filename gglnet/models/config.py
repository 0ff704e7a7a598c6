"""GGLNetConfig: every architectural option of GGL-Net and its ablations (paper Tables I–III)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from gglnet.blocks.gsm import GSMFusion
from gglnet.blocks.tgfm import FusionMode
from gglnet.padding import PadMode, check_pad_mode

__all__ = ["GGLNetConfig"]

BranchInput = Literal["image", "gradient"]
GSMLayout = Literal["parallel", "chain"]


@dataclass(frozen=True)
class GGLNetConfig:
    """Architecture of a GGL-Net variant.

    Attributes:
        in_chans: input channels (3 in the paper; grey images are repeated).
        num_classes: output channels of the head (1 logit map).
        widths: encoder widths per level; the input size must be a multiple of
            ``2 ** (len(widths) - 1)`` (16 for the paper's five levels).
        main_input: what the main branch sees: ``"image"`` or ``"gradient"`` (Table I).
        guide_input: the supplementary branch: ``"gradient"``, ``"image"`` or ``None`` (no GSMs).
        gsm_fusion: ``"res"`` (M_G_Res, GGL-Net) or ``"add"`` (M_G_Add) (Table II).
        gsm_layout: ``"parallel"`` (each level's G_Block sees the pooled guidance image) or
            ``"chain"`` (M-G-M_Res: G_Blocks sit in the supplementary branch between poolings).
        fusion: decoder fusion, ``"two_way"`` (TGFM), ``"add"``, ``"cam"`` or ``"sam"`` (Table III).
        reduction: TGFM channel-attention ratio ``r`` (Fig. 7).
        se_reduction: squeeze-excitation ratio in the encoder and GSMs.
        pad_mode: how a frame whose sides are not multiples of :attr:`size_divisor` is padded
            before the model sees it (:func:`gglnet.padding.pad_to_multiple`; evaluation,
            :class:`gglnet.Predictor` and training crops): ``"zeros"``, ``"reflect"`` or
            ``"replicate"``. Not architecture but a property of the weights, saved with them:
            weights trained only on whole frames of one size can fail next to zeros
            (``docs/results.md``).
    """

    in_chans: int = 3
    num_classes: int = 1
    widths: tuple[int, ...] = field(default=(16, 32, 64, 128, 256))
    main_input: BranchInput = "image"
    guide_input: BranchInput | None = "gradient"
    gsm_fusion: GSMFusion = "res"
    gsm_layout: GSMLayout = "parallel"
    fusion: FusionMode = "two_way"
    reduction: int = 8
    se_reduction: int = 4
    pad_mode: PadMode = "zeros"

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        # the choices are the Literal types of the fields: one source for each set
        _check_choice("main_input", self.main_input, get_args(BranchInput))
        _check_choice("guide_input", self.guide_input, (*get_args(BranchInput), None))
        _check_choice("gsm_fusion", self.gsm_fusion, get_args(GSMFusion))
        _check_choice("gsm_layout", self.gsm_layout, get_args(GSMLayout))
        _check_choice("fusion", self.fusion, get_args(FusionMode))
        check_pad_mode(self.pad_mode)
        for name in ("in_chans", "num_classes", "reduction", "se_reduction"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if len(self.widths) < 2 or any(w < 1 for w in self.widths):
            raise ValueError(f"widths must hold at least two positive widths, got {self.widths}")

    @property
    def size_divisor(self) -> int:
        """Input height and width must be multiples of this (one 2x pooling per level)."""
        return 2 ** (len(self.widths) - 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (lists for tuples) that :meth:`from_dict` reads back."""
        data = dataclasses.asdict(self)
        data["widths"] = list(self.widths)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GGLNetConfig:
        """Build a config from a dict, rejecting unknown keys by name."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TypeError(
                f"unknown GGLNetConfig option(s) {unknown}; valid options: {sorted(known)}"
            )
        return cls(**data)

    def replace(self, **overrides: Any) -> GGLNetConfig:
        """A copy with some options changed (unknown names are a TypeError)."""
        return self.from_dict({**self.to_dict(), **overrides})


def _check_choice(name: str, value: object, choices: tuple[object, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
