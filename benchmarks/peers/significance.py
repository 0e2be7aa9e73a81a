"""Paired bootstrap of a BLEU difference (Koehn 2004), on sacrebleu's own sentence statistics.

sacrebleu's PairedTest gives a p-value and each system's interval; the benchmark wants the
interval of the *difference* attnkit - peer, so the same resampled sentence sets score both
systems here: each resample's BLEU comes from the summed n-gram statistics of its sentences, as
sacrebleu computes a corpus score.

    .venv/bin/python benchmarks/peers/significance.py A.detok B.detok REFERENCES
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sacrebleu.metrics import BLEU

SAMPLES = 1000
SEED = 12345  # sacrebleu's default bootstrap seed


def paired_bootstrap(a: list[str], b: list[str], references: list[str], *, samples: int = SAMPLES,
                     seed: int = SEED) -> dict:
    """BLEU(a) - BLEU(b) with its 95% interval over ``samples`` resamples of the sentences, and the
    one-sided p-value: the share of resamples whose difference does not have the observed sign."""
    if not len(a) == len(b) == len(references) > 0:
        raise ValueError(f"need equally many hypotheses and references; got {len(a)}, {len(b)}, {len(references)}")
    metric = BLEU()
    stats = [np.asarray(metric._extract_corpus_statistics(h, [references]), dtype=np.float64) for h in (a, b)]
    observed = [metric._compute_score_from_stats(s.sum(0).tolist()).score for s in stats]
    picks = np.random.default_rng(seed).integers(0, len(references), size=(samples, len(references)))
    deltas = np.array([metric._compute_score_from_stats(stats[0][i].sum(0).tolist()).score
                       - metric._compute_score_from_stats(stats[1][i].sum(0).tolist()).score for i in picks])
    delta = observed[0] - observed[1]
    against = np.sum(deltas <= 0) if delta > 0 else np.sum(deltas >= 0)
    low, high = np.percentile(deltas, [2.5, 97.5])
    return {"bleu_a": round(observed[0], 2), "bleu_b": round(observed[1], 2), "delta": round(delta, 2),
            "ci95": [round(float(low), 2), round(float(high), 2)],
            "p": round(float((against + 1) / (samples + 1)), 4), "samples": samples}


def read_lines(path: str | Path) -> list[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("references")
    parser.add_argument("--samples", type=int, default=SAMPLES)
    args = parser.parse_args()
    print(json.dumps(paired_bootstrap(read_lines(args.a), read_lines(args.b), read_lines(args.references),
                                      samples=args.samples)))


if __name__ == "__main__":
    main()
