"""Data-parallel training: two processes on the CPU through torchrun (gloo), for a text -> text
family and for the non-text classifier family: the same trainer serves both."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from attnkit.run import open_run
from attnkit.train import load_checkpoint

COPY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.1},
    "data": {"task": "copy", "max_tokens": 60,
             "task_options": {"vocab_size": 6, "min_len": 2, "max_len": 5, "train_size": 48, "dev_size": 8,
                              "test_size": 8, "long_size": 4}},
    # 12 steps with evaluations every 4: the last step's evaluation is the loop's, and no rank may
    # add a final one on its own (a rank left waiting in a collective crashes or hangs the run)
    "train": {"max_steps": 12, "eval_every": 4, "eval_sentences": 8, "progress": False, "threads": 1,
              "patience": None},
}
NEEDLE = {
    "model": {"type": "attention_classifier", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.1},
    "data": {"task": "needle", "max_tokens": 120,
             "task_options": {"dim": 4, "min_len": 2, "max_len": 6, "train_size": 96, "dev_size": 8,
                              "test_size": 8, "long_size": 4}},
    "train": {**COPY["train"], "metric": "accuracy"},
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["copy", "needle"])
def test_two_process_ddp_run_on_the_cpu(tmp_path, name):
    config = tmp_path / "ddp.yaml"
    config.write_text(yaml.safe_dump({"copy": COPY, "needle": NEEDLE}[name]), encoding="utf-8")
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "attnkit", "train", str(config), "--run-dir", str(run_dir)],
        capture_output=True, text=True, timeout=280, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # one report, from the main process
    assert result.stdout.count("trained 12 steps (max_steps)") == 1, result.stdout
    last = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    assert last["progress"]["step"] == 12
    assert (run_dir / "checkpoints" / "best.pt").is_file()
    # evaluations are run and logged by the main process only, once each
    steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == [4, 8, 12]
    run = open_run(run_dir, checkpoint="last")
    if name == "copy":
        assert len(run.translate(["a b c"])[0]) == 1
    else:  # the classifier answers with one of the task's labels
        example = run.score([{"frames": [[0.0] * 4, [1.0] * 4], "label": "red"}])
        assert example.hypotheses[0] in run.output_field.classes
