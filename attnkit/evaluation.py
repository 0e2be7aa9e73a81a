"""`attnkit evaluate`: decode a data set with a trained run and score it, overall and by length."""

from __future__ import annotations

from pathlib import Path

from .config import DecodeConfig
from .data import Pair
from .metrics import bleu, by_length, chrf, exact_match, format_table
from .run import RunError, open_run, read_files
from .tasks import get_task


def pairs_for(run, split: str, data: str | None) -> list[Pair]:
    """The pairs to score: ``data`` files, or a split of the run's task or configured files."""
    config = run.config
    if data:
        return read_files(data, config, "evaluate")
    if config.data.task:
        return get_task(config.data.task, **config.data.task_options).split(split)
    spec = {"dev": config.data.dev, "test": config.data.test}.get(split)
    if not spec:
        raise RunError(f"the run reads files and data.{split} is not set; pass --data FILE")
    return read_files(spec, config, split)


def evaluate_run(run_dir: Path, *, split: str = "test", data: str | None = None, beam: int | None = None,
                 checkpoint: str = "best") -> str:
    """Markdown report: BLEU/chrF (with sacrebleu signatures), exact match, and exact match and
    chrF by source-length bucket."""
    run = open_run(run_dir, checkpoint=checkpoint)
    pairs = pairs_for(run, split, data)
    base = run.config.decode
    beam_size = base.beam_size if beam is None else beam
    if beam_size < 1:
        raise RunError(f"--beam must be at least 1; got {beam_size}")
    decode = DecodeConfig(beam_size=beam_size, length_penalty=base.length_penalty,
                          max_length_ratio=base.max_length_ratio, max_length_extra=base.max_length_extra)
    hypotheses = [t[0].text for t in run.translate([p.source for p in pairs], decode)]
    references = [p.target for p in pairs]
    lengths = [len(run.source_tokenizer.encode(p.source)) for p in pairs]
    scores = [exact_match(hypotheses, references), bleu(hypotheses, references), chrf(hypotheses, references)]
    lines = [f"# {run_dir}: {data or split} ({len(pairs)} sentences, beam {beam_size})", ""]
    lines += [f"- {s.name}: {s.value:.2f}" + (f"  ({s.signature})" if s.signature else "") for s in scores]
    for metric in ("exact_match", "chrf"):
        lines += ["", f"## {metric} by source length (tokens)", "",
                  format_table(by_length(lengths, hypotheses, references, metric=metric))]
    return "\n".join(lines)
