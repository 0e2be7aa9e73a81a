"""The label field: one class name per example (entailment, a classifier's answer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .base import Field, FieldError, Padded


class LabelField(Field):
    """A class vocabulary fitted on the training labels, in sorted order (so ids never depend on
    the order of the data). data (B,) long ids; lengths all 1; mask (B, 1) all True."""

    kind = "label"

    def __init__(self) -> None:
        self.classes: list[str] = []

    def fit(self, items: Sequence[str]) -> None:
        self.classes = sorted({str(item) for item in items})
        if not self.classes:
            raise FieldError("a label field needs at least one training label")

    def save_state(self, directory) -> dict[str, Any]:
        return {"classes": self.classes}

    def load_state(self, directory, state: dict[str, Any]) -> None:
        classes = state.get("classes")
        if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
            raise FieldError(f"{directory}: a label field's state must list its classes; got {classes!r}")
        self.classes = classes

    def encode(self, item: Any) -> int:
        try:
            return self.classes.index(str(item))
        except ValueError:
            raise FieldError(f"unknown label {item!r}; the labels seen in training are: "
                             f"{', '.join(self.classes)}") from None

    def decode(self, index: int) -> str:
        return self.classes[int(index)]

    def collate(self, encoded: Sequence[int]) -> Padded:
        if not encoded:
            raise ValueError("cannot collate an empty list of items")
        batch = len(encoded)
        return Padded(torch.tensor(list(encoded), dtype=torch.long), torch.ones(batch, dtype=torch.long),
                      torch.ones(batch, 1, dtype=torch.bool))

    def cost(self, encoded: int) -> int:
        return 1

    def labels(self, encoded: int) -> list[str]:
        return [self.decode(encoded)]

    @property
    def size(self) -> int:
        return len(self.classes)

    def parse_input(self, text: str) -> str:
        """The argument is the label's name."""
        return text

    def describe(self) -> str:
        return f"label ({len(self.classes)} classes: {', '.join(self.classes[:6])}{', ...' if self.size > 6 else ''})"
