"""Seeing a run (issue 18): the start-up summary, train.log, what the dev numbers are, and the
hypotheses `evaluate` writes."""

from __future__ import annotations

import yaml

from attnkit.cli import main

TINY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0},
    "data": {"task": "copy", "max_tokens": 120,
             "task_options": {"vocab_size": 5, "min_len": 1, "max_len": 4, "train_size": 80, "dev_size": 7,
                              "test_size": 9, "long_size": 2}},
    "train": {"max_steps": 100, "eval_every": 50, "eval_sentences": 6, "progress": False, "threads": 1},
}


def test_summary_log_labels_and_hypotheses(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY))
    run_dir = tmp_path / "run"
    assert main(["train", str(config), "--run-dir", str(run_dir)]) == 0
    out = capsys.readouterr().out
    for expected in ("data: copy: 80 training examples; dev evaluation: greedy search, 6 examples",
                     "field source: text (word tokens, 9 types)",
                     "field target: text (word tokens, 9 types, generated)",
                     "parameters", "device: cpu, 1 CPU threads, precision fp32"):
        assert expected in out, expected
    assert "step 50: train loss" in out and "dev (greedy search, 6 examples) loss" in out
    log = (run_dir / "train.log").read_text().splitlines()
    assert log[0] == f"attnkit 0.1.0 trains {run_dir}"
    assert any(line.startswith("step 50/100: loss") and "tok/s" in line for line in log)  # the progress bar's line
    assert sum(line.startswith("step 100: train loss") for line in log) == 1
    assert main(["evaluate", str(run_dir), "--split", "test"]) == 0
    report = capsys.readouterr().out
    hypotheses = run_dir / "evaluate" / "test.hyp"
    assert str(hypotheses) in report and len(hypotheses.read_text().splitlines()) == 9
