"""Decode many sources: batch them by length, search, and return results in input order."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..config import DecodeConfig
from ..data import collate
from ..precision import autocast
from .search import Hypothesis, beam_search, greedy_search, max_output_length


def decode_all(model, sources: Sequence[Sequence[int]], config: DecodeConfig,
               device: torch.device | str = "cpu") -> list[list[Hypothesis]]:
    """sources: id lists (no specials). Returns, per source in input order, up to n_best
    hypotheses (greedy search when beam_size is 1)."""
    was_training = model.training
    model.eval()
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    results: list[list[Hypothesis] | None] = [None] * len(sources)
    for start in range(0, len(order), config.batch_size):
        chunk = order[start:start + config.batch_size]
        batch = collate([(sources[i], []) for i in chunk], chunk).to(device)
        max_len = max_output_length(batch.source_lengths, config.max_length_ratio, config.max_length_extra)
        with autocast(device, config.precision):
            if config.beam_size == 1:
                found = greedy_search(model, batch.source, batch.source_lengths, max_len=max_len)
            else:
                found = beam_search(model, batch.source, batch.source_lengths, beam_size=config.beam_size,
                                    max_len=max_len, length_penalty=config.length_penalty,
                                    n_best=config.n_best, early_stop=config.early_stop)
        for i, hypotheses in zip(chunk, found, strict=True):
            results[i] = hypotheses
    model.train(was_training)
    return results
