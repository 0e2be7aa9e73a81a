"""The report of a classifying run: a confusion matrix with each label's F1, and a viewer whose
rows are named by the inputs (premise, hypothesis)."""

from __future__ import annotations

import json
import re

from attnkit.config import config_from_dict
from attnkit.report.writer import build_page
from attnkit.run import open_run, train


def test_an_entailment_report_has_a_confusion_matrix_and_named_viewer_rows(tmp_path):
    spec = {"model": {"type": "entailment", "variant": "word_by_word", "embedding_dim": 8, "hidden_dim": 8},
            "data": {"task": "lexical-nli", "max_tokens": 300,
                     "task_options": {"train_size": 80, "dev_size": 20, "test_size": 5, "long_size": 5}},
            "train": {"max_steps": 4, "eval_every": 4, "metric": "accuracy", "progress": False, "threads": 1}}
    train(config_from_dict(spec), tmp_path / "run")
    page = build_page(open_run(tmp_path / "run"), examples=3)
    table = re.search(r'<table class="stats" id="confusion">(.*?)</table>', page).group(1)
    cells = [int(c) for c in re.findall(r"<td class=\"(?:hit)?\">(\d+)</td>", table)]
    assert len(cells) >= 4 and sum(cells) == 20  # every dev pair counted once
    data = json.loads(re.search(r'id="alignment-data">(.*?)</script>', page, re.S).group(1))
    assert len(data) == 3 and data[0]["axes"] == ["premise", "hypothesis"]
    assert len(data[0]["weights"]) == len(data[0]["output"]) and len(data[0]["weights"][0]) == len(data[0]["source"])
