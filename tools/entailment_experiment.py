"""The entailment experiment of docs/EXPERIMENTS.md: the four variants of the entailment family
(conditional encoding, attention, word-by-word, two-way) on lexical-nli, over seeds, scored on
the test split (word combinations unseen in training) and the long split (more distractor
clauses than any training premise): accuracy, per-class F1, accuracy by premise length.

    python tools/entailment_experiment.py [--seeds 0 1 2] [--root runs/experiments/entailment]

Trains configs/lexical-nli-word-by-word.yaml with model.variant and train.seed overridden, one
run after the other; writes ROOT/results.json and prints the Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from attnkit.config import DecodeConfig, load_config
from attnkit.metrics import per_class_f1
from attnkit.run import load_splits, open_run, train

VARIANTS = ("conditional", "attention", "word_by_word", "two_way")
CONFIG = Path("configs/lexical-nli-word-by-word.yaml")
LENGTHS = ((1, 10), (11, 17), (18, 25), (26, 33), (34, 45))  # premise words


def score(run, examples) -> dict:
    found = run.predict(examples, DecodeConfig(batch_size=500))
    guesses = [answer.text for answer in found]
    gold = [example["label"] for example in examples]
    right = [g == r for g, r in zip(guesses, gold, strict=True)]
    by_length = {}
    for low, high in LENGTHS:
        rows = [ok for ok, e in zip(right, examples, strict=True) if low <= len(e["premise"].split()) <= high]
        if rows:
            by_length[f"{low}-{high}"] = (100.0 * sum(rows) / len(rows), len(rows))
    return {"accuracy": 100.0 * sum(right) / len(right), "f1": per_class_f1(guesses, gold), "by_length": by_length}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--root", type=Path, default=Path("runs/experiments/entailment"))
    args = parser.parse_args()
    results = []
    splits = None
    for variant in args.variants:
        for seed in args.seeds:
            config = load_config(CONFIG, [f"model.variant={variant}", f"train.seed={seed}", "train.progress=false"])
            splits = splits or load_splits(config)
            directory = args.root / f"{variant}-seed{seed}"
            started = time.monotonic()
            train(config, directory, overwrite=True)
            seconds = time.monotonic() - started
            run = open_run(directory)
            row = {"variant": variant, "seed": seed, "train_seconds": round(seconds),
                   **{split: score(run, splits[split]) for split in ("test", "long")}}
            results.append(row)
            print(f"{variant} seed {seed}: test {row['test']['accuracy']:.1f}, long {row['long']['accuracy']:.1f} "
                  f"({seconds:.0f} s)", flush=True)
    args.root.mkdir(parents=True, exist_ok=True)
    (args.root / "results.json").write_text(json.dumps(results, indent=1))
    print("\n| variant | test accuracy | test F1 (E / N / C) | long accuracy | long F1 (E / N / C) |")
    print("|---|---:|---:|---:|---:|")
    for variant in args.variants:
        rows = [r for r in results if r["variant"] == variant]

        def mean_sd(values):
            return f"{statistics.mean(values):.1f} ± {statistics.pstdev(values):.1f}"

        cells = []
        for split in ("test", "long"):
            cells.append(mean_sd([r[split]["accuracy"] for r in rows]))
            cells.append(" / ".join(f"{statistics.mean(r[split]['f1'].get(c, 0.0) for r in rows):.1f}"
                                    for c in ("entailment", "neutral", "contradiction")))
        print(f"| {variant} | " + " | ".join(cells) + " |")
    print("\naccuracy by premise length (words), mean over seeds, test + long:")
    buckets = sorted({b for r in results for s in ("test", "long") for b in r[s]["by_length"]},
                     key=lambda b: int(b.split("-")[0]))
    print("| variant | " + " | ".join(buckets) + " |\n|---|" + "---:|" * len(buckets))
    for variant in args.variants:
        rows = [r for r in results if r["variant"] == variant]
        cells = []
        for bucket in buckets:
            values = [r[s]["by_length"][bucket][0] for r in rows for s in ("test", "long")
                      if bucket in r[s]["by_length"]]
            cells.append(f"{statistics.mean(values):.1f}" if values else "–")
        print(f"| {variant} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
