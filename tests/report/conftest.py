"""Two tiny trained runs (with and without attention), trained once for the whole folder."""

import pytest
from report_tiny import tiny_config

from attnkit.run import train


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-runs")
    for style in ("none", "bahdanau"):
        train(tiny_config(style), root / style)
    return {"none": root / "none", "attention": root / "bahdanau"}
