"""Test helpers for the text -> text pipeline: batches of raw id lists and text models of given
vocabulary sizes, without fitting tokenizers (the fields' collate needs no vocabulary)."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from attnkit.config import config_from_dict, model_config
from attnkit.data import Batch, collate
from attnkit.decode import make_predictor, predict_all
from attnkit.fields import EOS, Padded, TextField, lengths_mask
from attnkit.models import build_model
from attnkit.tasks import text_to_text

SCHEMA = text_to_text("word")
FIELDS = {"source": TextField("word"), "target": TextField("word", generated=True)}


def text_batch(examples, indices=None):
    """(source ids, target ids) pairs -> a Batch with "source" and "target" parts; a pair whose
    target is None gives an input-only batch."""
    encoded = [{"source": list(s)} if t is None else {"source": list(s), "target": list(t)} for s, t in examples]
    return collate(FIELDS, encoded, indices)


def source_batch(sources):
    """Input-only batch of source id lists (for decoding)."""
    return collate(FIELDS, [{"source": list(s)} for s in sources])


def tensor_batch(source, lengths, target_in=None):
    """A Batch from padded tensors: source (B, S) ids with lengths (B,), and optionally the decoder
    input target_in (B, T), every position real (its data: target_in shifted left, EOS last)."""
    parts = {"source": Padded(source, lengths, lengths_mask(lengths, source.shape[1]))}
    if target_in is not None:
        rows, width = target_in.shape
        data = torch.cat([target_in[:, 1:], torch.full((rows, 1), EOS, dtype=target_in.dtype)], dim=1)
        parts["target"] = Padded(data, torch.full((rows,), width, dtype=torch.long),
                                 torch.ones(rows, width, dtype=torch.bool), target_in)
    return Batch(parts, torch.arange(source.shape[0]))


def text_model(options, source_vocab: int, target_vocab: int):
    """build_model for a text -> text family with the given vocabulary sizes."""
    if isinstance(options, dict):
        options = model_config(**options)
    sizes = {"source": SimpleNamespace(size=source_vocab, kind="text"),
             "target": SimpleNamespace(size=target_vocab, kind="text")}
    return build_model(options, SCHEMA, sizes)


def decode_sources(model, sources, decode):
    """Source id lists decoded with the ``decode`` settings in length-sorted batches, as a data
    set is decoded; per source in input order, its n-best hypotheses."""
    return predict_all(model, make_predictor(SCHEMA, decode), FIELDS, [{"source": list(s)} for s in sources],
                       sort_by="source", batch_size=decode.batch_size, precision=decode.precision)


def tiny_copy_config(dropout: float = 0.3, **train_options):
    """A copy task small enough to train 20 steps in a second, an evaluation every 5; dropout > 0
    so that the RNG state matters for an exact resume, several batches per epoch so that resume
    lands mid-epoch. ``train_options`` override the train section."""
    return config_from_dict({
        "model": {"style": "bahdanau", "cell": "gru", "embedding_dim": 8, "hidden_dim": 16, "dropout": dropout,
                  "attention": {"name": "additive"}},
        "data": {"task": "copy", "max_tokens": 60,
                 "task_options": {"vocab_size": 6, "min_len": 2, "max_len": 5, "train_size": 48, "dev_size": 8,
                                  "test_size": 8, "long_size": 4}},
        "train": {"max_steps": 20, "eval_every": 5, "eval_sentences": 8, "progress": False, "threads": 1,
                  "seed": 3, "patience": None, **train_options},
    }, "test")
