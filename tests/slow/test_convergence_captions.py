"""Slow (CI runs it): a small version of the soft-attention captioning target, bounded by
updates: the shipped soft config (batch norm, batches mixing caption lengths) on canvases of one
to three digits learns in MAX_STEPS updates to caption them and to point at each digit (the full
target, 95% on three digits in 10 minutes, is measured in docs/EXPERIMENTS.md §5). It took 77 s on
the shared 2-core machine under load (load average ~7), above the ~60 s a slow check should take
unloaded; fewer updates would need lower bars."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

pytest.importorskip("sklearn")

from attnkit.captioning import caption_rows  # noqa: E402
from attnkit.config import config_from_dict  # noqa: E402
from attnkit.run import load_splits, open_run, train  # noqa: E402

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "digits-captions-soft.yaml"
TASK = {"train_size": 3000, "dev_size": 100, "test_size": 200, "long_size": 10}
MAX_STEPS = 400


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_soft_attention_captions_up_to_three_digits_and_points_at_them(tmp_path):
    threads = torch.get_num_threads()
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["data"]["task_options"] = TASK
    data["train"].update(max_steps=MAX_STEPS, max_minutes=None, eval_every=MAX_STEPS, eval_sentences=100,
                         target_score=None, progress=False)
    config = config_from_dict(data, "captions")
    try:
        train(config, tmp_path / "run")
        run = open_run(tmp_path / "run")
        rows = caption_rows(run, load_splits(config)["test"])
    finally:
        torch.set_num_threads(threads)
    overall, three = rows[0], rows[-1]
    assert overall["examples"] == 200 and three["digits"] == 3
    # measured (seed 0, one thread, 2026-12-02): test exact match 81.5% overall, 65.2% on three
    # digits, pointing 92.4% on three digits (dev exact match 75% after the 400 updates)
    assert overall["exact_match"] >= 70.0, rows
    assert three["exact_match"] >= 50.0, rows
    assert three["pointing"] >= 85.0, rows
