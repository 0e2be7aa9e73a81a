"""Captioning scores of a trained run on examples with known boxes: exact match, BLEU-1..4 and
the pointing score (analysis/pointing.py), overall and by number of objects (digits).

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
from .evaluation import forced_weights
from .metrics import bleu_multi, exact_match
from .run import Run, load_splits, open_run


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
        row = {"digits": key, "examples": len(chosen), "exact_match": exact_match(hyp, ref).value}
        for n in range(1, 5):
            row[f"bleu{n}"] = bleu_multi(hyp, [[r] for r in ref], order=n).value
        row["pointing"] = None if weights is None else pointing_score(
            [weights[i] for i in chosen], [examples[i]["boxes"] for i in chosen], grid, image)
        rows.append(row)
    return rows


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
