"""`attnkit.load(RUN_DIR)`: the README's "Python API" example, run exactly as written there on a
tiny copy run, and the object's answers checked against the run's own predictions."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import attnkit
from attnkit.api import Model
from attnkit.config import config_from_dict
from attnkit.run import RunError, train

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 32, "dropout": 0.0,
              "attention": {"name": "additive"}},
    "data": {"task": "copy", "max_tokens": 120,
             "task_options": {"vocab_size": 5, "min_len": 1, "max_len": 4, "train_size": 200, "dev_size": 10,
                              "test_size": 12, "long_size": 4}},
    "train": {"max_steps": 60, "lr": 0.01, "eval_every": 30, "eval_sentences": 10, "progress": False,
              "threads": 1},
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("api") / "run"
    train(config_from_dict(TINY), directory)
    return directory


def readme_example() -> str:
    """The first python block of the README's "## Python API" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readmes_example_runs_as_written(run_dir, capsys):
    code = readme_example()
    assert 'attnkit.load("runs/dates")' in code
    namespace: dict = {}
    exec(compile(code.replace("runs/dates", str(run_dir)), "README.md", "exec"), namespace)  # noqa: S102

    model, texts, seen, weights, png = (namespace[k] for k in ("model", "texts", "seen", "weights", "png"))
    assert isinstance(model, Model)
    assert len(texts) == 2 and all(isinstance(text, str) for text in texts)
    assert isinstance(weights, np.ndarray)
    assert weights.shape == (len(seen["output_tokens"]) + 1, len(seen["source_tokens"]))  # (T+1, S)
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-4)
    assert seen["rows"] == seen["output_tokens"] + ["</s>"]
    assert png == run_dir / "plots" / "march.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in capsys.readouterr().out and isinstance(namespace["found"][0][0].text, str)


def test_the_answers_are_the_runs_own(run_dir):
    model = attnkit.load(run_dir)
    sources = ["a b c", "d", "b b a e"]
    assert model.translate(sources) == [found[0].text for found in model.run.translate(sources)]
    assert model.translate(sources, beam=3) == [t[0].text for t in model.predict(
        [{"source": s} for s in sources], beam=3)]
    seen = model.attention("a b c")
    assert seen["source_tokens"] == ["a", "b", "c"]
    assert seen["output"] == " ".join(seen["output_tokens"]) == model.translate(["a b c"])[0]


def test_a_bad_checkpoint_name_is_refused(run_dir):
    with pytest.raises(RunError, match="'best' or 'last'"):
        attnkit.load(run_dir, checkpoint="newest")
    assert isinstance(attnkit.load(run_dir, checkpoint="last"), Model)


NEEDLE = {
    "model": {"type": "attention_classifier", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0},
    "data": {"task": "needle", "max_tokens": 200,
             "task_options": {"min_len": 3, "max_len": 6, "train_size": 64, "dev_size": 8, "test_size": 8,
                              "long_size": 4}},
    "train": {"max_steps": 5, "eval_every": 5, "eval_sentences": 8, "metric": "accuracy", "progress": False,
              "threads": 1},
}


def test_a_classifier_runs_attention_is_its_label_probabilities_and_weights(tmp_path):
    from attnkit.tasks import get_task

    train(config_from_dict(NEEDLE), tmp_path / "run")
    model = attnkit.load(tmp_path / "run")
    example = get_task("needle", **NEEDLE["data"]["task_options"]).split("test")[0]
    seen = model.attention(example)
    found = model.predict([example])[0]
    assert seen["label"] == found.text and seen["probabilities"] == found.probabilities
    assert abs(sum(seen["probabilities"].values()) - 1) < 1e-4
    assert seen["weights"].shape == (len(seen["source_tokens"]),) and abs(seen["weights"].sum() - 1) < 1e-4
    png = model.plot(example, tmp_path / "needle.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
