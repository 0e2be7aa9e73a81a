"""Padded, length-bucketed batches of encoded examples, for any fields, under a token budget.

An encoded example is a dict: field name -> what that field's ``encode`` returned. A `Batch`
holds one `Padded` per field (``batch["source"]``, ``batch["image"]``) and each row's position in
the list the batch was made from.

Budget: a batch of B examples costs B * (sum over fields of the longest item's cost), each field
saying what one item costs (tokens for text, the BOS/EOS slot of generated text included; frames;
image patches). `make_batches` keeps every batch's cost <= max_tokens, except that an example over
the budget on its own forms a batch by itself.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from attnkit.fields import Field, FieldError, Padded

Encoded = Mapping[str, Any]


@dataclass
class Batch:
    """B examples: ``parts`` maps each field name to its Padded tensors; ``indices`` (B,) long:
    each row's position in the list the batch was made from."""

    parts: dict[str, Padded]
    indices: torch.Tensor

    def __getitem__(self, name: str) -> Padded:
        return self.parts[name]

    def __contains__(self, name: str) -> bool:
        return name in self.parts

    def __len__(self) -> int:
        return self.indices.shape[0]

    def to(self, device: torch.device | str) -> Batch:
        """A copy with every tensor on ``device``."""
        return Batch({name: part.to(device) for name, part in self.parts.items()}, self.indices.to(device))

    def index_select(self, index: torch.Tensor) -> Batch:
        """Rows in the order ``index`` (B',)."""
        return Batch({name: part.index_select(index) for name, part in self.parts.items()},
                     self.indices.index_select(0, index))


def collate(fields: Mapping[str, Field], examples: Sequence[Encoded], indices: Sequence[int] | None = None) -> Batch:
    """Pad ``examples`` into one Batch in the given order, one Padded per field of ``fields`` that
    the examples hold (a prediction batch has no output part); ``indices`` default to 0..B-1."""
    if not examples:
        raise ValueError("cannot collate an empty list of examples")
    indices = range(len(examples)) if indices is None else indices
    parts = {name: field.collate([e[name] for e in examples]) for name, field in fields.items() if name in examples[0]}
    return Batch(parts, torch.tensor(list(indices), dtype=torch.long))


def _costs(fields: Mapping[str, Field], examples: Sequence[Encoded], order: Sequence[str]) -> list[tuple[int, ...]]:
    """Per example, each field's cost in the order ``order``."""
    chosen = [(name, fields[name]) for name in order]
    return [tuple(field.cost(e[name]) for name, field in chosen) for e in examples]


def _group(order: list[int], costs: Sequence[tuple[int, ...]], max_tokens: int, max_sentences: int | None):
    """Cut ``order`` (already sorted by length) greedily into runs within the budget."""
    groups: list[list[int]] = []
    current: list[int] = []
    longest: tuple[int, ...] = ()
    for i in order:
        grown = tuple(map(max, longest, costs[i])) if current else costs[i]
        full = max_sentences is not None and len(current) >= max_sentences
        if current and (full or (len(current) + 1) * sum(grown) > max_tokens):
            groups.append(current)
            current, grown = [], costs[i]
        current.append(i)
        longest = grown
    if current:
        groups.append(current)
    return groups


def make_batches(
    fields: Mapping[str, Field],
    examples: Sequence[Encoded],
    max_tokens: int,
    *,
    sort_by: Sequence[str],
    shuffle: bool,
    seed: int,
    max_sentences: int | None = None,
    sort: bool = True,
) -> list[Batch]:
    """Length-bucketed batches covering every example exactly once.

    Examples are sorted by their fields' costs in the order ``sort_by`` (every field of
    ``fields`` the examples hold; e.g. target first, then source: each batch holds similar target
    lengths, so decoder padding, the costlier kind, stays small). With ``shuffle``, ties are
    broken by a seeded random permutation and the order of the batches is shuffled, so each seed
    gives a different but reproducible epoch. Without ``shuffle``, ties keep input order and
    batches run shortest first. With ``sort`` False, batches are cut from the (shuffled) input
    order instead, so each mixes lengths; the budget still counts each batch's longest items.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if max_sentences is not None and max_sentences < 1:
        raise ValueError(f"max_sentences must be >= 1 or None, got {max_sentences}")
    unknown = [name for name in sort_by if name not in fields]
    if unknown:
        raise ValueError(f"sort_by names fields {unknown} that are not among {list(fields)}")
    if not examples:
        return []
    present = [name for name in sort_by if name in examples[0]]
    costs = _costs(fields, examples, present)
    rng = random.Random(seed)
    tiebreak = list(range(len(examples)))
    if shuffle:
        rng.shuffle(tiebreak)
    order = sorted(range(len(examples)), key=lambda i: (costs[i], tiebreak[i]) if sort else tiebreak[i])
    groups = _group(order, costs, max_tokens, max_sentences)
    if shuffle:
        rng.shuffle(groups)
    used = {name: fields[name] for name in present}
    return [collate(used, [examples[i] for i in group], group) for group in groups]


def encode_examples(fields: Mapping[str, Field], examples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each example's parts encoded by their fields (parts without a field, e.g. metadata, and
    fields the example lacks, e.g. the output at prediction time, are left out). A part its field
    refuses raises FieldError naming the example's "where" (file:line) when it has one."""
    encoded = []
    for example in examples:
        try:
            encoded.append({name: field.encode(example[name]) for name, field in fields.items() if name in example})
        except FieldError as error:
            if "where" not in example:
                raise
            raise FieldError(f"{example['where']}: {error}") from None
    return encoded
