"""The length experiment's table and plot, from scores given by hand."""

from __future__ import annotations

import pytest

from attnkit.speech_lengths import SETS, markdown, plot


def rows() -> list[dict]:
    def run(variant: str, base: float, growth: float) -> dict:
        row = {"variant": variant, "run": variant}
        for names in SETS.values():
            for k, name in zip((1, 2, 5, 10), names, strict=True):
                row[name] = {"cer": base * growth ** (k - 1), "wer": 2 * base, "examples": 3}
        return row

    return [run("additive", 2.0, 2.0), run("additive", 4.0, 2.0), run("location_aware", 1.0, 1.0)]


def test_the_table_averages_runs_and_gives_the_10x_ratio() -> None:
    table = markdown(rows()).splitlines()
    assert len(table) == 2 + 2 * 2  # header, rule, two variants x two test sets
    additive = next(line for line in table if line.startswith("| additive | synthesised"))
    cells = [c.strip() for c in additive.strip("|").split("|")]
    assert cells[2] == "2" and cells[3] == "3.0 ± 1.4"  # mean and sample sd of 2 and 4
    assert float(cells[-1]) == pytest.approx(2.0 ** 9, rel=1e-3)  # CER 10x / 1x
    location = next(line for line in table if line.startswith("| location_aware | concatenated"))
    assert location.rstrip(" |").endswith("1.0")


def test_the_plot_is_written(tmp_path) -> None:
    path = plot(rows(), tmp_path / "cer.png")
    assert path.stat().st_size > 10000
