"""`attnkit demo entailment`: word-by-word attention (Rocktäschel et al. 2016) decides entailment
on the embedded ``lexical-nli`` task in a few minutes on a CPU.

Trains the ``entailment`` family (premise and hypothesis LSTMs, conditional encoding,
word-by-word additive attention), reports accuracy and per-class F1 on the test split (word
combinations never seen together in training) and on the long split (more distractor clauses),
prints a few decisions and writes hypothesis-word x premise-word heatmaps.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from .config import DecodeConfig, config_from_dict
from .metrics import per_class_f1
from .run import load_splits, open_run, train

DEMO_CONFIG = {
    "model": {"type": "entailment", "variant": "word_by_word", "embedding_dim": 64, "hidden_dim": 64,
              "dropout": 0.1, "attention": {"name": "additive"}},
    "data": {"task": "lexical-nli", "max_tokens": 3000,
             "task_options": {"train_size": 12000, "dev_size": 500, "test_size": 1000, "long_size": 500}},
    "train": {"lr": 3e-3, "max_steps": 1500, "eval_every": 250, "eval_sentences": 500, "metric": "accuracy",
              "target_score": 97.0, "patience": None, "clip_norm": 5.0},
}


def run_entailment_demo(run_dir: Path, *, minutes: float = 2.5, threads: int = 1) -> int:
    started = time.monotonic()
    torch.set_num_threads(threads)
    config = config_from_dict({**DEMO_CONFIG, "train": {**DEMO_CONFIG["train"], "max_minutes": minutes}}, "demo")
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo entailment: a premise LSTM and a hypothesis LSTM that starts from its final state, with\n"
          "word-by-word attention (every hypothesis word attends over the premise), learn to decide entailment,\n"
          f"neutral or contradiction on generated pairs over a WordNet lexicon, for at most {minutes:g} minutes.\n"
          f"run directory: {run_dir}\n")
    _, result = train(config, run_dir)
    print(f"\ntrained {result.progress.step} steps in {result.progress.elapsed:.0f} s ({result.stopped_because})")
    run = open_run(run_dir)  # the best checkpoint
    splits = load_splits(config)
    shown = {}
    for split, what in (("test", "word combinations never seen together in training"),
                        ("long", "premises with more distractor clauses than any in training")):
        answers = run.predict(splits[split], DecodeConfig(batch_size=500))
        guesses, gold = [a.text for a in answers], [e["label"] for e in splits[split]]
        accuracy = 100.0 * sum(g == r for g, r in zip(guesses, gold, strict=True)) / len(gold)
        f1 = per_class_f1(guesses, gold)
        print(f"{split} accuracy: {accuracy:.2f}% of {len(gold)} pairs ({what}); F1 "
              + ", ".join(f"{label} {f1.get(label, 0.0):.1f}" for label in ("entailment", "neutral", "contradiction")))
        shown[split] = answers
    print()
    examples = splits["test"][:8]
    for example, answer in zip(examples, shown["test"][:8], strict=True):
        mark = "ok " if answer.text == example["label"] else "ERR"
        print(f"  {mark} {answer.text:13s} ({answer.probabilities[answer.text]:.2f})  {example['premise']}\n"
              f"      {'':13s}         => {example['hypothesis']}")
    plots = [answer.draw(run_dir / "plots" / f"entailment-{i}.png",
                         title=f"{example['premise']} ⇒ {example['hypothesis']}: {answer.text}")
             for i, (example, answer) in enumerate(zip(examples[:4], shown["test"][:4], strict=True))]
    print("\nword-by-word attention (premise words across, hypothesis words down):")
    for path in plots:
        print(f"  {path}")
    print(f"\ndone in {time.monotonic() - started:.0f} s. Next: `attnkit plot {run_dir} PREMISE HYPOTHESIS`, "
          f"`attnkit evaluate {run_dir} --split long`, `attnkit report {run_dir}`")
    return 0
