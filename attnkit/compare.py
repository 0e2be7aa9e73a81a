"""`attnkit compare`: several runs on the same data, quality against source length.

Each run decodes the same split of its own task (or the same --data files); the sentences are
bucketed by source length with one set of buckets for all runs, and the metric of each bucket is
drawn as one line per run with the training length range shaded (Bahdanau 2015, Fig. 2). Beside
the plot go a CSV (one row per run and bucket) and a Markdown table that adds each run's
parameter count, overall score and attention numbers (attnkit.evaluation.attention_report).

    COMPARE_DIR/compare-METRIC.png   the curves
    COMPARE_DIR/compare.csv          run, bucket, count, score and attention columns
    COMPARE_DIR/compare.md           per-bucket table and per-run summary
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .evaluation import AttentionReport, attention_cells, attention_report, decode_config, examples_for
from .metrics import LABELS, METRICS, BucketScore, by_length, compute, default_buckets, format_table
from .run import Run, RunError, load_splits, open_run, train
from .viz import plot_metric_by_length

MAX_BUCKETS = 12


@dataclass
class RunResult:
    """One run's side of a comparison: rows are its by_length() buckets (the shared buckets)."""

    name: str
    directory: Path
    parameters: int
    score: float
    rows: list[BucketScore]
    attention: AttentionReport
    train_range: tuple[int, int] | None


@dataclass
class Comparison:
    """What `attnkit compare` measured and the files it wrote."""

    metric: str
    split: str
    runs: list[RunResult]
    train_range: tuple[int, int] | None
    files: list[Path]


def training_range(run: Run) -> tuple[int, int] | None:
    """(shortest, longest) training input length (the length field's cost, e.g. source tokens):
    the task's min_len/max_len options when it has both and one input position per token or
    item (copy, reverse, sort, needle), else measured on the run's training data."""
    config = run.config
    field = run.fields[run.schema.length_field]
    if config.data.task:
        from .tasks import get_task

        options = get_task(config.data.task, **config.data.task_options).options
        one_per_item = getattr(field, "tokenizer_name", "word") == "word"
        if "min_len" in options and "max_len" in options and one_per_item:
            return int(options["min_len"]), int(options["max_len"])
    try:
        name = run.schema.length_field
        lengths = [field.cost(field.encode(e[name])) for e in load_splits(config)["train"]]
    except (OSError, ValueError):
        return None
    return (min(lengths), max(lengths)) if lengths else None


def _names(directories: Sequence[Path]) -> list[str]:
    """Short names for the runs: directory names, with the parent added where two clash."""
    names = [d.name for d in directories]
    return [f"{d.parent.name}/{d.name}" if names.count(d.name) > 1 else d.name for d in directories]


def _measure(directory: Path, name: str, split: str, data: str | None, metric: str, beam: int | None):
    """Decode and score one run: (result without buckets, lengths, hypotheses, references)."""
    run = open_run(directory)
    if metric not in run.schema.metrics:
        raise RunError(f"--metric {metric}: {directory} is scored by {', '.join(run.schema.metrics)}")
    examples = examples_for(run, split, data)
    scored = run.score(examples, decode_config(run, beam))
    hypotheses, references = scored.hypotheses, scored.references
    result = RunResult(name, directory, sum(p.numel() for p in run.model.parameters()),
                       compute(metric, hypotheses, references).value, [], attention_report(run, examples),
                       training_range(run))
    return result, scored.lengths, hypotheses, references


def _union(ranges: Sequence[tuple[int, int] | None]) -> tuple[int, int] | None:
    known = [r for r in ranges if r is not None]
    return (min(r[0] for r in known), max(r[1] for r in known)) if known else None


def compare_runs(run_dirs: Sequence[Path], out_dir: Path, *, split: str = "test", data: str | None = None,
                 metric: str | None = None, beam: int | None = None) -> Comparison:
    """Evaluate every run on the same data and write the PNG, CSV and Markdown table; ``metric``
    None: the first run's task's first metric (exact match for the text tasks, accuracy for needle)."""
    if run_dirs and metric is None:
        metric = open_run(Path(run_dirs[0]), checkpoint=None).schema.metrics[0]
    if metric not in METRICS:
        raise RunError(f"--metric {metric!r} is not known; choose one of {', '.join(METRICS)}")
    if not run_dirs:
        raise RunError("compare needs at least one run directory")
    directories = [Path(d) for d in run_dirs]
    measured = [_measure(d, n, split, data, metric, beam) for d, n in zip(directories, _names(directories),
                                                                        strict=True)]
    buckets = default_buckets([n for _, lengths, _, _ in measured for n in lengths], max_buckets=MAX_BUCKETS)
    for result, lengths, hypotheses, references in measured:
        result.rows = by_length(lengths, hypotheses, references, metric=metric, buckets=buckets)
    runs = [m[0] for m in measured]
    comparison = Comparison(metric, data or split, runs, _union([r.train_range for r in runs]), [])
    out_dir.mkdir(parents=True, exist_ok=True)
    comparison.files = [_plot(comparison, out_dir), _write_csv(comparison, out_dir / "compare.csv")]
    markdown = out_dir / "compare.md"
    markdown.write_text(to_markdown(comparison), encoding="utf-8")
    comparison.files.append(markdown)
    return comparison


def _plot(comparison: Comparison, out_dir: Path) -> Path:
    label = LABELS.get(comparison.metric, comparison.metric)
    return plot_metric_by_length({r.name: r.rows for r in comparison.runs if any(row.score for row in r.rows)},
                                 out_dir / f"compare-{comparison.metric}.png", metric_name=label,
                                 train_range=comparison.train_range, xlabel="source length (tokens)",
                                 title=f"{label} by source length ({comparison.split})")


def _write_csv(comparison: Comparison, path: Path) -> Path:
    """One row per run and length bucket; the run's attention columns repeat on each of its rows."""
    header = ["run", "length_low", "length_high", "count", comparison.metric, "parameters"]
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        cells = [attention_cells(r.attention) for r in comparison.runs]
        writer.writerow(header + list(cells[0]))
        for run, extra in zip(comparison.runs, cells, strict=True):
            for row in run.rows:
                value = "" if row.score is None else f"{row.score.value:.2f}"
                writer.writerow([run.name, row.low, row.high, row.count, value, run.parameters,
                                 *["" if v == "n/a" else v for v in extra.values()]])
    return path


def to_markdown(comparison: Comparison) -> str:
    """The per-bucket table (one column per run) and the per-run summary with attention numbers."""
    label = LABELS.get(comparison.metric, comparison.metric)
    shaded = comparison.train_range
    lines = [f"# compare: {label} by source length on {comparison.split}", ""]
    if shaded:
        lines += [f"Training source lengths: {shaded[0]}-{shaded[1]} tokens.", ""]
    lines += [format_table({r.name: r.rows for r in comparison.runs}), "## per run", ""]
    columns = list(attention_cells(comparison.runs[0].attention))
    lines += [f"| run | parameters | {label} (all) | " + " | ".join(columns) + " |",
              "|---|---:|---:|" + "---:|" * len(columns)]
    for run in comparison.runs:
        cells = attention_cells(run.attention).values()
        lines.append(f"| {run.name} | {run.parameters:,} | {run.score:.1f} | " + " | ".join(cells) + " |")
    lines += ["", "Attention numbers are teacher-forced on the references (attnkit.evaluation); n/a: the run "
              "has no attention, or the data has no true alignment."]
    return "\n".join(lines) + "\n"


def train_runs(configs: Sequence[Path], run_root: Path) -> list[Path]:
    """Train each config into run_root/CONFIG_STEM (through attnkit.run.train); the run dirs."""
    directories = []
    for path in configs:
        config = load_config(path)
        directory = run_root / Path(path).stem
        _, result = train(config, directory)
        print(f"{directory}: {result.progress.step} steps ({result.stopped_because})")
        directories.append(directory)
    return directories
