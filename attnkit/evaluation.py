"""`attnkit evaluate`: decode a data set with a trained run and score it, overall and by length,
and look at its attention: alignment accuracy and AER where the data knows the true alignment,
entropy, diagonal-band mass and monotonicity everywhere (attnkit.analysis).

Attention is measured teacher-forced: the model reads the *reference* target and we take the
weights of each reference token. Every model is then scored on the same tokens, whatever it
decodes, and a decoding mistake early in a sentence does not knock the rest out of alignment
with the truth. (Scoring the model's own output instead would score only the tokens it got
right, a different and model-dependent subset.) The EOS row is left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .analysis import AlignmentCounts, AttentionStats, alignment_scores, attention_statistics
from .config import DecodeConfig
from .data import collate
from .decode import make_predictor
from .metrics import by_length, format_table
from .run import Run, RunError, open_run, read_files
from .tasks import get_task

NA = "n/a"


def examples_for(run: Run, split: str, data: str | None, header: bool | None = None) -> list[dict]:
    """The examples to score: ``data`` files (``header``: whether they start with a header line;
    None: the run's data.header), or a split of the run's task or configured files. ``split`` may
    join several splits with commas ("test,long"), concatenated in that order."""
    config = run.config
    if data:
        return read_files(data, config, "evaluate", header=header)
    names = [s.strip() for s in split.split(",") if s.strip()]
    if len(names) > 1:
        return [example for name in names for example in examples_for(run, name, None)]
    if config.data.task:
        return get_task(config.data.task, **config.data.task_options).split(split)
    spec = {"dev": config.data.dev, "test": config.data.test}.get(split)
    if not spec:
        raise RunError(f"the run reads files and data.{split} is not set; pass --data FILE")
    return read_files(spec, config, split)


def decode_config(run: Run, beam: int | None = None, n_best: int | None = None, *,
                  min_length: int | None = None, no_repeat_ngram: int | None = None) -> DecodeConfig:
    """The run's saved decode settings (beam, length penalty, early stop, precision, batch size,
    ...) with the command line's ``beam``, ``n_best``, ``min_length`` (decode.min_output_tokens)
    and ``no_repeat_ngram`` over them (None: the run's own; n_best is capped by the beam)."""
    base = run.config.decode
    for option, value in (("--min-length", min_length), ("--no-repeat-ngram", no_repeat_ngram)):
        if value is not None and value < 0:
            raise RunError(f"{option} must be 0 or more; got {value}")
    base = dataclasses.replace(base, min_output_tokens=base.min_output_tokens if min_length is None else min_length,
                               no_repeat_ngram=base.no_repeat_ngram if no_repeat_ngram is None else no_repeat_ngram)
    beam_size = base.beam_size if beam is None else beam
    n = min(base.n_best, beam_size) if n_best is None else n_best
    if beam_size < 1 or not 1 <= n <= beam_size:
        raise RunError(f"--beam must be >= 1 and --n-best in 1..beam; got --beam {beam_size} --n-best {n}")
    return dataclasses.replace(base, beam_size=beam_size, n_best=n)


# ---- attention, teacher-forced ---------------------------------------------------------------


def forced_weights(run: Run, examples: Sequence[Mapping[str, Any]], batch_size: int = 64) -> list[np.ndarray] | None:
    """Each example's attention weights (T_i, S_i) with the reference output fed in (T_i
    reference tokens, EOS row dropped; a classifier's one row), S_i input positions. None when
    the model has no attention."""
    run.model.eval()
    predictor = make_predictor(run.schema, run.config.decode)
    encoded = run.encode(examples)
    length = run.input_field
    order = sorted(range(len(encoded)), key=lambda i: length.cost(encoded[i][run.input_name]))
    found: list[np.ndarray | None] = [None] * len(encoded)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            matrices = predictor.forced_attention(run.model, collate(run.fields, [encoded[i] for i in chunk],
                                                                     chunk).to(run.device))
            if matrices is None:
                return None
            for i, matrix in zip(chunk, matrices, strict=True):
                found[i] = matrix.numpy()
    return found  # type: ignore[return-value]


def _gold(example: Mapping[str, Any], matrix: np.ndarray) -> tuple[int, ...] | None:
    """The example's true alignment when it fits the (T, S) weights (same tokenisation), else None."""
    gold = example.get("alignment")
    if gold is None or len(gold) != matrix.shape[0] or (gold and max(gold) >= matrix.shape[1]):
        return None
    return gold


@dataclass(frozen=True)
class AttentionReport:
    """sentences: how many were looked at; stats: None when the model has no attention;
    alignment: None when it has none or no sentence has a usable true alignment."""

    sentences: int
    stats: AttentionStats | None
    alignment: AlignmentCounts | None


def attention_report(run: Run, examples: Sequence[Mapping[str, Any]]) -> AttentionReport:
    """Teacher-forced attention statistics of ``examples``, and alignment scores where known."""
    weights = forced_weights(run, examples)
    if weights is None:
        return AttentionReport(len(examples), None, None)
    golds = [_gold(e, w) for e, w in zip(examples, weights, strict=True)]
    counts = alignment_scores(weights, golds)
    return AttentionReport(len(examples), attention_statistics(weights), counts if counts.tokens else None)


def percent(value: float | None) -> str:
    """A 0..1 share as a percent with one decimal, or n/a."""
    return NA if value is None else f"{100 * value:.1f}"


def attention_cells(report: AttentionReport) -> dict[str, str]:
    """Column name -> cell text of one run's attention numbers ('n/a' where not available)."""
    stats, counts = report.stats, report.alignment
    return {"alignment accuracy (%)": percent(counts.accuracy) if counts else NA,
            "alignment accuracy ±1 (%)": percent(counts.accuracy_within_one) if counts else NA,
            "AER (%)": percent(counts.aer) if counts else NA,
            "entropy (nats)": NA if stats is None else f"{stats.entropy:.3f}",
            "diagonal band (%)": NA if stats is None else percent(stats.diagonal),
            "monotonicity (%)": NA if stats is None else percent(stats.monotonicity)}


def attention_markdown(report: AttentionReport) -> list[str]:
    """The '## attention' section of a report, as lines."""
    lines = ["", f"## attention (teacher-forced on the reference, {report.sentences} sentences)", ""]
    if report.stats is None:
        return lines + ["n/a: this model has no attention."]
    cells = attention_cells(report)
    lines += [f"- {name}: {value}" for name, value in cells.items()]
    if report.alignment is None:
        lines.append("- alignment accuracy and AER: n/a (this data has no true alignment)")
    else:
        lines.append(f"  (alignment scored on {report.alignment.tokens} target tokens with a known source "
                     "position; AER with sure = possible = true links, predicted links = the fewest source "
                     "tokens holding half of each row's weight)")
    lines.append(f"  (diagonal band: |(t+0.5)·S/T − (s+0.5)| ≤ {report.stats.width:g}; monotonicity: share of "
                 "consecutive output tokens whose most-attended source position does not decrease)")
    return lines


# ---- the report ------------------------------------------------------------------------------


def _write_hypotheses(run_dir: Path, name: str, hypotheses: Sequence[str]) -> Path:
    """RUN_DIR/evaluate/NAME.hyp: one output per line, in input order (for sacrebleu or a diff)."""
    path = run_dir / "evaluate" / f"{name}.hyp"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{h}\n" for h in hypotheses), encoding="utf-8")
    return path


def evaluate_run(run_dir: Path, *, split: str = "test", data: str | None = None, beam: int | None = None,
                 checkpoint: str = "best", header: bool | None = None, min_length: int | None = None,
                 no_repeat_ngram: int | None = None) -> str:
    """Markdown report: the task's metrics (BLEU/chrF with sacrebleu signatures, exact match,
    accuracy), each of them by input-length bucket, and the attention section."""
    run = open_run(run_dir, checkpoint=checkpoint)
    examples = examples_for(run, split, data, header)
    decode = decode_config(run, beam, min_length=min_length, no_repeat_ngram=no_repeat_ngram)
    result = run.score(examples, decode)
    search = "" if run.schema.prediction != "generate" else f", beam {decode.beam_size}"
    lines = [f"# {run_dir}: {data or split} ({len(examples)} examples{search})", ""]
    if data:
        skipped = run.config.data.header if header is None else header
        lines += [f"Read {len(examples)} pairs from {data}; " + ("its first line was skipped as a header (--no-header "
                  "reads it as data)" if skipped else "no header line (--header skips the first line)") + ".", ""]
    lines += [f"- {s.name}: {s.value:.2f}" + (f"  ({s.signature})" if s.signature else "")
              for s in result.scores.values()]
    written = _write_hypotheses(run.directory, Path(data).stem if data else split.replace(",", "+"), result.hypotheses)
    lines += ["", f"Hypotheses (the best of each, in input order): {written}"]
    unit = "tokens" if run.input_field.kind == "text" else "positions"
    for metric in result.scores:
        lines += ["", f"## {metric} by input length ({unit})", "",
                  format_table(by_length(result.lengths, result.hypotheses, result.references, metric=metric,
                                         inputs=result.inputs))]
    lines += attention_markdown(attention_report(run, examples))
    return "\n".join(lines)
