"""Write one self-contained HTML page about a run: training curves, the metric by source length,
attention statistics and an interactive alignment viewer (over source tokens, or over an image's
grid of cells for a caption: hover a word, see its map on the picture).

Everything is inline: the figures are PNGs embedded as data: URIs, the viewer's script and style
sit in the page (template.html, package data), and the examples travel as JSON inside a
<script type="application/json"> block. A Content-Security-Policy meta tag forbids every other
source, so the page works offline and cannot phone home.
"""

from __future__ import annotations

import base64
import html
import json
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..decode.scoring import best_of
from ..evaluation import AttentionReport, attention_cells, attention_report, decode_config, examples_for
from ..metrics import LABELS, by_length, compute, per_class_f1
from ..run import Run, RunError, open_run
from ..viz import plot_metric_by_length, plot_training_curves

WEIGHT_DIGITS = 3


@dataclass
class Example:
    """One decoded example for the viewer: tokens, the output's weights (T + 1, S) as lists
    (the last row for </s> when the search ended with one), and whether the output equals the
    reference."""

    source: list[str]
    output: list[str]
    weights: list[list[float]]
    reference: str
    correct: bool
    axes: list[str] = field(default_factory=lambda: ["source", "output"])  # what the two rows are
    # an image the source labels tile as a grid (a caption's): {"png": data URI, "height", "width",
    # "grid": [rows, cols]}; the viewer then shades the cells over the picture; None: source tokens
    picture: dict | None = None
    row_values: dict[str, list[float]] = field(default_factory=dict)  # per output row, e.g. a copying model's p_gen


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _image(path: Path, alt: str) -> str:
    return f'<img src="{_data_uri(path)}" alt="{html.escape(alt)}">'


def read_history(run_dir: Path) -> list[dict]:
    """The run's metrics.jsonl records (empty when there is no log); bad lines are skipped."""
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _curves_html(run: Run) -> str:
    history = read_history(run.directory)
    if not history:
        return '<p class="note">No training log (metrics.jsonl) in this run directory.</p>'
    path = plot_training_curves(history, run.directory / "plots" / "report-training.png")
    return _image(path, "training curves")


def _stats_html(report: AttentionReport) -> str:
    if report.stats is None:
        return '<p class="note">n/a: this model has no attention.</p>'
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(value)}</td></tr>"
                   for name, value in attention_cells(report).items())
    return (f'<table class="stats" id="attention-stats"><tr><th>statistic</th><th>value</th></tr>{rows}</table>'
            f'<p class="note">Teacher-forced on {report.sentences} reference sentences. Alignment accuracy: share '
            "of tokens with a known source position whose most-attended source token is that position. AER "
            "(Och &amp; Ney 2003) with sure = possible = the true links; predicted links: the fewest source "
            f"tokens holding half a row's weight. Diagonal band half-width {report.stats.width:g} token(s); "
            "monotonicity: share of consecutive output tokens whose most-attended source position does not "
            "decrease. n/a: no true alignment in this data.</p>")


def _examples(predictions, references: list[str]) -> list[Example]:
    found = []
    for prediction, reference in zip(predictions, references, strict=True):
        best = best_of(prediction)
        if best.heatmap() is None:
            return []
        source, labels, matrix = best.heatmap()
        weights = [[round(float(w), WEIGHT_DIGITS) for w in row] for row in matrix.tolist()]
        axes = list(getattr(best, "axis_names", ("source", "output")))
        picture = getattr(best, "picture", None)  # a Caption draws its image (decode/caption.py)
        values = getattr(best, "row_values", dict)()  # numbers a prediction reports per output row
        found.append(Example(source, labels, weights, reference, best.text.strip() == reference.strip(), axes,
                             picture() if picture is not None else None,
                             {name: [round(float(v), WEIGHT_DIGITS) for v in row] for name, row in values.items()}))
    return found


def _pictures_html(run: Run, predictions, count: int = 3) -> str:
    """For predictions whose input has a backdrop (an utterance's spectrogram): the first ``count``
    alignments drawn over it (each prediction's own ``draw``); nothing for other runs."""
    best = [best_of(p) for p in predictions]
    drawable = [b for b in best if getattr(b, "backdrop", None) is not None and b.alignment is not None][:count]
    if not drawable:
        return ""
    images = [_image(b.draw(run.directory / "plots" / f"report-picture-{i}.png", title=b.text), b.text)
              for i, b in enumerate(drawable)]
    return ("<h2>Alignments over the input</h2><p class=\"note\">Output characters down, time across, the "
            "spectrogram beneath.</p>" + "".join(images))


def _confusion_html(schema, hypotheses: list[str], references: list[str]) -> str:
    """For a classifying run: the confusion matrix (rows: the reference label, columns: the
    predicted one) and each label's F1; nothing for other runs."""
    if schema.prediction != "classify":
        return ""
    labels = sorted(set(references) | set(hypotheses))
    counts = {(r, h): 0 for r in labels for h in labels}
    for h, r in zip(hypotheses, references, strict=True):
        counts[r, h] += 1
    f1 = per_class_f1(hypotheses, references)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in labels)
    body = "".join(f"<tr><th>{html.escape(r)}</th>" + "".join(
        f'<td class="{"hit" if r == h else ""}">{counts[r, h]}</td>' for h in labels)
        + f"<td>{f1.get(r, 0.0):.1f}</td></tr>" for r in labels)
    return (f'<h2>Confusion matrix</h2><table class="stats" id="confusion"><tr><th>reference \\ predicted</th>'
            f"{head}<th>F1</th></tr>{body}</table>")


def _json_block(examples: list[Example]) -> str:
    """The viewer's data as JSON that cannot end its <script> block early."""
    text = json.dumps([e.__dict__ for e in examples], ensure_ascii=False)
    return text.replace("<", "\\u003c")  # '<' only occurs inside JSON strings, where \u003c means the same


def _model_summary(options) -> str:
    """'model.type rnn, style bahdanau, attention additive': the family and the options that name
    its architecture, whichever of them the family has."""
    parts = [f"model.type {options.type}"]
    style = getattr(options, "style", None)
    if style:
        parts.append(f"style {style}")
    attention = getattr(options, "attention", None)
    if attention is not None and style != "none":
        parts.append(f"attention {attention.name}")
    return ", ".join(parts)


def build_page(run: Run, *, examples: int = 12, split: str = "dev") -> str:
    """The report of an opened run (model loaded) as one HTML string."""
    data = examples_for(run, split, None)
    if not data:
        raise RunError(f"the {split} split of {run.directory} is empty: nothing to report on")
    schema = run.schema
    metric = run.config.train.metric if run.config.train.metric in schema.metrics else schema.metrics[0]
    scored = run.score(data, decode_config(run, None))
    hypotheses, references = scored.hypotheses, scored.references
    rows = by_length(scored.lengths, hypotheses, references, metric=metric)
    label = LABELS[metric]
    lengths_png = plot_metric_by_length({run.directory.name: rows}, run.directory / "plots" / "report-lengths.png",
                                        metric_name=label, xlabel="input length")
    overall = compute(metric, hypotheses, references).value
    config = run.config
    summary = (f"{_model_summary(config.model)}; data: {config.data.task or config.data.train}; {label} on {split}: "
               f"{overall:.2f} ({len(data)} examples)")
    viewer = _examples(scored.predictions[:examples], references[:examples])
    fields = {"title": html.escape(run.directory.name), "summary": html.escape(summary), "split": html.escape(split),
              "metric_label": html.escape(label), "curves": _curves_html(run),
              "lengths": _image(lengths_png, f"{label} by source length"),
              "classes": _confusion_html(schema, hypotheses, references),
              "stats": _stats_html(attention_report(run, data)), "data": _json_block(viewer),
              "pictures": _pictures_html(run, scored.predictions[:examples]),
              "no_examples": "No alignments to show: this model has no attention." if examples else
                             "No examples requested (--examples 0)."}
    template = resources.files("attnkit.report").joinpath("template.html").read_text(encoding="utf-8")
    return string.Template(template).substitute(fields)


def write_report(run_dir: Path, out: Path | None = None, *, examples: int = 12, split: str = "dev",
                 checkpoint: str = "best") -> Path:
    """Write RUN_DIR/report.html (or ``out``) and return its path."""
    if examples < 0:
        raise RunError(f"--examples must be 0 or more; got {examples}")
    run = open_run(run_dir, checkpoint=checkpoint)
    page = build_page(run, examples=examples, split=split)
    path = out or run.directory / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
