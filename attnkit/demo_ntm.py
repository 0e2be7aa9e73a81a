"""`attnkit demo ntm`: a Neural Turing Machine learns to copy bit sequences in a few minutes on a
CPU, is tested on sequences longer than any it trained on, and draws its read and write
weightings over time (Graves et al. 2014, Fig. 6)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from .config import DecodeConfig, config_from_dict
from .run import load_splits, open_run, train

NTM_DEMO_CONFIG = {
    "model": {"type": "ntm", "controller": "lstm", "controller_dim": 100, "memory_slots": 128, "memory_width": 20},
    "data": {"task": "bit-copy", "task_options": {"train_size": 40000, "test_lengths": "20,40,60"},
             "max_tokens": 1000000, "max_sentences": 32, "bucket_by": "source"},
    "train": {"lr": 3e-3, "clip_norm": 10.0, "max_steps": 100000, "eval_every": 200, "eval_sentences": 200,
              "metric": "bit_errors", "target_score": 0.0, "patience": None},
}


def run_ntm_demo(run_dir: Path, *, minutes: float = 2.5, threads: int = 1) -> int:
    started = time.monotonic()
    torch.set_num_threads(threads)
    config = config_from_dict({**NTM_DEMO_CONFIG, "train": {**NTM_DEMO_CONFIG["train"], "max_minutes": minutes}},
                              "demo ntm")
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo ntm: a Neural Turing Machine (LSTM controller, 128 x 20 memory, one read and one write\n"
          "head) learns to copy sequences of 1..20 random 8-bit vectors, on the CPU, for at most "
          f"{minutes:g} minutes.\nrun directory: {run_dir}\n")
    _, result = train(config, run_dir)
    print(f"\ntrained {result.progress.step} steps in {result.progress.elapsed:.0f} s ({result.stopped_because})")
    run = open_run(run_dir)  # the best checkpoint
    splits = load_splits(config)
    decode = DecodeConfig(batch_size=100)
    for split in ("test", "len20", "len40", "len60"):
        score = run.score(splits[split], decode).scores["bit_errors"].value
        print(f"{split:>6}: {score:6.2f} bit errors per sequence ({len(splits[split])} sequences)")
    paths = []
    for split in ("test", "len40"):
        example = splits[split][0]
        prediction = run.predict([example], decode)[0]
        paths.append(prediction.draw(run_dir / "plots" / f"demo-ntm-{split}.png",
                                     title=f"copy of {example['length']} vectors: "
                                           f"{'right' if prediction.text == example['target'] else 'wrong'}"))
    print("\ninputs, outputs and the write and read weightings over time (memory locations down, time across):")
    for path in paths:
        print(f"  {path}")
    print(f"\ndone in {time.monotonic() - started:.0f} s. Next: `attnkit evaluate {run_dir} --split len60`, "
          f"`attnkit plot {run_dir} \"01100110 10011001 | - -\"`")
    return 0
