"""Padded, length-bucketed batches of encoded examples under a token budget.

An example is a pair of id lists `(source_ids, target_ids)` without specials. A `Batch` pads
them into tensors and adds the decoder's BOS/EOS: `target_in = BOS + y` is what the decoder
reads, `target_out = y + EOS` what it must predict. The source gets no specials, so source
position i is source token i (alignments and attention plots index it directly).

Budget: a batch of B examples costs B * (S + T) padded tokens, where S is its longest source and
T = longest target + 1 (the BOS/EOS slot); `make_batches` keeps every batch's cost <= max_tokens,
except that an example over the budget on its own forms a batch by itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch

from attnkit.data.pairs import Pair
from attnkit.data.tokenizers import Tokenizer
from attnkit.data.vocab import BOS, EOS, PAD, Vocabulary


class EncodedPair(NamedTuple):
    """Ids of one example, no specials added. Unpacks as a plain (source, target) tuple."""

    source_ids: list[int]
    target_ids: list[int]


Example = tuple[Sequence[int], Sequence[int]]


@dataclass
class Batch:
    """B examples padded with PAD.

    source (B, S) long, source_lengths (B,) long, target_in (B, T) long = BOS + y,
    target_out (B, T) long = y + EOS, indices (B,) long: each row's position in the list the
    batch was made from.
    """

    source: torch.Tensor
    source_lengths: torch.Tensor
    target_in: torch.Tensor
    target_out: torch.Tensor
    indices: torch.Tensor

    def to(self, device: torch.device | str) -> Batch:
        """A copy with every tensor on `device`."""
        return Batch(
            self.source.to(device),
            self.source_lengths.to(device),
            self.target_in.to(device),
            self.target_out.to(device),
            self.indices.to(device),
        )

    def __len__(self) -> int:
        return self.source.shape[0]

    @property
    def num_target_tokens(self) -> int:
        """Tokens the decoder must predict (non-PAD entries of target_out, EOS included)."""
        return int((self.target_out != PAD).sum())

    @property
    def source_mask(self) -> torch.Tensor:
        """(B, S) bool, True = a real source token (may be attended to)."""
        positions = torch.arange(self.source.shape[1], device=self.source.device)  # (S,)
        return positions[None, :] < self.source_lengths[:, None]  # (B, S)

    @property
    def target_mask(self) -> torch.Tensor:
        """(B, T) bool, True = a real target position (non-PAD in target_out)."""
        return self.target_out != PAD


def collate(examples: Sequence[Example], indices: Sequence[int] | None = None) -> Batch:
    """Pad `examples` into one Batch in the given order; `indices` default to 0..B-1."""
    if not examples:
        raise ValueError("cannot collate an empty list of examples")
    if indices is None:
        indices = range(len(examples))
    batch_size = len(examples)
    max_source = max(1, max(len(src) for src, _ in examples))
    max_target = max(len(tgt) for _, tgt in examples) + 1
    source = torch.full((batch_size, max_source), PAD, dtype=torch.long)
    target_in = torch.full((batch_size, max_target), PAD, dtype=torch.long)
    target_out = torch.full((batch_size, max_target), PAD, dtype=torch.long)
    for row, (src, tgt) in enumerate(examples):
        source[row, : len(src)] = torch.tensor(list(src), dtype=torch.long)
        target_in[row, : len(tgt) + 1] = torch.tensor([BOS, *tgt], dtype=torch.long)
        target_out[row, : len(tgt) + 1] = torch.tensor([*tgt, EOS], dtype=torch.long)
    return Batch(
        source=source,
        source_lengths=torch.tensor([len(src) for src, _ in examples], dtype=torch.long),
        target_in=target_in,
        target_out=target_out,
        indices=torch.tensor(list(indices), dtype=torch.long),
    )


BUCKET_SIDES = ("target", "source")


def batch_cost(batch_size: int, max_source: int, max_target: int) -> int:
    """Padded tokens of a batch: B * (S + T), T counting the BOS/EOS slot."""
    return batch_size * (max_source + max_target + 1)


def _group(order: list[int], examples: Sequence[Example], max_tokens: int, max_sentences: int | None):
    """Cut `order` (already sorted by length) greedily into runs within the budget."""
    groups: list[list[int]] = []
    current: list[int] = []
    longest_source = longest_target = 0
    for i in order:
        src, tgt = examples[i]
        s, t = max(longest_source, len(src)), max(longest_target, len(tgt))
        full = max_sentences is not None and len(current) >= max_sentences
        if current and (full or batch_cost(len(current) + 1, s, t) > max_tokens):
            groups.append(current)
            current, s, t = [], len(src), len(tgt)
        current.append(i)
        longest_source, longest_target = s, t
    if current:
        groups.append(current)
    return groups


def make_batches(
    examples: Sequence[Example],
    max_tokens: int,
    *,
    shuffle: bool,
    seed: int,
    max_sentences: int | None = None,
    bucket_by: str = "target",
) -> list[Batch]:
    """Length-bucketed batches covering every example exactly once.

    Examples are sorted by length, `bucket_by` side first ("target": (target, source) lengths;
    "source": (source, target)), so each batch holds similar lengths and padding stays small on
    that side. Target first is the default for training: a target position costs more than a
    source position (decoder layers plus the output layer over the whole vocabulary), so its
    padding is the one to avoid. With `shuffle`, ties are broken by a seeded random permutation
    and the order of the batches is shuffled, so each seed gives a different but reproducible
    epoch. Without `shuffle`, ties keep input order and batches run shortest first.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if max_sentences is not None and max_sentences < 1:
        raise ValueError(f"max_sentences must be >= 1 or None, got {max_sentences}")
    if bucket_by not in BUCKET_SIDES:
        raise ValueError(f"bucket_by must be one of {list(BUCKET_SIDES)}, got {bucket_by!r}")
    first = 1 if bucket_by == "target" else 0
    rng = random.Random(seed)
    tiebreak = list(range(len(examples)))
    if shuffle:
        rng.shuffle(tiebreak)
    order = sorted(
        range(len(examples)),
        key=lambda i: (len(examples[i][first]), len(examples[i][1 - first]), tiebreak[i]),
    )
    groups = _group(order, examples, max_tokens, max_sentences)
    if shuffle:
        rng.shuffle(groups)
    return [collate([examples[i] for i in group], group) for group in groups]


def encode_pairs(
    pairs: Sequence[Pair],
    source_tokenizer: Tokenizer,
    target_tokenizer: Tokenizer,
    source_vocab: Vocabulary,
    target_vocab: Vocabulary,
) -> list[EncodedPair]:
    """Tokenise and map both sides of each pair to ids (unknown tokens -> UNK, no specials)."""
    return [
        EncodedPair(
            source_vocab.encode(source_tokenizer.encode(pair.source)),
            target_vocab.encode(target_tokenizer.encode(pair.target)),
        )
        for pair in pairs
    ]
