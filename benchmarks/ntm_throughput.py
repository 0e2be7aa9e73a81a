"""Training throughput of the NTM on the copy task, in sequences per second, at batch 1 (as the
public PyTorch NTM trains: the issue's anchor, about 21 sequences/s on this machine) and in
batches: `python benchmarks/ntm_throughput.py [--batches 1,32] [--updates 20] [--length 10]`.

Each measurement times ``updates`` full training updates (forward, bit cross-entropy, backward,
Adam) of the shipped configs/ntm-copy.yaml model on copies of ``length`` 8-bit vectors, on one
CPU thread, after two warm-up updates. Prints one Markdown row per batch size.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from attnkit.config import load_config
from attnkit.data import collate
from attnkit.fields import build_field
from attnkit.models import build_model
from attnkit.tasks import get_task
from attnkit.train.objectives import BitCrossEntropy

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "ntm-copy.yaml"


def measure(batch_size: int, updates: int, length: int) -> float:
    """Sequences per second of ``updates`` training updates on batches of ``batch_size``."""
    config = load_config(CONFIG)
    task = get_task("bit-copy", min_len=length, max_len=length, train_size=batch_size, dev_size=1, test_size=1,
                    long_size=1, length_size=1)
    schema = task.schema()
    fields = {n: build_field(s.kind, **s.options) for n, s in schema.fields.items()}
    torch.manual_seed(0)
    model = build_model(config.model, schema, fields)
    batch = collate(fields, [{n: f.encode(e[n]) for n, f in fields.items()} for e in task.split("train")])
    loss, optimizer = BitCrossEntropy("target"), torch.optim.Adam(model.parameters(), lr=config.train.lr)

    def update() -> None:
        optimizer.zero_grad()
        loss(model(batch, need_weights=False).logits, batch).loss.backward()
        optimizer.step()

    for _ in range(2):
        update()
    started = time.perf_counter()
    for _ in range(updates):
        update()
    return updates * batch_size / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="1,32", help="batch sizes, comma-separated")
    parser.add_argument("--updates", type=int, default=20, help="timed updates per batch size")
    parser.add_argument("--length", type=int, default=10, help="vectors per copy (the input has 2 * length + 1 steps)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("| batch | sequences/s |\n|---:|---:|")
    for size in (int(b) for b in args.batches.split(",")):
        print(f"| {size} | {measure(size, args.updates, args.length):.1f} |")


if __name__ == "__main__":
    main()
