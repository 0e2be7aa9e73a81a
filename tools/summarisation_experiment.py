"""The summarisation experiment of docs/EXPERIMENTS.md: a lead baseline, attention, attention +
copy and attention + copy + coverage (See et al. 2017) on debian-summaries (long -> short Debian
package descriptions), scored on dev and test: ROUGE-1/2/L F1, repeated trigrams, the share of
output words copied (p_gen < 0.5), and ROUGE-L by source length.

    python tools/summarisation_experiment.py train [--variants attention copy copy-coverage] [--set k=v ...]
    python tools/summarisation_experiment.py score [--beam 4] [--min-lengths 4 6]

``train`` trains configs/debian-summaries-<variant>.yaml one after the other into
ROOT/<variant> (default runs/experiments/summarisation); ``score`` decodes dev and test with
each run (beam search, then the same with trigram blocking on test), adds the lead baseline
(the description's first k words, k chosen on dev), updates ROOT/results.json (the variants
scored before stay) and prints the Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from attnkit.config import DecodeConfig, load_config
from attnkit.metrics import by_length, compute
from attnkit.run import load_splits, open_run, train

VARIANTS = ("attention", "copy", "copy-coverage")
CONFIGS = {name: Path(f"configs/debian-summaries-{name}.yaml") for name in VARIANTS}
METRICS = ("rouge1", "rouge2", "rouge_l", "repeated_trigrams")
LENGTHS = ((1, 20), (21, 40), (41, 60), (61, 100), (101, 400))  # description words
LEADS = range(3, 16)


def scores(hypotheses: list[str], examples: list[dict]) -> dict:
    references = [e["target"] for e in examples]
    row = {name: round(compute(name, hypotheses, references).value, 2) for name in METRICS}
    lengths = [len(e["source"].split()) for e in examples]
    row["rouge_l_by_length"] = {f"{b.low}-{b.high}": [round(b.score.value, 2), b.count]
                                for b in by_length(lengths, hypotheses, references, metric="rouge_l", buckets=LENGTHS)
                                if b.score is not None}
    return row


def lead(examples: list[dict], k: int) -> list[str]:
    return [" ".join(e["source"].split()[:k]) for e in examples]


def decoded(run, examples: list[dict], decode: DecodeConfig) -> tuple[list[str], dict]:
    """The best summaries and how they were written: the share of output words copied
    (p_gen < 0.5) and of words outside the vocabulary (copied unknown words)."""
    started = time.monotonic()
    found = [p[0] for p in run.predict(examples, decode)]
    seconds = time.monotonic() - started
    vocab = run.output_field.vocab
    words = sum(len(f.tokens) for f in found) or 1
    gated = any(f.gates is not None for f in found)  # a model without the copy switch copies nothing
    copied = sum(int((f.gates[:len(f.tokens)] < 0.5).sum()) for f in found if f.gates is not None)
    unknown = sum(t not in vocab for f in found for t in f.tokens)
    return [f.text for f in found], {"copied_words": round(100.0 * copied / words, 2) if gated else None,
                                     "unknown_words": round(100.0 * unknown / words, 2),
                                     "mean_words": round(words / len(found), 2), "decode_seconds": round(seconds)}


def run_training(args: argparse.Namespace) -> int:
    for variant in args.variants:
        config = load_config(CONFIGS[variant], ["train.progress=false", *args.set])
        started = time.monotonic()
        _, result = train(config, args.root / variant, overwrite=True)
        print(f"{variant}: {result.progress.step} steps in {time.monotonic() - started:.0f} s "
              f"({result.stopped_because})", flush=True)
    return 0


def run_scoring(args: argparse.Namespace) -> int:
    splits = load_splits(load_config(CONFIGS["copy"], args.set))
    dev, test = splits["dev"], splits["test"]
    best_k = max(LEADS, key=lambda k: compute("rouge_l", lead(dev, k), [e["target"] for e in dev]).value)
    out = args.root / "results.json"
    results = json.loads(out.read_text()) if out.is_file() else {}  # scoring some variants keeps the others
    results["lead"] = {"k": best_k, "dev": scores(lead(dev, best_k), dev), "test": scores(lead(test, best_k), test)}
    beam = DecodeConfig(beam_size=args.beam, batch_size=32)
    blocked = DecodeConfig(beam_size=args.beam, batch_size=32, no_repeat_ngram=3)
    for variant in args.variants:
        run = open_run(args.root / variant)
        row = {"train_steps": json.loads((args.root / variant / "metrics.jsonl").read_text().splitlines()[-1])["step"]}
        decodes = [("dev", dev, beam), ("test", test, beam), ("test_no_repeat_3", test, blocked)]
        decodes += [(f"test_min_len_{k}", test, DecodeConfig(beam_size=args.beam, batch_size=32, min_output_tokens=k))
                    for k in args.min_lengths]
        for name, examples, decode in decodes:
            hypotheses, how = decoded(run, examples, decode)
            row[name] = {**scores(hypotheses, examples), **how}
            print(f"{variant} {name}: {row[name]}", flush=True)
        results[variant] = row
        out.write_text(json.dumps(results, indent=1))
    print(tables({name: results[name] for name in ("lead", *VARIANTS) if name in results}))
    return 0


def tables(results: dict) -> str:
    lines = ["| model | split | ROUGE-1 | ROUGE-2 | ROUGE-L | repeated trigrams (%) | copied words (%) |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for name, row in results.items():
        label = f"lead-{row['k']}" if name == "lead" else name
        for split in ("dev", "test", "test_no_repeat_3", *(s for s in row if s.startswith("test_min_len_"))):
            if split in row:
                r = row[split]
                copied = "–" if r.get("copied_words") is None else r["copied_words"]
                lines.append(f"| {label} | {split} | {r['rouge1']:.2f} | {r['rouge2']:.2f} | {r['rouge_l']:.2f} | "
                             f"{r['repeated_trigrams']:.2f} | {copied} |")
    spans = [f"{low}-{high}" for low, high in LENGTHS]
    lines += ["", "| model (test, ROUGE-L) | " + " | ".join(f"{s} words" for s in spans) + " |",
              "|---|" + "---:|" * len(spans)]
    for name, row in results.items():
        cells = row["test"]["rouge_l_by_length"]
        lines.append(f"| {name} | " + " | ".join(f"{cells[s][0]:.1f} ({cells[s][1]})" if s in cells else "–"
                                               for s in spans) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("train", "score"))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--root", type=Path, default=Path("runs/experiments/summarisation"))
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--min-lengths", type=int, nargs="*", default=[], metavar="K",
                        help="score: also decode test with decode.min_output_tokens K")
    args = parser.parse_args()
    return run_training(args) if args.command == "train" else run_scoring(args)


if __name__ == "__main__":
    raise SystemExit(main())
