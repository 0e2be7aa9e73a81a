"""`attnkit demo`: the toolkit's story in about three minutes on a CPU.

Trains a GRU encoder-decoder with Bahdanau (additive) attention on the embedded ``dates`` task
(human-readable dates in eleven locales -> ISO dates), reports exact match on the test split
and on the longer 'long' split, prints translations, and saves alignment heatmaps.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from .config import DecodeConfig, config_from_dict
from .demo_captioning import run_captioning_demo
from .demo_entailment import run_entailment_demo
from .demo_ntm import run_ntm_demo
from .demo_pointer import run_pointer_demo
from .demo_speech import run_speech_demo
from .demo_summarisation import run_summarisation_demo
from .run import load_splits, train
from .viz import plot_alignment, plot_alignment_grid

DEMO_CONFIG = {
    "model": {"style": "bahdanau", "cell": "gru", "embedding_dim": 64, "hidden_dim": 128,
              "bidirectional": True, "dropout": 0.0, "attention": {"name": "additive"}},
    "data": {"task": "dates", "max_tokens": 4000},
    "train": {"lr": 3e-3, "max_steps": 4000, "eval_every": 150, "eval_sentences": 400, "metric": "exact_match",
              "target_score": 100.0, "patience": None, "schedule": "constant", "clip_norm": 1.0},
}


def _accuracy(run, examples) -> tuple[float, list]:
    result = run.score(examples, DecodeConfig(batch_size=500))
    return result.scores["exact_match"].value, [found[0] for found in result.predictions]


def run_demo(run_dir: Path, *, minutes: float = 2.5, threads: int = 1) -> int:
    started = time.monotonic()
    # One thread by default: this model's operators are small, so a second thread gains little on an
    # idle machine and, on a busy one, costs a scheduler time slice at every operator's barrier.
    torch.set_num_threads(threads)
    config = config_from_dict({**DEMO_CONFIG, "train": {**DEMO_CONFIG["train"], "max_minutes": minutes}}, "demo")
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo: a bidirectional GRU encoder and a GRU decoder with Bahdanau (additive) attention learn\n"
          "to turn dates written in eleven locales into ISO dates, on the CPU, for at most "
          f"{minutes:g} minutes.\nrun directory: {run_dir}\n")
    run, result = train(config, run_dir)
    print(f"\ntrained {result.progress.step} steps in {result.progress.elapsed:.0f} s ({result.stopped_because})")
    from .run import open_run

    run = open_run(run_dir)  # the best checkpoint
    splits = load_splits(config)
    test_score, hypotheses = _accuracy(run, splits["test"])
    long_score, _ = _accuracy(run, splits["long"])
    print(f"test exact match: {test_score:.2f}% of {len(splits['test'])} dates")
    print(f"long exact match: {long_score:.2f}% of {len(splits['long'])} dates longer than any seen in training\n")
    shown = splits["test"][:12]
    for example, hypothesis in zip(shown, hypotheses[:12], strict=True):
        mark = "ok " if hypothesis.text == example["target"] else "ERR"
        print(f"  {mark} {example['source']:40s} -> {hypothesis.text}")
    plots = []
    for i, (example, hypothesis) in enumerate(zip(shown[:4], hypotheses[:4], strict=True)):
        plots.append(plot_alignment(hypothesis.alignment, hypothesis.source_tokens, hypothesis.alignment_labels,
                                    run_dir / "plots" / f"demo-{i}.png",
                                    title=f"{example['source']} → {hypothesis.text}"))
    items = [(h.alignment, h.source_tokens, h.alignment_labels) for h in hypotheses[4:8]]
    plots.append(plot_alignment_grid(items, run_dir / "plots" / "demo-grid.png",
                                     titles=[e["source"] for e in shown[4:8]]))
    print("\nalignment heatmaps (source characters across, output characters down):")
    for path in plots:
        print(f"  {path}")
    print(f"\ndone in {time.monotonic() - started:.0f} s. Next: `attnkit translate {run_dir}`, "
          f"`attnkit plot {run_dir} \"14 March 2021\"`, `attnkit evaluate {run_dir}`")
    return 0


# `attnkit demo [NAME]`: each application's few-minute demo, run(run_dir, minutes=, threads=) -> exit status
DEMOS = {"dates": run_demo, "entailment": run_entailment_demo}
DEMOS["pointer"] = run_pointer_demo  # pointer networks (issue 16): demo_pointer.py
DEMOS["ntm"] = run_ntm_demo  # the Neural Turing Machine (issue 16): demo_ntm.py
DEMOS["speech"] = run_speech_demo  # speech recognition (issue 13): demo_speech.py
DEMOS["captioning"] = run_captioning_demo  # Show, Attend and Tell (issue 12): demo_captioning.py
DEMOS["summarisation"] = run_summarisation_demo  # pointer-generator with coverage (issue 15): demo_summarisation.py
