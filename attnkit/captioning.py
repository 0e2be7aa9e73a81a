"""Captioning a trained run's images: users' image files (``attnkit caption``), and the scores on
examples with known boxes: exact match, BLEU-1..4 and the pointing score (analysis/pointing.py),
overall and by number of objects (digits).

Pointing is measured on the teacher-forced attention (row t: the weights while the reference's
word t is predicted), so every word of the reference is scored whatever the decoder wrote.

    python -m attnkit.captioning RUN_DIR [SPLIT ...]     # default: test long
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .analysis.pointing import pointing_score
from .config import DecodeConfig
from .evaluation import forced_weights
from .fields import FieldError
from .metrics import bleu_multi, exact_match
from .run import Run, RunError, load_splits, open_run


def caption_images(run: Run, paths: Sequence[str | Path], decode: DecodeConfig | None = None
                   ) -> tuple[list[tuple[str, Any]], list[str]]:
    """Caption image files with a run whose input is an image: each file read by the run's image
    field (grey or RGB converted to the run's channels; another size resized or letterboxed to
    the run's canvas when the field has a size). Returns ((path, best Caption) for every image
    read, in order; one message per file that could not be read, naming it), so one bad file
    costs only its own caption."""
    field = run.input_field
    if field.kind != "image":
        raise RunError(f"{run.directory} reads {field.kind} inputs, not images (model.type {run.config.model.type}): "
                       f"caption images with a captioning run")
    readable, failures = [], []
    for path in paths:
        try:
            field.pixels(Path(path))
        except FieldError as error:
            failures.append(str(error))
        else:
            readable.append(str(path))
    groups = [readable] if field.size is not None else [[p] for p in readable]  # own sizes: one image a batch
    captions = []
    for group in (g for g in groups if g):
        found = run.predict([{run.input_name: Path(p)} for p in group], decode)
        captions += [(p, f[0]) for p, f in zip(group, found, strict=True)]
    return captions, failures


def caption_rows(run: Run, examples: Sequence[Mapping[str, Any]], decode=None) -> list[dict[str, Any]]:
    """One row per object count (and "all"): examples, exact match, BLEU-1..4, pointing (%)."""
    found = run.predict(examples, decode)
    hypotheses = [f[0].text if isinstance(f, list) else f.text for f in found]
    weights = forced_weights(run, examples)
    options = run.config.model
    grid = (options.grid_height, options.grid_width)
    image = np.asarray(examples[0]["image"]).shape[:2]
    groups: dict[Any, list[int]] = {"all": list(range(len(examples)))}
    for i, example in enumerate(examples):
        groups.setdefault(len(example["boxes"]), []).append(i)
    rows = []
    for key in ["all", *sorted(k for k in groups if k != "all")]:
        chosen = groups[key]
        hyp, ref = [hypotheses[i] for i in chosen], [examples[i]["caption"] for i in chosen]
        sets = [examples[i].get("references") or [examples[i]["caption"]] for i in chosen]
        row = {"digits": key, "examples": len(chosen), "exact_match": exact_match(hyp, ref).value}
        for n in range(1, 5):
            row[f"bleu{n}"] = bleu_multi(hyp, sets, order=n).value
        row["pointing"] = None if weights is None else pointing_score(
            [_digit_rows(weights[i], examples[i]) for i in chosen], [examples[i]["boxes"] for i in chosen], grid,
            image)
        rows.append(row)
    return rows


def _digit_rows(weights: np.ndarray, example: Mapping[str, Any]) -> np.ndarray:
    """The rows (T, L) of the words that name the example's boxes, in box order ("digit_words":
    each box's word index; without it, word t names box t)."""
    where = example.get("digit_words")
    return weights if where is None else weights[[i for i in where if i < len(weights)]]


def markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    lines = ["| digits | examples | exact match | BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | pointing |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[k]:.1f}" if r[k] is not None else "n/a" for k in
                 ("exact_match", "bleu1", "bleu2", "bleu3", "bleu4", "pointing")]
        lines.append(f"| {r['digits']} | {r['examples']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> None:
    run = open_run(Path(argv[0]))
    splits = load_splits(run.config)
    for split in argv[1:] or ["test", "long"]:
        print(f"{split}:\n{markdown(caption_rows(run, splits[split]))}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
