"""`attnkit demo captioning`: Show, Attend and Tell on canvases of handwritten digits, on the CPU
in a few minutes, with one overlay per word of what the model looked at.

One training of the soft-attention captioner (configs/digits-captions-soft.yaml's settings) for
at most ``minutes``; then the test and long scores by number of digits (exact match, BLEU-1..4,
pointing), a few captions, and for a few test canvases the per-word overlays (Caption.draw) and
the HTML report, whose viewer shows each word's map over its image.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from .captioning import caption_rows, markdown
from .config import config_from_dict
from .run import load_splits, open_run, train

CAPTION_CONFIG = {
    "model": {"type": "show_attend_tell", "channels": 16, "blocks": 2, "norm": "batch", "grid_height": 3,
              "grid_width": 12, "annotation_dim": 64, "embedding_dim": 32, "hidden_dim": 128, "dropout": 0.1,
              "max_caption_length": 10, "attention": {"name": "additive"}},
    "data": {"task": "digits-captions", "max_tokens": 1500, "bucket_by": "none",
             "task_options": {"dev_size": 300, "test_size": 300, "long_size": 100}},
    "train": {"lr": 0.002, "max_steps": 3000, "eval_every": 200, "eval_sentences": 300, "patience": None,
              "metric": "exact_match", "target_score": 99.0, "progress": False},
}
SHOWN = 4  # test canvases drawn word by word


def run_captioning_demo(run_dir: Path, *, minutes: float = 3.0, threads: int = 1,
                        overrides: dict | None = None) -> int:
    """Train for ``minutes`` into run_dir, score test and long by digits, draw a few captions.
    ``overrides`` (tests) replace entries of CAPTION_CONFIG's sections."""
    from .report import write_report

    started = time.monotonic()
    torch.set_num_threads(threads)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo captioning: a CNN grid and an LSTM with soft attention (Xu et al. 2015) learn to read\n"
          f"1-3 handwritten digits left to right, for at most {minutes:g} minutes.\n")
    sections = {name: {**part, **(overrides or {}).get(name, {})} for name, part in CAPTION_CONFIG.items()}
    sections["train"]["max_minutes"] = minutes
    config = config_from_dict(sections, "demo captioning")
    _, result = train(config, run_dir)
    print(f"\ntrained {result.progress.step} steps in {result.progress.elapsed:.0f} s ({result.stopped_because})")
    run = open_run(run_dir)
    splits = load_splits(config)
    for split in ("test", "long"):
        print(f"\n{split}:\n{markdown(caption_rows(run, splits[split]))}")
    shown = sorted(splits["test"], key=lambda e: -len(e["boxes"]))[:SHOWN - 1] + splits["long"][:1]
    print()
    plots = []
    for i, (example, found) in enumerate(zip(shown, run.predict(shown), strict=True)):
        caption = found[0]
        mark = "ok " if caption.text == example["caption"] else "ERR"
        print(f"  {mark} {caption.text:30s} (reference: {example['caption']})")
        plots.append(caption.draw(run_dir / "plots" / f"demo-{i}.png", title=f"{caption.text}"))
    report = write_report(run_dir, examples=8)
    print("\neach word's attention over its canvas:")
    for path in plots:
        print(f"  {path}")
    print(f"  {report}  (hover a word to see its map)")
    print(f"\ndone in {time.monotonic() - started:.0f} s. Next: `attnkit caption {run_dir} IMAGE.png`, "
          f"`attnkit plot {run_dir} IMAGE.png`, `python -m attnkit.captioning {run_dir} test long`")
    return 0
