"""`attnkit demo pointer`: a pointer network learns to sort numbers and to find convex hulls, on
the CPU in a few minutes, and draws its choices step by step.

Two short trainings: sorting 3..8 numbers (tested on 3..8 and on 12 numbers), then the convex hull
of 5..10 planar points (tested on 5..10 and on 20 points). Each prints its scores and writes, for
a few test examples, the points with the pointer's distribution at every step (Pointing.draw).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from .config import DecodeConfig, config_from_dict
from .run import load_splits, open_run, train

POINTER_MODEL = {"type": "pointer", "cell": "lstm", "embedding_dim": 64, "hidden_dim": 64,
                 "attention": {"name": "additive"}}
POINTER_TRAIN = {"lr": 3e-3, "schedule": "constant", "clip_norm": 2.0, "max_steps": 3000, "eval_every": 200,
                 "eval_sentences": 300, "patience": None, "metric": "exact_match"}
SORT_CONFIG = {"model": POINTER_MODEL,
               "data": {"task": "sort_points", "max_tokens": 2000,
                        "task_options": {"min_n": 3, "max_n": 8, "long_min_n": 12, "long_max_n": 12,
                                         "train_size": 20000, "dev_size": 300, "test_size": 500, "long_size": 300}},
               "train": {**POINTER_TRAIN, "target_score": 99.0}}
HULL_CONFIG = {"model": POINTER_MODEL,
               "data": {"task": "hull", "max_tokens": 3000,
                        "task_options": {"min_n": 5, "max_n": 10, "long_min_n": 20, "long_max_n": 20,
                                         "train_size": 20000, "dev_size": 300, "test_size": 500, "long_size": 300}},
               "train": POINTER_TRAIN}
DEMO_TASKS = (("sort", SORT_CONFIG), ("hull", HULL_CONFIG))


def _scores(run, examples) -> str:
    result = run.score(examples, DecodeConfig(batch_size=500))
    return ", ".join(f"{name} {score.value:.1f}" for name, score in result.scores.items())


def run_pointer_demo(run_dir: Path, *, minutes: float = 3.0, threads: int = 1) -> int:
    """Train each task for half of ``minutes`` into run_dir/<task>, score it, draw a few examples."""
    started = time.monotonic()
    torch.set_num_threads(threads)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo pointer: an LSTM pointer network (Vinyals et al. 2015) whose additive attention over the\n"
          f"inputs is its output learns to sort numbers, then to find convex hulls, for at most {minutes:g} minutes.\n")
    plots = []
    for name, base in DEMO_TASKS:
        config = config_from_dict({**base, "train": {**base["train"], "max_minutes": minutes / len(DEMO_TASKS)}},
                                  f"demo pointer {name}")
        directory = run_dir / name
        _, result = train(config, directory)
        print(f"\n{name}: trained {result.progress.step} steps in {result.progress.elapsed:.0f} s "
              f"({result.stopped_because})")
        run = open_run(directory)
        splits = load_splits(config)
        print(f"  test (n as trained): {_scores(run, splits['test'])}")
        print(f"  long (larger n):     {_scores(run, splits['long'])}")
        shown = splits["test"][:3] + splits["long"][:1]
        for i, (example, found) in enumerate(zip(shown, run.predict(shown), strict=True)):
            mark = "ok " if found.positions == example["target"] else "ERR"
            print(f"  {mark} n = {len(example['points'])}: {found.text} (reference {example['target']})")
            plots.append(found.draw(directory / "plots" / f"demo-{i}.png",
                                    title=f"{name}, n = {len(example['points'])}: {found.text}"))
    print("\nthe points and the pointer's distribution at every step:")
    for path in plots:
        print(f"  {path}")
    print(f"\ndone in {time.monotonic() - started:.0f} s. "
          f"Next: `attnkit evaluate {run_dir / 'hull'} --split test,long`")
    return 0
