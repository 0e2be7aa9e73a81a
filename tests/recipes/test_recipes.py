"""The three recipes of docs/ARCHITECTURE.md, done exactly as written there with toy pieces:
a new mechanism, a new task with a non-text field, a new model family. Each is trained end to end
through the CLI's own code path (`attnkit.cli.main`), and nothing outside the new pieces and their
registry lines is touched."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import yaml
from torch import Tensor, nn

from attnkit.attention import Attention, KeyCache, register
from attnkit.attention import registry as mechanism_registry
from attnkit.cli import main
from attnkit.config import MODEL_FAMILIES, ModelOptions, option
from attnkit.models import FAMILIES, Family, ModelOutput, register_family
from attnkit.tasks import FieldSpec, Schema, Task, register_task
from attnkit.tasks import registry as task_registry


@pytest.fixture(autouse=True)
def restore_registries():
    """Each recipe registers toy pieces; the registries are put back afterwards."""
    saved = (dict(mechanism_registry.MECHANISMS), dict(mechanism_registry.ALIASES), dict(task_registry._TASKS),
             dict(FAMILIES), dict(MODEL_FAMILIES))
    yield
    for registry, contents in zip((mechanism_registry.MECHANISMS, mechanism_registry.ALIASES, task_registry._TASKS,
                                   FAMILIES, MODEL_FAMILIES), saved, strict=True):
        registry.clear()
        registry.update(contents)


def train(tmp_path, config: dict, capsys) -> dict:
    """`attnkit train CONFIG` as a user runs it; returns the last metrics.jsonl record."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    run_dir = tmp_path / "run"
    assert main(["train", str(path), "--run-dir", str(run_dir)]) == 0
    assert "trained" in capsys.readouterr().out
    return json.loads((run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()[-1])


QUIET = {"progress": False, "threads": 1, "patience": None}


# ---- recipe 1: a mechanism -------------------------------------------------------------------


def neg_distance_scores(query: Tensor, keys: Tensor) -> Tensor:
    """score(s, h) = -||s - h||^2.  query (B, T, D), keys (B, S, D) -> (B, T, S)."""
    return -torch.cdist(query, keys).pow(2)


class NegativeDistanceAttention(Attention):
    """Toy mechanism: the nearer a key, the higher its weight. score(s, h) = -||s - h||^2."""

    formula = "-||s - h||^2"
    paper = "(recipe test)"

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        return neg_distance_scores(query, cache.keys)  # (B, T, S)


def test_recipe_add_a_mechanism(tmp_path, capsys):
    register("neg_distance", NegativeDistanceAttention, aliases=("nearest",))
    attention = mechanism_registry.build("nearest", query_dim=4, key_dim=4)
    keys = torch.tensor([[[0.0, 0, 0, 0], [1, 1, 1, 1], [5, 5, 5, 5]]])
    context, weights = attention(torch.tensor([[1.0, 1, 1, 1]]), keys, mask=torch.tensor([[True, True, False]]))
    assert weights[0, 2] == 0 and weights[0, 1] > weights[0, 0]  # masked key at 0; the nearer key wins
    assert torch.allclose(weights.sum(-1), torch.ones(1))
    record = train(tmp_path, {
        "model": {"style": "luong", "embedding_dim": 16, "hidden_dim": 16, "dropout": 0.0,
                  "attention": {"name": "neg_distance"}},
        "data": {"task": "copy", "max_tokens": 400,
                 "task_options": {"vocab_size": 6, "min_len": 2, "max_len": 4, "train_size": 200, "dev_size": 20}},
        "train": {"max_steps": 20, "eval_every": 20, "lr": 0.01, **QUIET}}, capsys)
    assert record["step"] == 20 and np.isfinite(record["dev_loss"])


# ---- recipe 2: a task with a non-text field --------------------------------------------------


class MarkedSign(Task):
    """Toy task: frames of 3 features; one frame is marked (feature 2 = 4); the label is the sign
    of that frame's feature 0. Only attention to the marked frame can answer."""

    name = "marked-sign"
    description = "the sign of the marked frame's first feature (recipe test)"
    defaults = {"min_len": 2, "max_len": 6, "train_size": 600, "dev_size": 100, "test_size": 100, "long_size": 50}

    def schema(self) -> Schema:
        return Schema({"frames": FieldSpec("frames", {"normalise": "none"}), "label": FieldSpec("label")},
                      inputs=("frames",), output="label", prediction="classify", metrics=("accuracy",))

    def key(self, example):
        return None

    def _sample(self, rng: random.Random, split: str) -> dict:
        top = self.options["max_len"] * (2 if split == "long" else 1)
        length = rng.randint(self.options["min_len"], top)
        frames = np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0] for _ in range(length)], dtype=np.float32)
        marked = rng.randrange(length)
        frames[marked, 2] = 4.0
        return {"frames": frames, "label": "up" if frames[marked, 0] > 0 else "down", "alignment": (marked,)}


def test_recipe_add_a_task_with_a_non_text_field(tmp_path, capsys):
    register_task(MarkedSign)
    record = train(tmp_path, {
        "model": {"type": "attention_classifier", "embedding_dim": 16, "hidden_dim": 16, "dropout": 0.0},
        "data": {"task": "marked-sign", "max_tokens": 400},
        "train": {"max_steps": 150, "eval_every": 50, "lr": 0.01, "metric": "accuracy", **QUIET}}, capsys)
    assert record["dev_accuracy"] >= 80.0  # chance is 50%
    assert main(["evaluate", str(tmp_path / "run"), "--split", "test"]) == 0
    report = capsys.readouterr().out
    assert "accuracy" in report and "alignment accuracy (%)" in report


# ---- recipe 3: a model family ----------------------------------------------------------------


@dataclass(frozen=True)
class MeanPoolOptions(ModelOptions):
    type: str = option("mean_pool", "model family")
    hidden_dim: int = option(16, "width of the hidden layer over the mean frame")

    def problems(self) -> list[str]:
        return super().problems() + ([] if self.hidden_dim > 0 else ["model.hidden_dim must be positive"])


class MeanPoolClassifier(Family, nn.Module):
    """Toy family without attention: the mean of the frames -> a hidden layer -> label logits."""

    Options = MeanPoolOptions
    predictions = ("classify",)
    input_kinds = ("frames",)
    output_kinds = ("label",)

    def __init__(self, options: MeanPoolOptions, features: int, classes: int, input_name: str) -> None:
        super().__init__()
        self.input_name = input_name
        self.layers = nn.Sequential(nn.Linear(features, options.hidden_dim), nn.Tanh(),
                                    nn.Linear(options.hidden_dim, classes))

    @classmethod
    def from_fields(cls, options, schema, fields):
        name = schema.inputs[0]
        return cls(options, fields[name].dim, fields[schema.output].size, name)

    def forward(self, batch, need_weights: bool = True) -> ModelOutput:
        frames = batch[self.input_name]
        mean = (frames.data * frames.mask[..., None]).sum(1) / frames.lengths[:, None]  # (B, D)
        return ModelOutput(self.layers(mean))  # (B, C), no attention weights


def test_recipe_add_a_model_family(tmp_path, capsys):
    register_family("mean_pool", MeanPoolClassifier)
    record = train(tmp_path, {
        "model": {"type": "mean_pool", "hidden_dim": 16},
        "data": {"task": "needle", "max_tokens": 400,
                 "task_options": {"dim": 4, "min_len": 1, "max_len": 3, "train_size": 400, "dev_size": 100}},
        "train": {"max_steps": 150, "eval_every": 50, "lr": 0.01, "metric": "accuracy", **QUIET}}, capsys)
    assert record["dev_accuracy"] >= 70.0  # chance is 25%
    # its options are validated at config load like any family's
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"model": {"type": "mean_pool", "style": "luong"}, "data": {"task": "needle"}}))
    assert main(["train", str(bad), "--run-dir", str(tmp_path / "bad")]) == 2
    assert "model.style is not an option of model.type mean_pool" in capsys.readouterr().err
    # and a family that cannot read the task says so before anything is written
    text = tmp_path / "text.yaml"
    text.write_text(yaml.safe_dump({"model": {"type": "mean_pool"}, "data": {"task": "copy"}}))
    assert main(["train", str(text), "--run-dir", str(tmp_path / "text")]) == 2
    assert "cannot serve this task" in capsys.readouterr().err
    assert not (tmp_path / "text").exists()
