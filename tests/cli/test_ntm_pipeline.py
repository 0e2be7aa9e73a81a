"""An NTM run through the one pipeline: train (dev evaluation by the bits predictor and the
bit_errors metric), evaluate a length split, predict and draw the weightings, the demo's
registry line, and the shipped configs."""

from __future__ import annotations

from pathlib import Path

import yaml

from attnkit.config import DecodeConfig, config_from_dict, load_config
from attnkit.demo import DEMOS
from attnkit.evaluation import evaluate_run
from attnkit.microscope import plot_inputs
from attnkit.run import open_run, train

TINY = {
    "model": {"type": "ntm", "controller_dim": 8, "memory_slots": 8, "memory_width": 4},
    "data": {"task": "bit-copy", "task_options": {"width": 4, "max_len": 3, "train_size": 32, "dev_size": 8,
                                                  "test_size": 4, "long_size": 4, "length_size": 4,
                                                  "test_lengths": "5"},
             "max_sentences": 8},
    "train": {"max_steps": 4, "eval_every": 2, "metric": "bit_errors", "progress": False, "patience": None},
}


def test_an_ntm_trains_evaluates_and_draws_through_the_pipeline(tmp_path: Path) -> None:
    run_dir = tmp_path / "ntm"
    _, result = train(config_from_dict(TINY), run_dir)
    records = [yaml.safe_load(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all(0 <= r["dev_bit_errors"] <= 3 * 4 for r in records)
    report = evaluate_run(run_dir, split="len5")
    assert "bit_errors" in report and "len5 (4 examples)" in report
    run = open_run(run_dir)
    predictions, paths = plot_inputs(run, ["0110 1001 | - -"], DecodeConfig(), tmp_path / "ntm.png")
    assert len(predictions[0].text.split()) == 2 and all(len(step) == 4 for step in predictions[0].text.split())
    assert set(predictions[0].weightings) == {"write", "read"}
    assert paths[0].stat().st_size > 1000


def test_the_ntm_demo_is_registered_and_the_shipped_configs_load() -> None:
    assert "ntm" in DEMOS
    root = Path(__file__).resolve().parents[2] / "configs"
    ntm, lstm = load_config(root / "ntm-copy.yaml"), load_config(root / "lstm-copy.yaml")
    assert ntm.model.type == "ntm" and lstm.model.type == "bits_lstm"
    # batches, never one sequence at a time: batch size 1 is what makes public NTMs converge slowly
    assert ntm.data.max_sentences >= 16 and lstm.data.max_sentences == ntm.data.max_sentences
