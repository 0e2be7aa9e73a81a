"""The positions field: a sequence of indices into another part of the example, in order (the
points a pointer network outputs: a convex hull, a tour, a sorted order; Vinyals et al. 2015).

An item is a sequence of 0-based integer indices into the field named by ``of``. Collated, the
pointer targets are 1-based and 0 = end of output: index p is stored as p + 1, so a model scores
an end key at key index 0 before the real keys (keys 1..S are the S pointed-into positions) and
every batch uses the same end index whatever its lengths.

    data    (B, T) long: p + 1 for each index, then 0 (the end) when ``end``; -100 beyond
            (torch's ignore_index, so cross-entropy skips padding without a mask)
    inputs  (B, T) long: the teacher-forced decoder input, 0 (the start, read from the same
            key 0) then the previous targets p + 1; padded with 0, a valid key index, so a
            gather over the keys never fails (the mask hides it)
    lengths (B,) the item's length, + 1 for the end when ``end``; mask (B, T) True = real

``decode`` turns a collated or predicted row back into the 0-based indices. That an index lies
inside the pointed-into item is checked where both are known (the task), not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .base import Field, FieldError, Padded, lengths_mask

POINTER_END = 0  # target (and start input) index of the end key, before the real keys
IGNORE_INDEX = -100  # padding of ``data``: torch.nn.functional.cross_entropy's default ignore_index


def _index(value: Any, position: int) -> int:
    """One raw index -> int, refusing non-integers and negative numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise FieldError(f"a positions item holds integer indices; item position {position} is {value!r} "
                         f"({type(value).__name__})")
    if value < 0:
        raise FieldError(f"a positions item holds 0-based indices >= 0; item position {position} is {value}")
    return int(value)


class PositionsField(Field):
    """Indices into the field ``of`` -> 1-based pointer targets with an end marker 0 (module
    docstring). ``of``: the name of the pointed-into field (stored for models and predictors);
    ``end``: append the end-of-output target, so a model learns when to stop; ``distinct``: an
    item names each position at most once (a hull, a tour, a sorted order), so a pointer may mask
    the positions it already chose; ``complete``: an item names every position (a tour, a
    permutation), so the end is allowed only once all are chosen."""

    kind = "positions"

    def __init__(self, of: str, end: bool = True, distinct: bool = False, complete: bool = False) -> None:
        if not isinstance(of, str) or not of:
            raise FieldError(f"a positions field's 'of' option names the field its indices point into; got {of!r}")
        for name, value in (("end", end), ("distinct", distinct), ("complete", complete)):
            if not isinstance(value, bool):
                raise FieldError(f"a positions field's {name!r} option must be true or false; got {value!r}")
        if complete and not distinct:
            raise FieldError("a positions field with complete: true names every position once, so it needs "
                             "distinct: true too")
        self.of, self.end, self.distinct, self.complete = of, end, distinct, complete

    def options(self) -> dict[str, Any]:
        return {"of": self.of, "end": self.end, "distinct": self.distinct, "complete": self.complete}

    def encode(self, item: Any) -> list[int]:
        """A sequence of 0-based indices -> list[int], unchanged (the shift happens in collate)."""
        if isinstance(item, (torch.Tensor, np.ndarray)):
            item = item.tolist()
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence):
            raise FieldError(f"a positions item must be a sequence of integer indices; got {type(item).__name__}")
        return [_index(value, position) for position, value in enumerate(item)]

    def decode(self, row: Sequence[int] | torch.Tensor) -> list[int]:
        """A collated or predicted row of 1-based targets -> the 0-based indices, stopping at the
        end marker 0 (or at padding, for a row without one)."""
        indices = []
        for value in row.tolist() if isinstance(row, torch.Tensor) else row:
            if int(value) <= POINTER_END:
                break
            indices.append(int(value) - 1)
        return indices

    def collate(self, encoded: Sequence[Sequence[int]]) -> Padded:
        """data (B, T) = y + 1 (+ end 0), inputs (B, T) = start 0 + the previous targets,
        T = longest item (+ 1 with ``end``), at least 1."""
        if not encoded:
            raise ValueError("cannot collate an empty list of items")
        lengths = torch.tensor([self.cost(indices) for indices in encoded], dtype=torch.long)
        width = max(1, int(lengths.max()))
        data = torch.full((len(encoded), width), IGNORE_INDEX, dtype=torch.long)
        inputs = torch.full((len(encoded), width), POINTER_END, dtype=torch.long)
        for row, (indices, length) in enumerate(zip(encoded, lengths.tolist(), strict=True)):
            targets = [index + 1 for index in indices] + ([POINTER_END] if self.end else [])
            data[row, :length] = torch.tensor(targets, dtype=torch.long)
            inputs[row, :length] = torch.tensor([POINTER_END, *targets][:length], dtype=torch.long)
        return Padded(data, lengths, lengths_mask(lengths, width), inputs)

    def cost(self, encoded: Sequence[int]) -> int:
        return len(encoded) + 1 if self.end else len(encoded)

    def labels(self, encoded: Sequence[int]) -> list[str]:
        """The indices themselves ("3", "0", ...), 0-based as in the raw item."""
        return [str(index) for index in encoded]

    def describe(self) -> str:
        return f"positions (into {self.of!r}{', with an end marker' if self.end else ''})"
