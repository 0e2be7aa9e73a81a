"""Runs never lose or mix work (issue 17, cases 5-10): exact resume after SIGTERM, refusing to
train over a run, one training per directory, stale temporaries and duplicate log lines after a
kill, the config recording what a resumed run uses, data paths that work from any directory."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch
import yaml

from attnkit.cli import main
from attnkit.config import config_from_dict, load_config
from attnkit.run import RunError, train
from attnkit.run_lock import RunLock
from attnkit.train import load_checkpoint

TINY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.2},
    "data": {"task": "copy", "max_tokens": 60,
             "task_options": {"vocab_size": 5, "min_len": 1, "max_len": 4, "train_size": 60, "dev_size": 6,
                              "test_size": 6, "long_size": 2}},
    "train": {"max_steps": 12, "eval_every": 6, "eval_sentences": 6, "progress": False, "threads": 1,
              "patience": None},
}


def config(**train):
    return config_from_dict({**TINY, "train": {**TINY["train"], **train}})


def weights(run_dir):
    return load_checkpoint(run_dir / "checkpoints" / "last.pt")["model"]


def test_sigterm_mid_step_saves_at_the_step_boundary_and_resume_is_exact(tmp_path, monkeypatch):
    _, straight = train(config(), tmp_path / "straight")
    from attnkit.train import loop

    calls = {"n": 0}
    original = loop.Trainer._update

    def update_then_signal(self, batch):  # SIGTERM arrives in the middle of step 5's update
        calls["n"] += 1
        if calls["n"] == 5:
            os.kill(os.getpid(), signal.SIGTERM)
        return original(self, batch)

    monkeypatch.setattr(loop.Trainer, "_update", update_then_signal)
    with pytest.raises(KeyboardInterrupt):
        train(config(), tmp_path / "stopped")
    assert load_checkpoint(tmp_path / "stopped" / "checkpoints" / "last.pt")["progress"]["step"] == 5
    monkeypatch.setattr(loop.Trainer, "_update", original)
    _, resumed = train(config(), tmp_path / "stopped", resume=True)
    assert resumed.progress.step == straight.progress.step == 12
    expected, found = weights(tmp_path / "straight"), weights(tmp_path / "stopped")
    assert all(torch.equal(expected[k], found[k]) for k in expected)  # bit for bit
    steps = [json.loads(line)["step"] for line in (tmp_path / "stopped" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [6, 12]


def test_a_directory_with_a_run_is_refused_unless_overwrite(tmp_path):
    run_dir = tmp_path / "run"
    train(config(max_steps=6), run_dir)
    (run_dir / "checkpoints" / "last.pt").unlink()
    with pytest.raises(RunError, match="cannot be continued; start it again with --overwrite"):
        train(config(), run_dir, resume=True)
    best_before = (run_dir / "checkpoints" / "best.pt").read_bytes()
    with pytest.raises(RunError, match="already holds a run .*replace it with --overwrite"):
        train(config(max_steps=3), run_dir)
    assert (run_dir / "checkpoints" / "best.pt").read_bytes() == best_before  # nothing touched
    _, result = train(config(max_steps=3), run_dir, overwrite=True)
    assert result.progress.step == 3
    steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == [3]  # the old run's records are gone, not appended to


def test_a_locked_run_directory_is_refused(tmp_path, capsys):
    run_dir = tmp_path / "run"
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    with RunLock(run_dir):
        assert main(["train", str(path), "--run-dir", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "is being trained by attnkit train (pid" in err and "Traceback" not in err
    assert not (run_dir / "checkpoints").exists()


def test_resume_cleans_stale_temporaries_and_never_logs_a_step_twice(tmp_path):
    run_dir = tmp_path / "run"
    train(config(max_steps=6), run_dir)
    stale = run_dir / "checkpoints" / ".last.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    with open(run_dir / "metrics.jsonl", "a") as log:  # logged, then killed before last.pt was written
        log.write(json.dumps({"step": 9, "dev_loss": 1.0}) + "\n")
    train(config(max_steps=12), run_dir, resume=True)
    assert not stale.exists()
    steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == [6, 12]


def test_the_config_records_what_a_resumed_run_uses(tmp_path):
    run_dir = tmp_path / "run"
    train(config(max_steps=6), run_dir)
    train(config(max_steps=9), run_dir, resume=True)
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["train"]["max_steps"] == 9


def test_resuming_with_another_model_is_refused_naming_the_key(tmp_path):
    run_dir = tmp_path / "run"
    train(config(max_steps=6), run_dir)
    other = config_from_dict({**TINY, "model": {**TINY["model"], "hidden_dim": 32}})
    with pytest.raises(RunError, match=r"model.hidden_dim is 16 in .* but 32 now"):
        train(other, run_dir, resume=True)


def test_relative_data_paths_follow_the_config_file_and_work_from_anywhere(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "train.tsv").write_text("".join(f"{a} {b}\t{b} {a}\n" for a in "abc" for b in "abc"))
    (folder / "test.tsv").write_text("a b\tb a\n")
    (folder / "run.yaml").write_text(yaml.safe_dump({
        "model": TINY["model"], "data": {"task": None, "train": "train.tsv", "test": "test.tsv", "max_tokens": 60},
        "train": {**TINY["train"], "max_steps": 3}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(folder / "run.yaml").data.train == str(folder / "train.tsv")
    assert main(["train", str(folder / "run.yaml"), "--run-dir", str(tmp_path / "run")]) == 0
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", str(tmp_path / "run"), "--split", "test"]) == 0
    assert "(1 examples, beam 1)" in capsys.readouterr().out
