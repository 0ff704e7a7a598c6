"""gglnet.training.config: TrainConfig defaults, validation and resume compatibility."""

from __future__ import annotations

import pytest

from gglnet.training import TrainConfig


def test_defaults_are_the_papers_recipe() -> None:
    config = TrainConfig("runs/x")
    assert (config.lr, config.batch_size, config.epochs, config.size) == (1e-4, 4, 500, 512)
    assert config.model == "gglnet" and config.augment and config.precision == "auto"
    assert config.val_fraction == 0.1 and config.eval_interval == 1
    assert (config.schedule, config.warmup_epochs, config.bce_weight) == ("constant", 0.0, 0.0)
    assert (config.crop, config.ema_decay, config.init_from) == (None, None, None)


def test_round_trip_normalises_model_options() -> None:
    config = TrainConfig("runs/x", model_options={"widths": (8, 16)})
    assert config.model_options == {"widths": [8, 16]}
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(TypeError, match=r"unknown TrainConfig option\(s\) \['lr_max'\]"):
        TrainConfig.from_dict({**config.to_dict(), "lr_max": 1})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"size": 2.5}, "size must be a positive integer"),
        ({"size": 0}, "size must be a positive integer"),
        ({"size": -1}, "size must be a positive integer"),
        ({"batch_size": True}, "batch_size must be a positive integer"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"lr": -1.0}, "lr must be"),
        ({"time_budget": 0}, "time_budget"),
        ({"workers": -1}, "workers"),
        ({"resume": True, "overwrite": True}, "exclude each other"),
        ({"split": "idx_320"}, "splits do not apply"),
        ({"model_options": {"widths": {1, 2}}}, "not JSON serializable"),
        ({"crop": 0}, "crop must be a positive integer"),
        ({"bce_epochs": 0}, "bce_epochs must be a positive integer"),
        ({"crop_target_fraction": 1.5}, "crop_target_fraction"),
        ({"schedule": "step"}, "schedule must be one of"),
        ({"loss_reduction": "mean"}, r"loss_reduction must be one of \('sample', 'batch'\)"),
        ({"precision": "int8"}, "precision must be one of"),
        ({"warmup_epochs": -1.0}, "warmup_epochs"),
        ({"min_lr": 1.0}, "min_lr must lie in"),
        ({"bce_weight": -0.5}, "bce_weight"),
        ({"ema_decay": 1.0}, "ema_decay"),
        ({"size": None}, "data='synthetic' needs a size"),
        ({"crop": 16}, "takes no crop"),
        ({"eval_size": 0}, "eval_size must be 'train', None .* or a positive integer, got 0"),
        ({"eval_size": 2.5}, "eval_size must be 'train', None"),
        ({"eval_size": "native"}, r"eval_size must be .* positive integer, got 'native'"),
        ({"size": 16}, "size must be >= 32, got 16"),
        ({"size": 64, "eval_size": 16}, "eval_size must be >= 32, got 16"),
        ({"eval_size": None}, "data='synthetic' has no native size"),
        ({"scale_min": 0.0}, "0 < scale_min <= scale_max, got scale_min=0.0, scale_max=1.0"),
        ({"scale_min": 1.5}, "--scale-max; 1 by default"),
        ({"scale_max": float("inf")}, "finite"),
        ({"scale_min": 0.5}, "add a crop"),
        ({"edge_pad": 1.5}, r"edge_pad is a share of samples in \[0, 1\], got 1.5"),
        ({"edge_pad": -0.1}, "edge_pad is a share of samples"),
        ({"edge_pad": 0.5}, "edge_pad applies to dataset folders; data='synthetic'"),
    ],
)
def test_bad_options(overrides: dict, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        TrainConfig("runs/x", **overrides)


@pytest.mark.parametrize(
    ("size", "eval_size", "expected"),
    [(512, "train", 512), (None, "train", None), (256, None, None), (256, 512, 512)],
)
def test_resolved_eval_size(size: int | None, eval_size: int | str | None, expected) -> None:
    config = TrainConfig("runs/x", data="folder", size=size, eval_size=eval_size)
    assert config.resolved_eval_size == expected
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_differences_ignore_what_may_change_on_resume() -> None:
    saved = TrainConfig("runs/x", epochs=10, data="synthetic")
    later = TrainConfig("elsewhere", epochs=20, workers=3, time_budget=9, resume=True, quiet=True)
    assert later.differences(saved) == {}
    assert TrainConfig("runs/x", lr=1e-3, seed=2).differences(saved) == {
        "lr": (1e-4, 1e-3),
        "seed": (0, 2),
    }


def test_bce_weight_applies_in_early_epochs_only() -> None:
    config = TrainConfig("runs/x", bce_weight=0.5, bce_epochs=3)
    assert [config.bce_weight_at(epoch) for epoch in (1, 3, 4, 100)] == [0.5, 0.5, 0.0, 0.0]
    assert TrainConfig("runs/x", bce_weight=0.5).bce_weight_at(100) == 0.5


@pytest.mark.parametrize("edge_pad", [0.0, 0.5, 1.0])
def test_edge_pad_on_dataset_folders(edge_pad: float) -> None:
    assert TrainConfig("runs/x").edge_pad == 0.0
    config = TrainConfig("runs/x", data="folder", edge_pad=edge_pad)
    assert config.edge_pad == edge_pad
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig("runs/x", data="folder").differences(config) == (
        {"edge_pad": (edge_pad, 0.0)} if edge_pad else {}
    )
