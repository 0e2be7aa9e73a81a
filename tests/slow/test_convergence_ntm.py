"""Slow (CI runs it): a small NTM learns to copy short bit sequences to under one bit error per
sequence, and keeps copying sequences longer than any it trained on.

Bounded by updates, not minutes: at most MAX_STEPS updates of 16 sequences (it stops as soon as
the dev bit errors fall to TARGET; about 250 updates, under a minute on 2 cores)."""

from __future__ import annotations

import pytest
import torch

from attnkit.config import DecodeConfig, config_from_dict
from attnkit.run import load_splits, open_run, train

MAX_STEPS = 600
TARGET = 0.2
CONFIG = {
    "model": {"type": "ntm", "controller_dim": 48, "memory_slots": 24, "memory_width": 8},
    "data": {"task": "bit-copy", "task_options": {"width": 4, "min_len": 1, "max_len": 6, "train_size": 10000,
                                                  "dev_size": 100, "test_size": 100, "test_lengths": "12"},
             "max_sentences": 16, "bucket_by": "source"},
    "train": {"lr": 0.005, "clip_norm": 10.0, "max_steps": MAX_STEPS, "eval_every": 50, "eval_sentences": 100,
              "metric": "bit_errors", "target_score": TARGET, "patience": None, "progress": False, "seed": 0},
}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_small_ntm_learns_to_copy_and_copies_longer_sequences(tmp_path):
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        config = config_from_dict(CONFIG, "slow ntm")
        _, result = train(config, tmp_path / "run")
        run = open_run(tmp_path / "run")
        splits = load_splits(config)
        decode = DecodeConfig(batch_size=100)
        trained = run.score(splits["test"], decode).scores["bit_errors"].value
        longer = run.score(splits["len12"], decode).scores["bit_errors"].value
    finally:
        torch.set_num_threads(threads)
    assert result.progress.step <= MAX_STEPS
    assert trained < 1.0, f"{trained:.2f} bit errors per sequence at lengths 1..6 after {result.progress.step} updates"
    assert longer < 4.0, f"{longer:.2f} bit errors per sequence (of 48 bits) at length 12, twice the longest trained"
