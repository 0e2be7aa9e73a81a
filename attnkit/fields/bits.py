"""The bits field: a sequence of binary vectors with marker channels, as the Neural Turing
Machine tasks (copy, repeat copy, associative recall; Graves et al. 2014 §4) feed and expect.

A raw item is text, one step per space-separated word:

    0110 1001 | - -        two 4-bit vectors, the delimiter "|", two answer slots
    0110 1001 #2           ... then the marker "#" carrying the value 2 (a repeat count)

- a word of ``width`` characters 0/1 is a bit vector;
- a marker character from ``markers`` switches on that marker's channel: 1, or the number
  written after it divided by ``value_scale`` ("#2" with value_scale 10: 0.2);
- with ``answer_slots``, "-" is a step where the model is to answer: every data and marker
  channel is 0 and the last channel, the answer channel, is 1.

Channels of a step: the ``width`` bits, then one per marker, then (with ``answer_slots``) the
answer channel. Collates to data (B, L, C) float32, zero padding, lengths (B,), mask (B, L).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .base import Field, FieldError, Padded, lengths_mask

ANSWER = "-"


class BitsField(Field):
    """Sequences of ``width``-bit vectors plus one channel per marker (and the answer channel)."""

    kind = "bits"

    def __init__(self, width: int = 8, markers: str = "", answer_slots: bool = False,
                 value_scale: float = 1.0) -> None:
        if not isinstance(width, int) or width < 1:
            raise FieldError(f"bits width must be a positive integer; got {width!r}")
        bad = [m for m in markers if m in "01-. " or m.isdigit() or markers.count(m) > 1]
        if bad:
            raise FieldError(f"bits markers must be distinct characters other than 0, 1, digits, '-', '.' and space; "
                             f"got {markers!r}")
        if value_scale <= 0:
            raise FieldError(f"bits value_scale must be positive; got {value_scale!r}")
        self.width, self.markers, self.answer_slots, self.value_scale = width, markers, answer_slots, value_scale

    @property
    def channels(self) -> int:
        """C: bits, markers, and the answer channel when there is one."""
        return self.width + len(self.markers) + int(self.answer_slots)

    @property
    def answer_channel(self) -> int | None:
        """The index of the answer channel, or None without answer slots."""
        return self.channels - 1 if self.answer_slots else None

    def options(self) -> dict[str, Any]:
        return {"width": self.width, "markers": self.markers, "answer_slots": self.answer_slots,
                "value_scale": self.value_scale}

    # ---- items -----------------------------------------------------------------------------

    def _step(self, word: str, index: int) -> list[float]:
        row = [0.0] * self.channels
        if len(word) == self.width and set(word) <= {"0", "1"}:
            row[: self.width] = [float(c) for c in word]
        elif word == ANSWER and self.answer_slots:
            row[-1] = 1.0
        elif word[0] in self.markers:
            try:
                value = float(word[1:]) / self.value_scale if len(word) > 1 else 1.0
            except ValueError:
                raise FieldError(f"bits step {index + 1} {word!r}: a marker may be followed only by a number") from None
            row[self.width + self.markers.index(word[0])] = value
        else:
            slots = f", {ANSWER!r} (an answer slot)" if self.answer_slots else ""
            marks = f", a marker of {self.markers!r}" if self.markers else ""
            raise FieldError(f"bits step {index + 1} {word!r} is not {self.width} characters of 0/1{marks}{slots}")
        return row

    def encode(self, item: Any) -> torch.Tensor:
        if not isinstance(item, str) or not item.split():
            raise FieldError(f"a bits item must be a non-empty string of steps (e.g. '0110 1001'); got {item!r}")
        return torch.tensor([self._step(word, i) for i, word in enumerate(item.split())],
                            dtype=torch.float32)  # (L, C)

    def decode(self, bits: torch.Tensor) -> str:
        """0/1 steps (L, C) -> the item's text: a step whose only channel on is a marker's is that
        marker; any other step is written as its ``width`` bits."""
        words = []
        for row in bits.round().long().tolist():
            data, marks = row[: self.width], row[self.width: self.width + len(self.markers)]
            on = [m for m, v in zip(self.markers, marks, strict=True) if v]
            words.append(on[0] if len(on) == 1 and not any(data) else "".join(str(min(max(b, 0), 1)) for b in data))
        return " ".join(words)

    def answer_count(self, item: str) -> int:
        """How many answer slots ("-") a raw item has."""
        return sum(word == ANSWER for word in item.split())

    def parse_input(self, text: str) -> str:
        self.encode(text)  # refuse a malformed argument here, naming the step at fault
        return text

    # ---- batches -------------------------------------------------------------------------

    def collate(self, encoded: Sequence[torch.Tensor]) -> Padded:
        if not encoded:
            raise ValueError("cannot collate an empty list of items")
        lengths = torch.tensor([len(x) for x in encoded], dtype=torch.long)
        width = int(lengths.max())
        data = torch.zeros(len(encoded), width, self.channels)  # (B, L, C)
        for row, steps in enumerate(encoded):
            data[row, : len(steps)] = steps
        return Padded(data, lengths, lengths_mask(lengths, width))

    def cost(self, encoded: torch.Tensor) -> int:
        return len(encoded)

    def labels(self, encoded: torch.Tensor) -> list[str]:
        return self.decode_steps(encoded)

    def decode_steps(self, encoded: torch.Tensor) -> list[str]:
        """One label per step of an encoded item (its bits, its marker, or '-' for a slot)."""
        labels = []
        for row in encoded:
            if self.answer_slots and row[-1] > 0:
                labels.append(ANSWER)
                continue
            marks = [m for m, v in zip(self.markers, row[self.width: self.width + len(self.markers)], strict=True)
                     if v != 0]
            labels.append(marks[0] if marks else "".join(str(int(b)) for b in row[: self.width].round().tolist()))
        return labels

    def describe(self) -> str:
        extras = (f", markers {self.markers!r}" if self.markers else "") + (
            ", answer slots" if self.answer_slots else "")
        return f"bits ({self.width} bits{extras}: {self.channels} channels)"
