"""The shipped configs stay valid: each loads, names an existing task with valid options (or, for real
data, its train/dev/test files, which the tests do not read), and
the set covers every task x {none, bahdanau+additive, luong+general, luong+dot}."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from attnkit.attention import canonical_name
from attnkit.config import load_config
from attnkit.tasks import get_task
from attnkit.tasks import names as task_names

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))
MODELS = {"none": ("none", None), "bahdanau-additive": ("bahdanau", "additive"),
          "luong-general": ("luong", "general"), "luong-dot": ("luong", "dot")}


def check_attention(model) -> None:
    """A family with a model.attention section (rnn, attention_classifier) names a registered
    mechanism; the transformer's multi-head attention is built in and has none."""
    if "attention" in {f.name for f in dataclasses.fields(model)}:
        canonical_name(model.attention.name)


def test_every_task_and_model_has_a_config():
    names = {path.stem for path in CONFIGS}
    expected = {f"{task}-{model}" for task in ("dates", "numbers", "copy", "reverse", "sort") for model in MODELS}
    assert expected <= names, sorted(expected - names)


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_config_loads_and_names_an_existing_task(path):
    config = load_config(path)
    if config.data.task is None:  # a real-data config (e.g. debian-en-de-*): names its files, not read here
        assert config.data.train and config.data.dev and config.data.test
        check_attention(config.model)
        return
    assert config.data.task in task_names()
    get_task(config.data.task, **config.data.task_options)  # options valid for that task
    check_attention(config.model)  # a registered mechanism
    task, _, model = path.stem.partition("-")
    if model in MODELS:
        style, mechanism = MODELS[model]
        assert config.data.task == task and config.model.style == style
        if mechanism:
            assert canonical_name(config.model.attention.name) == mechanism


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_key_is_commented(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            assert " # " in line, f"{path.name}:{number} has no comment: {line!r}"


def test_the_configuration_reference_lists_every_key_with_its_default():
    """docs/CONFIG.md's tables are `attnkit config`'s output: a new or changed option must show there."""
    from attnkit.config import describe_fields

    reference = (Path(__file__).resolve().parents[1] / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    missing = [key for key, default, meaning in describe_fields()
               if f"| `{key}` | `{default}` | {meaning} |" not in reference]
    assert not missing, f"docs/CONFIG.md is out of date for: {missing}"
