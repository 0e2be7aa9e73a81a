"""Training through attnkit.run.train on a tiny task: exact resume, Ctrl-C, divergence,
atomic checkpoints that load without running code, and refusing to clobber a run."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch
from text_pipeline import tiny_copy_config

from attnkit.models import RNNSeq2Seq
from attnkit.run import RunError, open_run, train
from attnkit.train import Trainer, TrainingDiverged, load_checkpoint, save_atomic


def tiny_config(**train_options):
    return tiny_copy_config(**train_options)


@pytest.fixture(autouse=True)
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def parameters(run_dir: Path, which: str = "last") -> dict[str, torch.Tensor]:
    return load_checkpoint(run_dir / "checkpoints" / f"{which}.pt")["model"]


def assert_identical(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"parameters differ: {different}"


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    """20 steps in one go (shared by the resume tests)."""
    directory = tmp_path_factory.mktemp("straight") / "run"
    threads = torch.get_num_threads()
    run, result = train(tiny_config(), directory)
    torch.set_num_threads(threads)
    assert result.progress.step == 20
    return directory


def test_twenty_steps_straight_equal_ten_plus_resumed_ten(straight, tmp_path):
    split = tmp_path / "split"
    _, first = train(tiny_config(max_steps=10), split)
    assert first.progress.step == 10
    assert load_checkpoint(split / "checkpoints" / "last.pt")["progress"]["step"] == 10
    _, second = train(tiny_config(), split, resume=True)
    assert second.progress.step == 20
    assert_identical(parameters(straight), parameters(split))
    # the optimizer's moments continued too
    a = load_checkpoint(straight / "checkpoints" / "last.pt")["optimizer"]["state"]
    b = load_checkpoint(split / "checkpoints" / "last.pt")["optimizer"]["state"]
    assert all(torch.equal(a[k]["exp_avg_sq"], b[k]["exp_avg_sq"]) for k in a)
    # evaluations happened on both sides of the break and were logged once each
    steps = [json.loads(line)["step"] for line in (split / "metrics.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 15, 20]


def test_resume_differs_without_the_saved_rng_state(straight, tmp_path, monkeypatch):
    """The test above can fail: dropout makes the RNG matter. Resuming with a fresh RNG
    instead of the saved one gives different parameters."""
    split = tmp_path / "split"
    train(tiny_config(max_steps=10), split)
    monkeypatch.setattr(torch, "set_rng_state", lambda state: None)
    train(tiny_config(), split, resume=True)
    a, b = parameters(straight), parameters(split)
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_ctrl_c_saves_last_and_reraises_then_resume_continues_exactly(straight, tmp_path, monkeypatch):
    """Ctrl-C (SIGINT) during step 13 ends the run after that step: last.pt is saved at step 13,
    a whole state, and resuming from it gives the uninterrupted run's parameters bit for bit."""
    directory = tmp_path / "interrupted"
    original, calls = Trainer._update, []

    def interrupted(self, batch):
        calls.append(1)
        if len(calls) == 13:  # Ctrl-C arrives during step 13, after the evaluation at step 10
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, batch)

    monkeypatch.setattr(Trainer, "_update", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(), directory)
    state = load_checkpoint(directory / "checkpoints" / "last.pt")
    assert state["progress"]["step"] == 13  # saved at the interruption, not at the last evaluation
    monkeypatch.setattr(Trainer, "_update", original)
    _, result = train(tiny_config(), directory, resume=True)
    assert result.progress.step == 20
    assert_identical(parameters(straight), parameters(directory))


def test_a_second_interrupt_mid_step_keeps_the_last_whole_checkpoint(tmp_path, monkeypatch):
    """A KeyboardInterrupt inside a step (the second Ctrl-C) may leave the model half updated:
    last.pt is not overwritten then; it stays the evaluation's at step 10."""
    directory = tmp_path / "hard"
    original, calls = Trainer._update, []

    def hard_stop(self, batch):
        calls.append(1)
        if len(calls) == 13:
            raise KeyboardInterrupt
        return original(self, batch)

    monkeypatch.setattr(Trainer, "_update", hard_stop)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(), directory)
    assert load_checkpoint(directory / "checkpoints" / "last.pt")["progress"]["step"] == 10


def test_nan_loss_stops_with_the_last_good_checkpoint_named(tmp_path, monkeypatch):
    directory = tmp_path / "diverged"
    original, calls = RNNSeq2Seq.forward, []

    def poisoned(self, batch, need_weights=True):
        out = original(self, batch, need_weights)
        if self.training:
            calls.append(1)
            if len(calls) > 7:
                out.logits = out.logits * float("nan")
        return out

    monkeypatch.setattr(RNNSeq2Seq, "forward", poisoned)
    with pytest.raises(TrainingDiverged) as error:
        train(tiny_config(), directory)
    last = directory / "checkpoints" / "last.pt"
    message = str(error.value)
    assert str(last) in message and "step 8" in message and "train.lr" in message
    state = load_checkpoint(last)
    assert state["progress"]["step"] == 5  # the evaluation before the NaN
    assert all(torch.isfinite(t).all() for t in state["model"].values())
    run = open_run(directory, checkpoint="last")
    assert run.translate(["a b"])[0][0].text is not None


def test_nan_before_any_checkpoint_says_so(tmp_path, monkeypatch):
    original = RNNSeq2Seq.forward

    def poisoned(self, batch, need_weights=True):
        out = original(self, batch, need_weights)
        out.logits = out.logits * float("nan")
        return out

    monkeypatch.setattr(RNNSeq2Seq, "forward", poisoned)
    with pytest.raises(TrainingDiverged, match=r"step 1; the last good checkpoint is \(none yet\)"):
        train(tiny_config(), tmp_path / "run")


def test_a_run_is_never_overwritten_and_resume_needs_a_run(straight, tmp_path):
    with pytest.raises(RunError, match="already holds a run"):
        train(tiny_config(), straight)
    with pytest.raises(RunError, match=r"--resume: .* holds no run to continue \(no .*last.pt\)"):
        train(tiny_config(), tmp_path / "nothing", resume=True)


# ---- checkpoints -------------------------------------------------------------------------------


def test_save_atomic_failure_leaves_the_previous_file_and_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ckpt" / "last.pt"
    save_atomic({"weights": torch.arange(4.0)}, path)
    before = path.read_bytes()
    real_save = torch.save

    def failing_save(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a checkpoint")  # some bytes reach the temp file ...
        raise OSError("disk full")  # ... then the write fails

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        save_atomic({"weights": torch.zeros(4)}, path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["last.pt"]
    # Ctrl-C during the write (a BaseException) cleans up the same way
    monkeypatch.setattr(torch, "save", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        save_atomic({"weights": torch.zeros(4)}, path)
    assert os.listdir(path.parent) == ["last.pt"]
    monkeypatch.setattr(torch, "save", real_save)
    torch.testing.assert_close(load_checkpoint(path)["weights"], torch.arange(4.0))


class Payload:
    """Not a tensor or a plain container: unpickling it would need (and could run) code."""

    def __reduce__(self):
        return (print, ("this ran while loading a checkpoint",))


def test_checkpoints_load_weights_only(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"model": {"w": torch.ones(2)}, "payload": Payload()}, path)
    with pytest.raises(ValueError, match=r"evil\.pt: not a readable attnkit checkpoint"):
        load_checkpoint(path)
    assert "this ran" not in capsys.readouterr().out
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="garbage.pt"):
        load_checkpoint(garbage)
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")


def test_dev_batches_keep_the_sentence_cap_of_training_batches(tmp_path, monkeypatch):
    """data.max_sentences caps the dev (evaluation) batches too, not only the training ones: with a
    large token budget, an uncapped dev set would be one batch of every dev example."""
    import dataclasses

    trainers = []
    original = Trainer.__init__

    def keep(self, *args, **kwargs):
        original(self, *args, **kwargs)
        trainers.append(self)

    monkeypatch.setattr(Trainer, "__init__", keep)
    config = tiny_config(max_steps=2, eval_every=2)
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, max_tokens=100_000, max_sentences=3))
    train(config, tmp_path / "run")
    sizes = [len(batch.indices) for batch in trainers[0].dev_batches]
    assert sum(sizes) == 8 and max(sizes) == 3
