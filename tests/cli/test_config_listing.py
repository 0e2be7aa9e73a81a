"""`attnkit config` lists the allowed values of every key with a fixed set: a Literal hint's
values (read from the hint, so a new value shows by itself), the model families for
`model.type`, the registry's mechanisms for `model.attention.name`."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from attnkit.attention import names as mechanism_names
from attnkit.cli import main
from attnkit.config import MODEL_FAMILIES, Config, describe_fields
from attnkit.models.rnn_seq2seq import RNNOptions
from attnkit.models.transformer import TransformerOptions


def printed(capsys) -> dict[str, list[str]]:
    """`attnkit config`'s lines by key (a key of several families prints once per family)."""
    assert main(["config"]) == 0
    lines: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        key, _, rest = line.partition(" ")
        lines.setdefault(key, []).append(rest)
    return lines


def allowed(line: str) -> list[str]:
    """The values after '; one of: ' at the end of a listing line."""
    assert "; one of: " in line, line
    return line.rsplit("; one of: ", 1)[1].strip().split(", ")


def hint(cls: type, name: str) -> typing.Any:
    return typing.get_type_hints(cls)[name]


def section(name: str) -> type:
    return typing.get_type_hints(Config)[name]


@pytest.mark.parametrize(("key", "cls", "name", "family"), [
    ("model.style", RNNOptions, "style", "rnn"),
    ("model.cell", RNNOptions, "cell", "rnn"),
    ("model.norm", TransformerOptions, "norm", "transformer"),
    ("model.positions", TransformerOptions, "positions", "transformer"),
    ("data.bucket_by", section("data"), "bucket_by", None),
    ("data.tokenizer", section("data"), "tokenizer", None),
    ("train.schedule", section("train"), "schedule", None),
    ("train.optimizer", section("train"), "optimizer", None),
    ("decode.precision", section("decode"), "precision", None),
])
def test_a_literal_keys_listed_values_are_its_hints(capsys, key, cls, name, family):
    lines = printed(capsys)[key]
    line = next(line for line in lines if family is None or f"[{family}]" in line)
    assert typing.get_origin(hint(cls, name)) is typing.Literal
    assert allowed(line) == [str(value) for value in typing.get_args(hint(cls, name))]


def test_model_type_lists_the_families_and_attention_name_the_mechanisms(capsys):
    lines = printed(capsys)
    assert allowed(lines["model.type"][0]) == list(MODEL_FAMILIES)
    assert {"rnn", "transformer", "attention_classifier"} <= set(MODEL_FAMILIES)
    for line in lines["model.attention.name"]:
        assert allowed(line) == mechanism_names()


def test_every_literal_key_of_every_section_and_family_lists_its_values():
    """Walk the dataclasses themselves: no Literal-typed key is left without its values."""
    rows = {(key, help_text) for key, _, help_text in describe_fields()}
    classes = [section(name) for name in ("data", "train", "decode")] + list(MODEL_FAMILIES.values())
    checked = 0
    for cls in classes:
        prefix = "model." if cls in MODEL_FAMILIES.values() else f"{cls.__name__[:-len('Config')].lower()}."
        for f in dataclasses.fields(cls):
            if typing.get_origin(hint(cls, f.name)) is not typing.Literal:
                continue
            values = [str(v) for v in typing.get_args(hint(cls, f.name))]
            assert any(key == prefix + f.name and help_text.endswith("; one of: " + ", ".join(values))
                       for key, help_text in rows), (cls.__name__, f.name)
            checked += 1
    assert checked >= 10


def test_an_open_ended_key_lists_no_values():
    rows = {key: help_text for key, _, help_text in describe_fields()}
    assert "one of:" not in rows["train.lr"] and "one of:" not in rows["decode.beam_size"]
