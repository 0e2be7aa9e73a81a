"""`attnkit demo speech`: location-aware attention (Chorowski et al. 2015) learns to recognise digit
strings spoken by espeak-ng voices, on the CPU in a few minutes, and draws where it listened.

Synthesises the embedded ``spoken-digits`` task (once; cached under $ATTNKIT_CACHE), trains the
``listener`` family (a pyramidal BiLSTM over log-mel frames, an LSTM decoder with location-aware
attention writing characters, decoded with Chorowski's window of 4 encoder states), reports CER
and WER on the test split (1..5 digits, as in training) and on utterances made twice as long by
joining two test utterances, prints a few transcripts and writes each one's alignment over its
spectrogram.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import torch

from .config import config_from_dict
from .run import load_splits, open_run, train

DEMO_CONFIG = {
    "model": {"type": "listener", "cell": "lstm", "levels": 3, "hidden_dim": 64, "embedding_dim": 32,
              "dropout": 0.1, "decode_window": 4, "attention": {"name": "location_aware",
                                            "options": {"attention_dim": 64, "channels": 10, "kernel_size": 15}}},
    "data": {"task": "spoken-digits", "max_len": 1000, "max_tokens": 3000,
             "task_options": {"train_size": 1500, "dev_size": 100, "test_size": 100, "long_size": 20,
                              "length_size": 20}},
    "decode": {"max_input_tokens": 6000, "max_length_ratio": 0.5},
    "train": {"lr": 3e-3, "max_steps": 2000, "eval_every": 100, "eval_sentences": 100, "metric": "cer",
              "target_score": 1.0, "patience": None, "clip_norm": 1.0},
}
SHOWN = (("test", "1..5 digits, as in training"), ("concat-2x", "two test utterances joined"))


def run_speech_demo(run_dir: Path, *, minutes: float = 2.5, threads: int = 1) -> int:
    started = time.monotonic()
    torch.set_num_threads(threads)
    config = config_from_dict({**DEMO_CONFIG, "train": {**DEMO_CONFIG["train"], "max_minutes": minutes}}, "demo")
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo speech: a pyramidal BiLSTM listens to log-mel frames of digit strings spoken by espeak-ng\n"
          "voices, and an LSTM decoder with location-aware attention spells them out character by character, for\n"
          f"at most {minutes:g} minutes of training (the utterances are synthesised first, once).\n"
          f"run directory: {run_dir}\n")
    splits = load_splits(config)  # synthesises (or reads the cache) before the clock of training starts
    print(f"{sum(len(s) for s in splits.values())} utterances ready after {time.monotonic() - started:.0f} s")
    _, result = train(config, run_dir)
    print(f"\ntrained {result.progress.step} steps in {result.progress.elapsed:.0f} s ({result.stopped_because})")
    run = open_run(run_dir)  # the best checkpoint
    decode = replace(run.config.decode, batch_size=100)
    shown = {}
    for split, what in SHOWN:
        scored = run.score(splits[split], decode)
        print(f"{split}: CER {scored.scores['cer'].value:.1f}%, WER {scored.scores['wer'].value:.1f}% "
              f"({len(splits[split])} utterances: {what})")
        shown[split] = scored.predictions
    print()
    plots = []
    for split, _ in SHOWN:
        for i, (example, found) in enumerate(zip(splits[split][:3], shown[split][:3], strict=True)):
            best = found[0]
            mark = "ok " if best.text == example["text"] else "ERR"
            print(f"  {mark} {example['voice']:22s} {example['text']}\n      {'':22s} {best.text}")
            plots.append(best.draw(run_dir / "plots" / f"speech-{split}-{i}.png",
                                   title=f"{example['voice']}: {example['text']} → {best.text}"))
    print("\nalignments over the spectrograms (output characters down, time across, the log-mel spectrogram "
          "beneath):")
    for path in plots:
        print(f"  {path}")
    print(f"\ndone in {time.monotonic() - started:.0f} s. Next: `attnkit transcribe {run_dir} a.wav`, "
          f"`attnkit plot {run_dir} a.wav`, `attnkit evaluate {run_dir} --split test,concat-10x`")
    return 0
