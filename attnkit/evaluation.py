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

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .analysis import AlignmentCounts, AttentionStats, alignment_scores, attention_statistics
from .config import DecodeConfig
from .data import Pair, collate
from .metrics import bleu, by_length, chrf, exact_match, format_table
from .run import Run, RunError, open_run, read_files
from .tasks import get_task

NA = "n/a"


def pairs_for(run: Run, split: str, data: str | None) -> list[Pair]:
    """The pairs to score: ``data`` files, or a split of the run's task or configured files.
    ``split`` may join several splits with commas ("test,long"), concatenated in that order."""
    config = run.config
    if data:
        return read_files(data, config, "evaluate")
    names = [s.strip() for s in split.split(",") if s.strip()]
    if len(names) > 1:
        return [pair for name in names for pair in pairs_for(run, name, None)]
    if config.data.task:
        return get_task(config.data.task, **config.data.task_options).split(split)
    spec = {"dev": config.data.dev, "test": config.data.test}.get(split)
    if not spec:
        raise RunError(f"the run reads files and data.{split} is not set; pass --data FILE")
    return read_files(spec, config, split)


def decode_config(run: Run, beam: int | None) -> DecodeConfig:
    """The run's decode settings with ``beam`` (None: the run's own beam size)."""
    base = run.config.decode
    beam_size = base.beam_size if beam is None else beam
    if beam_size < 1:
        raise RunError(f"--beam must be at least 1; got {beam_size}")
    return DecodeConfig(beam_size=beam_size, length_penalty=base.length_penalty,
                        max_length_ratio=base.max_length_ratio, max_length_extra=base.max_length_extra)


def source_lengths(run: Run, pairs: Sequence[Pair]) -> list[int]:
    """Source length of each pair in the run's source tokens."""
    return [len(run.source_tokenizer.encode(p.source)) for p in pairs]


# ---- attention, teacher-forced ---------------------------------------------------------------


@torch.inference_mode()
def forced_weights(run: Run, pairs: Sequence[Pair], batch_size: int = 64) -> list[np.ndarray] | None:
    """Each pair's cross-attention weights (T_i, S_i) with the reference target fed in (T_i
    reference tokens, EOS row dropped; S_i source tokens). None when the model has no attention."""
    model = run.model
    model.eval()
    encoded = [(run.source_vocab.encode(run.source_tokenizer.encode(p.source)),
                run.target_vocab.encode(run.target_tokenizer.encode(p.target))) for p in pairs]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    found: list[np.ndarray | None] = [None] * len(encoded)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        batch = collate([encoded[i] for i in chunk], chunk).to(run.device)
        weights = model(batch.source, batch.source_lengths, batch.target_in, need_weights=True).weights  # (B, T, S)
        if weights is None:
            return None
        weights = weights.float().cpu().numpy()
        for row, i in enumerate(chunk):
            source, target = encoded[i]
            found[i] = weights[row, :len(target), :len(source)]
    return found  # type: ignore[return-value]


def _gold(pair: Pair, matrix: np.ndarray) -> tuple[int, ...] | None:
    """The pair's true alignment when it fits the (T, S) weights (same tokenisation), else None."""
    gold = pair.alignment
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


def attention_report(run: Run, pairs: Sequence[Pair]) -> AttentionReport:
    """Teacher-forced attention statistics of ``pairs``, and alignment scores where known."""
    weights = forced_weights(run, pairs)
    if weights is None:
        return AttentionReport(len(pairs), None, None)
    golds = [_gold(p, w) for p, w in zip(pairs, weights, strict=True)]
    counts = alignment_scores(weights, golds)
    return AttentionReport(len(pairs), attention_statistics(weights), counts if counts.tokens else None)


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
        return lines + ["n/a: this model has no attention (model.style none)."]
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


def evaluate_run(run_dir: Path, *, split: str = "test", data: str | None = None, beam: int | None = None,
                 checkpoint: str = "best") -> str:
    """Markdown report: BLEU/chrF (with sacrebleu signatures), exact match, exact match and chrF
    by source-length bucket, and the attention section."""
    run = open_run(run_dir, checkpoint=checkpoint)
    pairs = pairs_for(run, split, data)
    decode = decode_config(run, beam)
    hypotheses = [t[0].text for t in run.translate([p.source for p in pairs], decode)]
    references = [p.target for p in pairs]
    lengths = source_lengths(run, pairs)
    scores = [exact_match(hypotheses, references), bleu(hypotheses, references), chrf(hypotheses, references)]
    lines = [f"# {run_dir}: {data or split} ({len(pairs)} sentences, beam {decode.beam_size})", ""]
    lines += [f"- {s.name}: {s.value:.2f}" + (f"  ({s.signature})" if s.signature else "") for s in scores]
    for metric in ("exact_match", "chrf"):
        lines += ["", f"## {metric} by source length (tokens)", "",
                  format_table(by_length(lengths, hypotheses, references, metric=metric))]
    lines += attention_markdown(attention_report(run, pairs))
    return "\n".join(lines)
