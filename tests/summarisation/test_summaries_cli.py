"""Users' own text<TAB>summary files through the whole pipeline and the command line: train a tiny
pointer-generator with coverage on tests/fixtures/summaries (data.format summaries), evaluate it
with the decoding options given as flags, and plot a summary with p_gen beside the heatmap."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from attnkit.cli import main
from attnkit.run import open_run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "summaries"


def test_users_summaries_train_evaluate_and_plot(tmp_path, capsys) -> None:
    config = {"model": {"type": "pointer_generator", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0,
                        "coverage_loss": True, "attention": {"name": "coverage"}},
              "data": {"task": None, "format": "summaries", "header": True, "vocab_size": 30,
                       **{split: str(FIXTURES / f"{split}.tsv") for split in ("train", "dev", "test")}},
              "train": {"max_steps": 6, "eval_every": 3, "metric": "rouge_l", "progress": False, "threads": 1,
                        "patience": None}}
    path = tmp_path / "summaries.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    run_dir = tmp_path / "run"
    assert main(["train", str(path), "--run-dir", str(run_dir)]) == 0
    run = open_run(run_dir)
    assert run.fields["source"].keep_oov and len(run.fields["source"].vocab) == 30
    assert json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[-1])["dev_rouge_l"] >= 0
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--split", "test", "--beam", "2", "--no-repeat-ngram", "2",
                 "--min-length", "2"]) == 0
    report = capsys.readouterr().out
    assert "ROUGE-L" in report and "repeated trigrams" in report
    out = tmp_path / "plot.png"
    assert main(["plot", str(run_dir), "grumf is a viewer for maps .", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert main(["evaluate", str(run_dir), "--no-repeat-ngram", "-1"]) == 2  # a clear one-line error
