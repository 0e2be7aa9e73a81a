"""`attnkit compare` end to end on two tiny runs (one without attention), and the attention
section of `attnkit evaluate`."""

import csv

import pytest

from attnkit.cli import main
from attnkit.compare import compare_runs, train_runs
from attnkit.config import config_from_dict, save_config
from attnkit.evaluation import evaluate_run
from attnkit.run import train


def tiny_config(style: str, **task):
    return config_from_dict({
        "model": {"style": style, "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0,
                  "attention": {"name": "additive"}},
        "data": {"task": "reverse", "task_options": {"vocab_size": 6, "min_len": 2, "max_len": 5, "long_max_len": 8,
                                                     "train_size": 300, "dev_size": 12, "test_size": 16,
                                                     "long_size": 16, **task}, "max_tokens": 400},
        "train": {"max_steps": 30, "eval_every": 30, "eval_sentences": 12, "patience": None, "threads": 1,
                  "progress": False, "lr": 0.01},
    })


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for style in ("none", "bahdanau"):
        train(tiny_config(style), root / style)
    return root / "none", root / "bahdanau"


def test_compare_writes_png_csv_and_markdown_with_the_right_columns(runs, tmp_path):
    comparison = compare_runs(list(runs), tmp_path, split="test,long", metric="exact_match")
    names = sorted(p.name for p in comparison.files)
    assert names == ["compare-exact_match.png", "compare.csv", "compare.md"]
    assert (tmp_path / "compare-exact_match.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert comparison.train_range == (2, 5)  # from the task's min_len / max_len
    with open(tmp_path / "compare.csv", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["run", "length_low", "length_high", "count", "exact_match", "parameters",
                             "alignment accuracy (%)", "alignment accuracy ±1 (%)", "AER (%)", "entropy (nats)",
                             "diagonal band (%)", "monotonicity (%)"]
    by_run = {name: [r for r in rows if r["run"] == name] for name in ("none", "bahdanau")}
    # test (lengths 2-5) + long (6-8): 32 sentences per run, the same buckets for both runs
    assert [sum(int(r["count"]) for r in run_rows) for run_rows in by_run.values()] == [32, 32]
    assert [r["length_low"] for r in by_run["none"]] == [r["length_low"] for r in by_run["bahdanau"]]
    assert all(r["alignment accuracy (%)"] == "" for r in by_run["none"])  # no attention: empty
    assert all(0 <= float(r["alignment accuracy (%)"]) <= 100 for r in by_run["bahdanau"])
    assert all(float(r["entropy (nats)"]) >= 0 for r in by_run["bahdanau"])
    markdown = (tmp_path / "compare.md").read_text(encoding="utf-8")
    assert "| source length | count | none (exact match) | bahdanau (exact match) |" in markdown
    assert "Training source lengths: 2-5 tokens." in markdown
    none_row = next(line for line in markdown.splitlines() if line.startswith("| none |"))
    assert none_row.count("n/a") == 6


def test_compare_cli_with_train_trains_then_compares(tmp_path, capsys):
    config = tmp_path / "tiny-dot.yaml"
    save_config(tiny_config("luong"), config)
    code = main(["compare", "--train", str(config), "--run-root", str(tmp_path / "runs"), "--split", "test",
                 "--metric", "chrf", "--out", str(tmp_path / "out")])
    assert code == 0
    assert (tmp_path / "runs" / "tiny-dot" / "checkpoints" / "best.pt").is_file()
    assert (tmp_path / "out" / "compare-chrf.png").is_file()
    assert "tiny-dot (chrF)" in capsys.readouterr().out


def test_compare_names_an_unknown_metric(runs, tmp_path):
    with pytest.raises(ValueError, match="choose one of"):
        compare_runs(list(runs), tmp_path, metric="meteor")


def test_train_runs_refuses_to_overwrite_a_run(runs, tmp_path):
    config = tmp_path / "bahdanau.yaml"
    save_config(tiny_config("bahdanau"), config)
    with pytest.raises(ValueError, match="already holds a run"):
        train_runs([config], runs[1].parent)


def test_evaluate_prints_the_alignment_section(runs):
    report = evaluate_run(runs[1], split="test")
    section = report[report.index("## attention"):]
    assert "alignment accuracy (%):" in section and "AER (%):" in section
    assert "monotonicity (%):" in section and "n/a" not in section.split("\n  (")[0]
    assert "n/a: this model has no attention" in evaluate_run(runs[0], split="test")
