"""Model cards: YAML metadata and model-index from evaluation JSON, read back by ModelCard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from gglnet import GGLNetConfig
from gglnet.hub import Evaluation, model_card, read_evaluation

BEST = {
    "model": "runs/sirst/best.safetensors",
    "data": "/data/sirst",
    "split": "idx_320/test",
    "size": [512, 512],
    "n_images": 96,
    "threshold": 0.5,
    "iou": 0.8142,
    "niou": 0.7858,
    "pd": 0.9725,
    "fa": 4.44e-6,
    "auc_pd_fa": 0.91,
}


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_read_evaluation(tmp_path: Path) -> None:
    evaluation = read_evaluation(write_json(tmp_path / "eval_best.json", BEST))
    assert evaluation == Evaluation(
        label="eval_best",
        dataset="sirst",
        split="idx_320/test",
        metrics={"iou": 0.8142, "niou": 0.7858, "pd": 0.9725, "fa": 4.44e-6, "auc_pd_fa": 0.91},
        size=(512, 512),
        n_images=96,
        threshold=0.5,
    )
    labelled = read_evaluation(
        write_json(tmp_path / "x.json", {**BEST, "label": "last", "dataset": "nudt", "size": 256})
    )
    assert (labelled.label, labelled.dataset, labelled.size) == ("last", "nudt", (256, 256))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({k: v for k, v in BEST.items() if k != "niou"}), "niou"),
        (json.dumps({k: v for k, v in BEST.items() if k != "data"}), "dataset"),
        (json.dumps({**BEST, "pd": "high"}), "numbers"),
    ],
)
def test_bad_evaluation_names_the_file(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "eval.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as error:
        read_evaluation(path)
    assert str(path) in str(error.value)


def test_missing_evaluation_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nothing\.json"):
        read_evaluation(tmp_path / "nothing.json")


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"trim": 8, "pad_mode": "reflect"}, "trim=8"),
        ({"pad_mode": "zeros"}, "pad with 'reflect'"),
    ],
)
def test_card_refuses_evaluations_users_would_not_get(
    tmp_path: Path, extra: dict[str, object], match: str
) -> None:
    native = {**BEST, "size": None}
    config = GGLNetConfig(pad_mode="reflect")
    same = read_evaluation(write_json(tmp_path / "ok.json", {**native, "pad_mode": "reflect"}))
    assert (same.pad_mode, same.trim) == ("reflect", 0)
    model_card("gglnet.nudt", config, [same])  # the weights' own padding, whole images
    other = read_evaluation(write_json(tmp_path / "other.json", {**native, **extra}))
    with pytest.raises(ValueError, match=match) as error:
        model_card("gglnet.nudt", config, [other])
    assert "other.json" in str(error.value)


def test_card_round_trips_through_model_card(tmp_path: Path) -> None:
    best = read_evaluation(write_json(tmp_path / "best.json", BEST))
    last = read_evaluation(write_json(tmp_path / "last.json", {**BEST, "iou": 0.80, "fa": 5e-6}))
    card = model_card(
        "gglnet_sirst",
        GGLNetConfig(),
        [best, last],
        repo_id="gglnet/gglnet-sirst",
        registered=True,
        train_command="gglnet train --data sirst --epochs 500",
        eval_command="gglnet evaluate --model gglnet_sirst --json eval.json",
        hardware="1x H100",
        training_time="3 h",
        notes="Validation split cut from trainval with seed 0.",
    )
    card.save(tmp_path / "README.md")
    loaded = ModelCard.load(tmp_path / "README.md")
    data = loaded.data
    assert data.license == "apache-2.0"
    assert data.library_name == "gglnet"
    assert data.pipeline_tag == "image-segmentation"
    assert {"infrared-small-target-detection", "gglnet", "safetensors"} <= set(data.tags)
    assert data.datasets == ["sirst"]
    assert data.model_name == "gglnet_sirst"
    values = {(r.metric_config, r.metric_type): r.metric_value for r in data.eval_results}
    assert values[("best", "iou")] == 0.8142
    assert values[("last", "iou")] == 0.80
    assert values[("best", "fa")] == 4.44e-6
    assert values[("best", "auc_pd_fa")] == 0.91
    result = data.eval_results[0]
    assert (result.dataset_split, result.metric_name) == ("idx_320/test", "IoU (best, 512x512)")
    assert result.metric_args == {"input_size": [512, 512], "n_images": 96, "threshold": 0.5}
    body = loaded.text
    for text in (
        "gglnet train --data sirst --epochs 500",
        "gglnet evaluate --model gglnet_sirst",
        'gglnet.create_model("gglnet_sirst", pretrained=True)',
        'gglnet.GGLNet.from_pretrained("gglnet/gglnet-sirst")',
        'timm.create_model("gglnet_sirst", pretrained=True)',
        "| best | sirst | idx_320/test | 512x512 | 96 | 0.5 | 0.8142 | 0.7858 | 0.9725 | 4.44e-06",
        "1x H100",
        "seed 0",
        "| gsm_fusion | `res` |",
    ):
        assert text in body, text


def test_card_keeps_sizes_of_one_split_apart(tmp_path: Path) -> None:
    big = read_evaluation(write_json(tmp_path / "a.json", {**BEST, "size": 512}))
    small = read_evaluation(write_json(tmp_path / "b.json", {**BEST, "size": 256, "iou": 0.7}))
    card = model_card("gglnet_sirst", GGLNetConfig(), [big, small])
    card.save(tmp_path / "README.md")
    results = ModelCard.load(tmp_path / "README.md").data.eval_results
    sizes = {
        tuple(r.metric_args["input_size"]): r.metric_value
        for r in results
        if r.metric_type == "iou"
    }
    assert sizes == {(512, 512): BEST["iou"], (256, 256): 0.7}


def test_card_without_results_or_registration() -> None:
    card = model_card("my_weights", GGLNetConfig(widths=(8, 16)))
    assert card.data.eval_results is None
    assert "Not evaluated yet." in card.text
    assert "create_model" not in card.text and "timm" not in card.text
    assert "multiples of 2" in card.text


def test_undefined_metric_is_left_out_of_the_model_index(tmp_path: Path) -> None:
    no_targets = {**BEST, "pd": None, "size": None, "label": "empty"}
    evaluation = read_evaluation(write_json(tmp_path / "eval.json", no_targets))
    assert evaluation.size is None
    card = model_card("gglnet_x", GGLNetConfig(), [evaluation])
    assert {r.metric_type for r in card.data.eval_results} == {"iou", "niou", "fa", "auc_pd_fa"}
    assert (
        "| empty | sirst | idx_320/test | native | 96 | 0.5 | 0.8142 | 0.7858 | n/a |" in card.text
    )
