"""Incremental decoding with key/value caches vs recomputing the decoder over the prefix (issue 5).

    .venv/bin/python benchmarks/decode.py [--tokens 100] [--threads 2] [--repeats 5]

A Transformer (2+2 layers, d_model 256, 4 heads, ff 1024) decodes `--tokens` tokens greedily for a
batch of sources, once stepping with its caches (``model.step``) and once recomputing the whole
decoder over the prefix at every step (``model.decode_full``). Both must produce the same tokens;
the two are timed in turn, several rounds, and the medians compared.
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import torch
from measure import interleaved_medians

from attnkit.config import model_config
from attnkit.data import collate
from attnkit.fields import BOS, TextField
from attnkit.models import build_model
from attnkit.tasks import text_to_text


def source_batch(source: torch.Tensor):
    """source ids (B, S) -> the input Batch the model encodes."""
    return collate({"source": TextField("word")}, [{"source": row.tolist()} for row in source])


@torch.inference_mode()
def cached(model, source, lengths, tokens: int) -> torch.Tensor:
    memory = model.encode(source_batch(source))
    state, previous = model.start(memory), torch.full((source.shape[0],), BOS)
    out = torch.empty(source.shape[0], tokens, dtype=torch.long)  # preallocated, no per-step lists
    for t in range(tokens):
        step = model.step(previous, state, memory)
        state, previous = step.state, step.logits.argmax(-1)
        out[:, t] = previous
    return out


@torch.inference_mode()
def recomputed(model, source, lengths, tokens: int) -> torch.Tensor:
    memory = model.encode(source_batch(source))
    prefix = torch.full((source.shape[0], tokens + 1), BOS)
    for t in range(tokens):
        logits, _, _ = model.decode_full(prefix[:, :t + 1], memory)
        prefix[:, t + 1] = logits[:, -1].argmax(-1)
    return prefix[:, 1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = model_config(type="transformer", hidden_dim=256, num_heads=4, ff_dim=1024, encoder_layers=2,
                          decoder_layers=2, dropout=0.0, max_positions=max(args.tokens, 30) + 2)
    vocab = SimpleNamespace(size=1000)
    model = build_model(config, text_to_text("word"), {"source": vocab, "target": vocab}).eval()
    source = torch.randint(4, 1000, (args.batch, 30))
    lengths = torch.full((args.batch,), 30)
    assert torch.equal(cached(model, source, lengths, args.tokens), recomputed(model, source, lengths, args.tokens))
    medians = interleaved_medians({name: (lambda fn=fn: fn(model, source, lengths, args.tokens))
                                   for name, fn in (("cached", cached), ("recomputed", recomputed))},
                                  args.repeats, min_sample_s=0.0)
    cached_s, recomputed_s = medians["cached"], medians["recomputed"]
    print(f"| decoding {args.tokens} tokens, batch {args.batch}, {args.threads} threads | median s |")
    print("|---|---|")
    print(f"| key/value caches (model.step) | {cached_s:.3f} |")
    print(f"| recompute the prefix (model.decode_full) | {recomputed_s:.3f} |")
    print(f"| speed-up | {recomputed_s / cached_s:.2f}x |")


if __name__ == "__main__":
    main()
