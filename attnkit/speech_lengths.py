"""Speech runs against utterance length (Chorowski et al. 2015 sec. 4.3): CER and WER of each run on
spoken-digits' test split (1x, as in training) and on utterances 2x, 5x and 10x longer, both
synthesised and made by joining test utterances; a Markdown table and a plot of CER against the
length factor, one line per attention variant (the mean over its runs, each run's points beside).

    python -m attnkit.speech_lengths RUN_DIR ... [--out docs/img/speech-cer-by-length.png] [--beam K]
                                     [--json scores.json]
    python -m attnkit.speech_lengths scores.json ...   # the table and plot again, from saved scores
    python -m attnkit.speech_lengths RUN_DIR --window 4   # decoding with Chorowski's window instead
    python -m attnkit.speech_lengths RUN_DIR --window 0 --sharpening 2   # or with his sharpening, beta = 2

Runs are grouped by their attention mechanism (model.attention.name); decoding is each run's own
(greedy unless --beam).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .evaluation import decode_config
from .run import load_splits, open_run
from .tasks.spoken_digits import FACTORS

SETS = {"synthesised": ["test", *(f"test-{k}x" for k in FACTORS)],
        "concatenated": ["test", *(f"concat-{k}x" for k in FACTORS)]}


def run_scores(run_dir: Path, beam: int | None = None, window: int | None = None,
               sharpening: float | None = None) -> dict[str, Any]:
    """{"variant": mechanism name, "run": dir, split: {"cer": .., "wer": .., "examples": ..}} for one
    run; ``window``: decode with that model.decode_window instead of the run's own; ``sharpening``:
    with that beta in the run's (additive or location-aware) attention, at decode time only."""
    run = open_run(run_dir)
    variant = run.config.model.attention.name
    if window is not None:
        run.model.options = replace(run.model.options, decode_window=window)  # a listener's decode-time option
        variant += f", window {window}" if window else ""
    if sharpening is not None:
        run.model.attention.sharpening = float(sharpening)  # Chorowski's beta: the scores times beta
        variant += f", beta {sharpening:g}"
    splits = load_splits(run.config)
    decode = decode_config(run, beam)
    scores: dict[str, Any] = {"variant": variant, "run": str(run_dir)}
    for split in dict.fromkeys(s for names in SETS.values() for s in names):
        result = run.score(splits[split], decode)
        scores[split] = {"cer": result.scores["cer"].value, "wer": result.scores["wer"].value,
                         "examples": len(splits[split])}
    return scores


def by_variant(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["variant"], []).append(row)
    return grouped


def markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line per variant and test set: CER and WER (mean ± sample standard deviation over runs)
    at 1x, 2x, 5x, 10x, and the 10x / 1x CER ratio."""
    lines = ["| attention | test set | runs | CER 1x | CER 2x | CER 5x | CER 10x | WER 1x | WER 2x | WER 5x | WER 10x "
             "| CER 10x / 1x |", "|---|---|---|" + "---|" * 9]
    for variant, runs in by_variant(rows).items():
        for kind, names in SETS.items():
            cells = []
            for metric in ("cer", "wer"):
                for name in names:
                    values = np.array([r[name][metric] for r in runs])
                    spread = f" ± {values.std(ddof=1):.1f}" if len(values) > 1 else ""
                    cells.append(f"{values.mean():.1f}{spread}")
            ratio = np.mean([r[names[-1]]["cer"] for r in runs]) / max(np.mean([r[names[0]]["cer"] for r in runs]),
                                                                      1e-9)
            lines.append(f"| {variant} | {kind} | {len(runs)} | " + " | ".join(cells) + f" | {ratio:.1f} |")
    return "\n".join(lines)


def plot(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """CER against the length factor: a line per variant and test set (mean), each run's points."""
    from .viz._figure import drawing, new_figure, save

    factors = [1, *FACTORS]
    with drawing():
        figure = new_figure(8.0, 4.5)
        axes = figure.add_subplot()
        for colour, (variant, runs) in zip(("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown",
                                            "tab:pink", "tab:gray"),
                                           by_variant(rows).items(), strict=False):
            for style, (kind, names) in zip(("-", "--"), SETS.items(), strict=True):
                values = np.array([[r[name]["cer"] for name in names] for r in runs])  # (runs, 4)
                axes.plot(factors, values.mean(0), style, color=colour, marker="o", label=f"{variant}, {kind}")
                for run_values in values:
                    axes.scatter(factors, run_values, color=colour, s=8, alpha=0.5)
        axes.set_xscale("log")
        axes.set_xticks(factors, [f"{k}x" for k in factors])
        axes.set_xlabel("utterance length (times the training utterances' digits)")
        axes.set_ylabel("CER (%)")
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
        axes.set_title("spoken-digits: character error rate against utterance length")
        return save(figure, path)


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m attnkit.speech_lengths", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories, or .json files of saved scores")
    parser.add_argument("--out", type=Path, default=None, help="PNG of CER against length")
    parser.add_argument("--json", type=Path, default=None, help="write every run's scores here")
    parser.add_argument("--beam", type=int, default=None)
    parser.add_argument("--window", type=int, default=None, help="decode with this model.decode_window (0: none)")
    parser.add_argument("--sharpening", type=float, default=None, help="decode with this sharpening beta")
    args = parser.parse_args(argv)
    rows = []
    for run in args.runs:
        if run.suffix == ".json":
            rows += json.loads(run.read_text(encoding="utf-8"))
            continue
        rows.append(run_scores(run, args.beam, args.window, args.sharpening))
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    print(markdown(rows))
    if args.out:
        print(plot(rows, args.out))


if __name__ == "__main__":
    main(sys.argv[1:])
