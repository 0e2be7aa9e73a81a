"""Fields: one kind of example part each, raw item <-> padded tensors, fitted and saved with a run.

    text       tokenizer + vocabulary (inputs, and generated text with BOS/EOS)
    frames     a sequence of feature vectors (acoustic frames, points), normalised
    label      a class vocabulary
    image      a C x H x W float image, per-channel normalisation (Pillow: attnkit[vision])
    positions  indices into another field (what a pointer network outputs): 1-based targets,
               0 = end of output, -100 padding
    bits       binary vectors with marker channels and answer slots (the NTM tasks)

A leaf package: it imports nothing else from attnkit. ``FIELD_KINDS`` is the registry a run
directory loads fields through (``load_field``); add a kind with one line here.
"""

from .base import FIELD_FILE, Field, FieldError, Padded, lengths_mask, load_field, save_field
from .bits import BitsField
from .frames import FramesField
from .image import ImageField
from .label import LabelField
from .positions import IGNORE_INDEX, POINTER_END, PositionsField
from .text import TextField
from .tokenizers import SPACE, Tokenizer, build_tokenizer, load_tokenizer, tokenizer_names
from .vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary

FIELD_KINDS: dict[str, type[Field]] = {
    cls.kind: cls for cls in (TextField, FramesField, LabelField, ImageField, PositionsField)
}
FIELD_KINDS["bits"] = BitsField


def register_field(kind: type[Field]) -> None:
    """Make a field class loadable and buildable by its ``kind`` (docs/ARCHITECTURE.md)."""
    if not (isinstance(kind, type) and issubclass(kind, Field)) or not kind.kind:
        raise TypeError(f"register_field: a field must be a Field subclass with a kind; got {kind!r}")
    FIELD_KINDS[kind.kind] = kind


def build_field(kind: str, **options) -> Field:
    """A new, unfitted field of ``kind`` with its options (unknown kinds raise FieldError)."""
    if kind not in FIELD_KINDS:
        raise FieldError(f"unknown field kind {kind!r}; known kinds: {', '.join(FIELD_KINDS)}")
    return FIELD_KINDS[kind](**options)


def load(directory) -> Field:
    """The field saved in ``directory`` (by ``save_field``)."""
    return load_field(directory, FIELD_KINDS)


__all__ = ["BOS", "EOS", "FIELD_FILE", "FIELD_KINDS", "IGNORE_INDEX", "PAD", "POINTER_END", "SPACE", "SPECIALS",
           "UNK", "Field", "FieldError", "FramesField", "ImageField", "LabelField", "Padded", "PositionsField",
           "TextField", "Tokenizer", "Vocabulary", "build_field", "build_tokenizer", "lengths_mask", "load",
           "load_field", "load_tokenizer", "register_field", "save_field", "tokenizer_names", "BitsField"]
