"""Keeping the last N step checkpoints (train.keep_checkpoints) and `attnkit average` over them:
only the newest N stay, the average is the exact mean, and every command loads it by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from text_pipeline import tiny_copy_config

from attnkit.cli import main
from attnkit.config import ConfigError
from attnkit.run import train
from attnkit.train import load_checkpoint, save_atomic
from attnkit.train.average import average_checkpoints, newest_step_checkpoints


def tiny_config(**train_options):
    """The copy task of test_trainer.py without dropout: 20 steps in about a second."""
    return tiny_copy_config(dropout=0.0, **train_options)


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> Path:
    """20 steps, an evaluation every 5, the last 2 step checkpoints kept."""
    directory = tmp_path_factory.mktemp("kept") / "run"
    threads = torch.get_num_threads()
    train(tiny_config(keep_checkpoints=2), directory)
    torch.set_num_threads(threads)
    return directory


def test_only_the_newest_step_checkpoints_remain(kept):
    names = sorted(p.name for p in (kept / "checkpoints").glob("step-*.pt"))
    assert names == ["step-15.pt", "step-20.pt"]
    state = load_checkpoint(kept / "checkpoints" / "step-20.pt")
    assert set(state) == {"model", "step"} and state["step"] == 20
    last = load_checkpoint(kept / "checkpoints" / "last.pt")["model"]
    assert all(torch.equal(last[k], state["model"][k]) for k in last)


def test_no_step_checkpoints_by_default(tmp_path):
    directory = tmp_path / "run"
    train(tiny_config(max_steps=5), directory)
    assert not list((directory / "checkpoints").glob("step-*.pt"))


def test_keep_checkpoints_must_be_at_least_one():
    with pytest.raises(ConfigError, match="train.keep_checkpoints"):
        tiny_config(keep_checkpoints=0)


def checkpoint(path: Path, step: int, **model: torch.Tensor) -> Path:
    save_atomic({"model": model, "step": step}, path)
    return path


def test_the_average_is_the_exact_mean(tmp_path):
    paths = [checkpoint(tmp_path / "a.pt", 10, w=torch.ones(2, 3), b=torch.tensor([0.5], dtype=torch.float16),
                        count=torch.tensor(7)),
             checkpoint(tmp_path / "b.pt", 20, w=torch.full((2, 3), 3.0), b=torch.tensor([1.5], dtype=torch.float16),
                        count=torch.tensor(9))]
    averaged = average_checkpoints(paths)
    assert averaged["step"] == 20 and averaged["averaged"] == [10, 20]
    assert torch.equal(averaged["model"]["w"], torch.full((2, 3), 2.0))
    assert averaged["model"]["b"].dtype == torch.float16 and averaged["model"]["b"].item() == 1.0
    assert averaged["model"]["count"].item() == 9  # integer buffers: the newest


def test_checkpoints_of_different_shapes_are_refused(tmp_path):
    paths = [checkpoint(tmp_path / "a.pt", 1, w=torch.ones(2)), checkpoint(tmp_path / "b.pt", 2, w=torch.ones(3))]
    with pytest.raises(ValueError, match="shape"):
        average_checkpoints(paths)


def test_the_newest_are_found_by_step_not_by_name(tmp_path):
    (tmp_path / "config.yaml").write_text("{}\n")
    for step in (5, 100, 20):
        checkpoint(tmp_path / "checkpoints" / f"step-{step}.pt", step, w=torch.ones(1))
    assert [p.name for p in newest_step_checkpoints(tmp_path, 2)] == ["step-20.pt", "step-100.pt"]


def test_average_on_a_run_is_usable_by_translate(kept, tmp_path, capsys):
    assert main(["average", str(kept), "--last", "2"]) == 0
    out = capsys.readouterr().out
    path = kept / "checkpoints" / "average.pt"
    assert str(path) in out and "15, 20" in out
    a, b = (load_checkpoint(kept / "checkpoints" / f"step-{s}.pt")["model"] for s in (15, 20))
    averaged = load_checkpoint(path)["model"]
    assert all(torch.allclose(averaged[k], (a[k] + b[k]) / 2) for k in averaged)
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("1 2 3\n4 5\n", encoding="utf-8")
    assert main(["translate", str(kept), "--checkpoint", "average", "--input", str(source),
                 "--output", str(target)]) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2
    assert main(["translate", str(kept), "--checkpoint", "step-15", "--input", str(source),
                 "--output", str(target)]) == 0


@pytest.mark.parametrize("argv, message", [
    ("average TMP/nowhere --last 2", "run directory not found"),
    ("average TMP --last 2", "not an attnkit run directory"),
    ("average RUN --last 3", "has 2 step checkpoint(s) (checkpoints/step-<step>.pt), fewer than --last 3; "
                             "train with --set train.keep_checkpoints=3"),
    ("average RUN --last 2 --out ../x", "plain checkpoint name"),
    ("translate RUN --checkpoint step-5", "has no step-5 checkpoint"),
])
def test_mistakes_end_with_one_line(kept, tmp_path, capsys, argv, message):
    argv = argv.replace("RUN", str(kept)).replace("TMP", str(tmp_path)).split()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
