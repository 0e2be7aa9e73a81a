"""Slow (CI runs it): the pointer demo's sorting configuration learns to sort numbers.

One training run bounded by updates (not minutes): the demo's pointer network on sort_points
(3..8 numbers) for at most MAX_STEPS updates, stopping at 99% dev exact match; the test split
(3..8 numbers) must then be sorted exactly in at least 90% of the examples, and the long split
(12 numbers, longer than any trained on) in at least a third. It passed in 48 s on 2026-12-01
(2 shared cores, load average 8); docs/EXPERIMENTS.md, "Pointer networks (issue 16)"."""

from __future__ import annotations

import pytest
import torch

from attnkit.config import DecodeConfig, config_from_dict
from attnkit.demo_pointer import SORT_CONFIG
from attnkit.run import load_splits, open_run, train

MAX_STEPS = 600


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_pointer_network_learns_to_sort(tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    options = {**SORT_CONFIG["data"]["task_options"], "train_size": 8000}
    train_options = {**SORT_CONFIG["train"], "max_minutes": None, "max_steps": MAX_STEPS, "progress": False}
    config = config_from_dict({**SORT_CONFIG, "data": {**SORT_CONFIG["data"], "task_options": options},
                               "train": train_options}, "pointer sort")
    try:
        _, result = train(config, tmp_path / "run")
        run = open_run(tmp_path / "run")
        splits = load_splits(config)
        test = run.score(splits["test"], DecodeConfig(batch_size=500)).scores["exact_match"].value
        long = run.score(splits["long"], DecodeConfig(batch_size=500)).scores["exact_match"].value
    finally:
        torch.set_num_threads(threads)
    message = f"test {test:.1f}, long {long:.1f} after {result.progress.step} steps ({result.stopped_because})"
    assert test >= 90.0, message
    assert long >= 33.0, message
