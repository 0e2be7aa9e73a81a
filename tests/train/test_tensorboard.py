"""train.tensorboard: losses, learning rate, dev metrics and dev attention images, read back
with TensorBoard's own event reader."""

from __future__ import annotations

import pytest

from attnkit.config import config_from_dict
from attnkit.run import train

accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

TINY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0},
    "data": {"task": "copy", "max_tokens": 60,
             "task_options": {"vocab_size": 5, "min_len": 1, "max_len": 4, "train_size": 40, "dev_size": 4,
                              "test_size": 2, "long_size": 2}},
    "train": {"max_steps": 20, "eval_every": 10, "eval_sentences": 4, "progress": False, "threads": 1,
              "tensorboard": True},
}


def test_tensorboard_logs_scalars_and_attention_images(tmp_path):
    train(config_from_dict(TINY), tmp_path / "run")
    events = accumulator.EventAccumulator(str(tmp_path / "run" / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    tags = events.Tags()
    assert {"train/loss", "train/lr", "dev/loss", "dev/exact_match", "dev/bleu"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("train/loss")] == [10, 20]
    assert [e.step for e in events.Scalars("dev/loss")] == [10, 20]
    assert "attention/dev-0" in tags["images"]
    image = events.Images("attention/dev-0")[-1]
    assert image.step == 20 and image.width > 50 and image.height > 50
