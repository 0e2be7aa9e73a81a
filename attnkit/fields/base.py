"""The contract every field honours: one kind of example part, raw item <-> tensors.

An example is a dict of named raw parts (``{"source": "14 March 2021", "target": "2021-03-14"}``,
``{"frames": array, "label": "yes"}``); each part a model reads or predicts has a field. A field

- is fitted on the training items (a vocabulary, a normalisation) and saved in the run directory
  (``fields/<name>/field.json`` plus whatever files it needs), so any command can load it back;
- encodes one raw item into what ``collate`` pads (ids, a float array, an index);
- collates a batch of encoded items into a :class:`Padded` tensor with lengths and a mask
  (True = real);
- says what one encoded item costs for batching (tokens, frames, pixels: the unit of the token
  budget) and how to label it in plots (tokens, frame times, grid cells).

Fields know nothing of models: a model family reads ``batch[name]`` and nothing else.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import Tensor

FIELD_FILE = "field.json"


class FieldError(ValueError):
    """A raw item a field cannot encode, or a saved field that cannot be loaded; the message
    names the field and what is wrong."""


@dataclass
class Padded:
    """A batch of one field.

    data:    (B, L, ...) padded items (token ids, feature vectors, an image (B, C, H, W), labels (B,)).
    lengths: (B,) long, real positions per item (1 for a label; H*W cells for an image).
    mask:    (B, L) bool, True = real position (may be attended to).
    inputs:  generated text only: (B, L) the teacher-forced decoder input BOS + y, beside
             ``data`` = y + EOS, the tokens to predict. None for every other field.
    words:   text fields that keep unknown words (``keep_oov``): (B, L) long, ``data``'s id for a
             token in the vocabulary and, for one outside it, a negative number fixed by its
             spelling, so that two parts can tell which unknown words are the same (a copying
             model matches a summary's unknown words to its source's). None otherwise.
    """

    data: Tensor
    lengths: Tensor
    mask: Tensor
    inputs: Tensor | None = None
    words: Tensor | None = None

    def to(self, device: torch.device | str) -> Padded:
        return Padded(self.data.to(device), self.lengths.to(device), self.mask.to(device),
                      None if self.inputs is None else self.inputs.to(device),
                      None if self.words is None else self.words.to(device))

    def index_select(self, index: Tensor) -> Padded:
        """Rows of the batch in the order ``index`` (B',)."""
        return Padded(self.data.index_select(0, index), self.lengths.index_select(0, index),
                      self.mask.index_select(0, index),
                      None if self.inputs is None else self.inputs.index_select(0, index),
                      None if self.words is None else self.words.index_select(0, index))


def lengths_mask(lengths: Tensor, width: int) -> Tensor:
    """lengths (B,) -> (B, width) bool, True = a real position."""
    return torch.arange(width)[None, :] < lengths[:, None]


class Field(ABC):
    """Base class of every field kind. Subclasses set ``kind`` and implement the methods below;
    ``options()`` returns the constructor keywords that rebuild an unfitted field (saved in
    field.json beside the fitted state, which ``save_state``/``load_state`` write and read)."""

    kind: ClassVar[str] = ""

    # ---- fitting and persistence ---------------------------------------------------------

    def fit(self, items: Sequence[Any]) -> None:
        """Learn from the raw training items (a no-op for fields that need nothing)."""
        return None

    def options(self) -> dict[str, Any]:
        """The constructor keywords of this field (JSON-serialisable)."""
        return {}

    def save_state(self, directory: Path) -> dict[str, Any]:
        """Write fitted files into ``directory``; return small JSON state for field.json."""
        return {}

    def load_state(self, directory: Path, state: dict[str, Any]) -> None:
        """Restore what ``save_state`` wrote."""
        return None

    # ---- items and batches -----------------------------------------------------------------

    @abstractmethod
    def encode(self, item: Any) -> Any:
        """One raw item -> its encoded form (raises FieldError naming the problem)."""

    @abstractmethod
    def collate(self, encoded: Sequence[Any]) -> Padded:
        """Encoded items -> one Padded batch, rows in the given order."""

    @abstractmethod
    def cost(self, encoded: Any) -> int:
        """What one encoded item costs in a batch's budget (positions it occupies once padded)."""

    def length(self, encoded: Any) -> int:
        """How long an encoded item is in the field's own units (tokens, frames), for
        ``data.max_len``; default: its cost."""
        return self.cost(encoded)

    def labels(self, encoded: Any) -> list[str]:
        """One label per position of an encoded item, for plots (default: position numbers)."""
        return [str(i) for i in range(self.cost(encoded))]

    def item_labels(self, item: Any) -> list[str]:
        """One label per position of a raw item, as plots show it (default: ``labels`` of its
        encoding; a text field shows the tokens as written, unknown ones included)."""
        return self.labels(self.encode(item))

    def backdrop(self, item: Any) -> Any:
        """What a raw item looks like, for plots to draw beneath its attention (an audio item's
        spectrogram (L, D)); None (the default): nothing, the heatmap alone."""
        return None

    def parse_input(self, text: str) -> Any:
        """A command-line argument as a raw item of this field (`attnkit plot`): text as typed,
        an image or a feature file by its path. Raises FieldError for a kind that cannot be given
        on a command line."""
        raise FieldError(f"a {self.kind} field cannot be read from the command line")

    def describe(self) -> str:
        """One line for the start-up summary (e.g. 'text, char tokens, 48 types')."""
        return self.kind

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options()})"


# ---- saving and loading any field ------------------------------------------------------------


def save_field(field: Field, directory: Path) -> None:
    """Write ``field`` into ``directory`` (created): field.json with kind, options and state."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = field.save_state(directory)
    payload = {"kind": field.kind, "options": field.options(), "state": state}
    (directory / FIELD_FILE).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_field(directory: Path, kinds: dict[str, type[Field]]) -> Field:
    """Rebuild the field saved in ``directory``; ``kinds`` maps kind names to classes."""
    path = Path(directory) / FIELD_FILE
    if not path.is_file():
        raise FieldError(f"field file not found: {path}")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        kind, options, state = payload["kind"], payload["options"], payload["state"]
    except (ValueError, KeyError, TypeError) as error:
        raise FieldError(f"corrupt field file {path}: {error}") from None
    if kind not in kinds:
        raise FieldError(f"{path}: unknown field kind {kind!r}; known kinds: {', '.join(kinds)}")
    try:
        field = kinds[kind](**options)
    except TypeError as error:
        raise FieldError(f"{path}: options {options} do not fit a {kind} field ({error})") from None
    field.load_state(Path(directory), state)
    return field
