"""`attnkit demo summarisation`: a pointer-generator with coverage (See et al. 2017) learns to write
the one-line summary of generated software package descriptions, on the CPU in a few minutes,
and shows which words it copied.

The data is the embedded ``package-summaries`` task (it ships as code). The vocabulary is cut to
the 150 most frequent words, so the invented package names (most of them seen once or never)
are unknown words: only copying can write "python bindings for zorbix". Prints ROUGE on the test
split and on the longer 'long' split against the lead baseline, summaries with their copied
words [in brackets], and writes each one's alignment with p_gen beside it (Translation.draw).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from .config import DecodeConfig, config_from_dict
from .metrics import compute
from .run import load_splits, open_run, train

SUMMARY_CONFIG = {
    "model": {"type": "pointer_generator", "copy": True, "coverage_loss": True, "cell": "lstm", "embedding_dim": 32,
              "hidden_dim": 64, "dropout": 0.0, "attention": {"name": "coverage"}},
    "data": {"task": "package-summaries", "vocab_size": 150, "max_tokens": 3000,
             "task_options": {"train_size": 4000, "dev_size": 200, "test_size": 300, "long_size": 200}},
    "train": {"lr": 3e-3, "max_steps": 3000, "eval_every": 100, "eval_sentences": 200, "metric": "rouge_l",
              "target_score": 99.0, "patience": None, "clip_norm": 2.0},
    "decode": {"beam_size": 4, "no_repeat_ngram": 3},
}
SHOWN = 8


def marked(prediction) -> str:
    """The summary with each mostly copied word (p_gen < 0.5) in brackets."""
    gates = prediction.gates.tolist()
    return " ".join(f"[{word}]" if gate < 0.5 else word for word, gate in zip(prediction.tokens, gates, strict=False))


def _rouge(hypotheses: list[str], examples: list[dict]) -> str:
    references = [e["target"] for e in examples]
    return ", ".join(f"{name} {compute(name, hypotheses, references).value:.1f}"
                     for name in ("rouge1", "rouge2", "rouge_l", "repeated_trigrams"))


def run_summarisation_demo(run_dir: Path, *, minutes: float = 2.0, threads: int = 1) -> int:
    started = time.monotonic()
    torch.set_num_threads(threads)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    print("attnkit demo summarisation: a pointer-generator (See et al. 2017) with coverage attention learns to\n"
          "summarise generated package descriptions in one line; names outside its 150-word vocabulary can only\n"
          f"be copied. At most {minutes:g} minutes on the CPU.\nrun directory: {run_dir}\n")
    config = config_from_dict({**SUMMARY_CONFIG, "train": {**SUMMARY_CONFIG["train"], "max_minutes": minutes}},
                              "demo summarisation")
    _, result = train(config, run_dir)
    print(f"\ntrained {result.progress.step} steps in {result.progress.elapsed:.0f} s ({result.stopped_because})")
    run = open_run(run_dir)
    splits = load_splits(config)
    decode = DecodeConfig(beam_size=4, no_repeat_ngram=3, batch_size=100)
    for split in ("test", "long"):
        examples = splits[split]
        found = [p[0] for p in run.predict(examples, decode)]
        lead = [" ".join(e["source"].split()[:4]) for e in examples]
        print(f"{split} ({len(examples)} descriptions): model {_rouge([f.text for f in found], examples)}")
        print(f"{' ' * len(split)}   lead-4 baseline {_rouge(lead, examples)}")
    examples = splits["test"][:SHOWN]
    found = [p[0] for p in run.predict(examples, decode)]
    print("\nsummaries ([copied]: p_gen < 0.5, taken from the description's words):")
    plots = []
    for i, (example, prediction) in enumerate(zip(examples, found, strict=True)):
        mark = "ok " if prediction.text == example["target"] else "   "
        name = example["copied"]
        named = example["target"].endswith(name) and name not in run.output_field.vocab
        unknown = f"  ({name} is not in the vocabulary)" if named else ""
        print(f"  {mark} {marked(prediction)}{unknown}")
        if i < 3:
            plots.append(prediction.draw(run_dir / "plots" / f"demo-{i}.png", title=prediction.text))
    print("\nalignments with p_gen beside each output word (copied words marked):")
    for path in plots:
        print(f"  {path}")
    print(f"\ndone in {time.monotonic() - started:.0f} s. Next: `attnkit plot {run_dir} \"<a description>\"`, "
          f"`attnkit evaluate {run_dir} --split test,long`, `attnkit report {run_dir}`")
    return 0
