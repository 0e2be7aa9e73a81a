"""Users' entailment corpora: SNLI/MultiNLI jsonl and premise/hypothesis/label TSV, with the '-'
label skipped and counted, errors naming file:line, and a run trained from them."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from attnkit.cli import main
from attnkit.config import ConfigError, config_from_dict
from attnkit.data import DataError
from attnkit.fields import FieldError
from attnkit.run import open_run, train
from attnkit.tasks.nli_files import read_nli

FIXTURES = Path(__file__).parent.parent / "fixtures" / "nli"


def test_snli_jsonl_skips_pairs_without_agreement_and_says_how_many(caplog):
    with caplog.at_level(logging.WARNING, logger="attnkit"):
        examples = read_nli(str(FIXTURES / "snli-style.jsonl"), option="data.train")
    assert len(examples) == 7 and "skipped 1 pairs without a gold label" in caplog.text
    assert examples[0] == {"premise": "A man is playing a guitar on stage .",
                           "hypothesis": "A man is playing an instrument .", "label": "entailment",
                           "where": f"{FIXTURES / 'snli-style.jsonl'}:1"}


def test_multinli_jsonl_and_tsv_with_header():
    assert [e["label"] for e in read_nli(str(FIXTURES / "multinli-style.jsonl"), option="data.dev")] == [
        "neutral", "entailment", "contradiction"]
    examples = read_nli(str(FIXTURES / "pairs.tsv"), option="data.train", header=True)
    assert len(examples) == 7 and examples[-1]["hypothesis"] == "A kid has a balloon ."


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.jsonl", '{"sentence1": "a", "sentence2": "b", "gold_label": "neutral"}\n{oops\n', r"bad.jsonl:2: not a JSON"),
    ("keys.jsonl", '{"premise": "a", "hypothesis": "b"}\n', r"keys.jsonl:1: no sentence1, sentence2, gold_label"),
    ("cols.tsv", "a\tb\tneutral\na\tb\n", r"cols.tsv:2: expected premise<TAB>hypothesis<TAB>label, got 2 columns"),
    ("blank.tsv", "a\t \tneutral\n", r"blank.tsv:1: empty or missing hypothesis"),
    ("empty.tsv", "", r"holds no labelled pairs"),
])
def test_bad_lines_are_refused_naming_file_and_line(tmp_path, name, text, message):
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_nli(str(tmp_path / name), option="data.train")


def test_a_run_trains_from_nli_files_and_predicts_pairs(tmp_path, capsys, monkeypatch):
    spec = {"model": {"type": "entailment", "variant": "attention", "embedding_dim": 8, "hidden_dim": 8},
            "data": {"task": None, "format": "nli", "train": str(FIXTURES / "snli-style.jsonl"),
                     "dev": str(FIXTURES / "pairs.tsv"), "header": False, "max_tokens": 200},
            "train": {"max_steps": 3, "eval_every": 3, "metric": "accuracy", "progress": False, "threads": 1}}
    # without data.header the header line is read as a pair, and its label is unknown
    with pytest.raises(FieldError, match=r"pairs.tsv:1: unknown label .label."):
        train(config_from_dict(spec), tmp_path / "run")
    spec["data"]["header"] = True
    train(config_from_dict(spec), tmp_path / "run", overwrite=True)
    run = open_run(tmp_path / "run")
    assert run.schema.inputs == ("premise", "hypothesis")
    answer = run.predict([{"premise": "Two dogs run .", "hypothesis": "Animals run ."}])[0]
    assert answer.text in ("entailment", "neutral", "contradiction") and answer.weights.shape == (4,)
    capsys.readouterr()  # the training summary
    monkeypatch.setattr("sys.stdin", io.StringIO("Two dogs run .\tAnimals run .\n\nA man sleeps .\tA man rests .\n"))
    assert main(["predict", str(tmp_path / "run"), "--tsv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.split("\t")[0] in ("entailment", "neutral", "contradiction") for line in lines)
    assert all(0 < float(line.split("\t")[1]) <= 1 for line in lines)
    monkeypatch.setattr("sys.stdin", io.StringIO("only a premise\n"))
    assert main(["predict", str(tmp_path / "run"), "--tsv"]) == 2
    assert "stdin:1: expected 2 tab-separated columns (premise, hypothesis), got 1" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="data.format"):
        config_from_dict({**spec, "data": {**spec["data"], "format": "snli"}})
