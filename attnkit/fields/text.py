"""The text field: a tokenizer and a vocabulary, fitted on the training texts.

An input text (a source, a premise) encodes to token ids without specials, so position i is
token i (alignments and plots index it directly). A generated text (a target, a caption)
collates into ``data`` = y + EOS, what the decoder must predict, and ``inputs`` = BOS + y, what
it reads under teacher forcing; its cost counts the BOS/EOS slot.

Saved as ``tokenizer/`` (tokenizer.json, plus sentencepiece.model when subwords are used) and
``vocab.json`` beside field.json.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .base import Field, FieldError, Padded, lengths_mask
from .tokenizers import Tokenizer, build_tokenizer, load_tokenizer
from .vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary

log = logging.getLogger("attnkit")


def unknown_word_id(token: str) -> int:
    """A negative id fixed by ``token``'s spelling (62 bits of its BLAKE2b digest), the same in
    every process: what ``keep_oov`` encodes a token outside the vocabulary as."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return -1 - (int.from_bytes(digest, "little") >> 2)


def unknown_words(tokens: Sequence[str], vocab: Vocabulary) -> list[str]:
    """The distinct tokens of ``tokens`` outside ``vocab``, in order of first appearance: a
    copying model's extended ids len(vocab) + k name the k-th of a source's (See et al. 2017)."""
    return list(dict.fromkeys(token for token in tokens if token not in vocab))


class TextField(Field):
    """Text <-> token ids. ``tokenizer``: char, word or sentencepiece (with ``tokenizer_options``,
    e.g. {"vocab_size": 8000}); ``generated``: the part a decoder writes (adds BOS/EOS);
    ``max_vocab``: keep the most frequent tokens, specials included (None: all);
    ``keep_oov``: encode a token outside the vocabulary as its ``unknown_word_id`` (collated as
    UNK in ``data``, and as itself in ``Padded.words``), for models that copy unknown words."""

    kind = "text"

    def __init__(self, tokenizer: str = "word", tokenizer_options: dict[str, Any] | None = None,
                 generated: bool = False, max_vocab: int | None = None, keep_oov: bool = False) -> None:
        if max_vocab is not None and (not isinstance(max_vocab, int) or max_vocab < len(SPECIALS) + 1):
            raise FieldError(f"a text field's max_vocab must be an integer > {len(SPECIALS)} (the specials) or "
                             f"None; got {max_vocab!r}")
        self.tokenizer_name, self.generated = tokenizer, generated
        self.tokenizer_options = dict(tokenizer_options or {})
        self.tokenizer: Tokenizer = build_tokenizer(tokenizer, **self.tokenizer_options)
        self.max_vocab, self.keep_oov = max_vocab, bool(keep_oov)
        self.vocab: Vocabulary | None = None

    # ---- fitting -----------------------------------------------------------------------------

    def fit(self, items: Sequence[str]) -> None:
        """Train the tokenizer (sentencepiece) and build the vocabulary from ``items``."""
        with tempfile.TemporaryDirectory() as workdir:
            self.tokenizer.fit(list(items), Path(workdir))
        self.vocab = Vocabulary.build([self.tokenizer.encode(text) for text in items], max_size=self.max_vocab)

    def share(self, other: TextField) -> None:
        """Use ``other``'s fitted tokenizer and vocabulary (one joint vocabulary for two parts)."""
        self.tokenizer, self.vocab = other.tokenizer, other.vocab

    def options(self) -> dict[str, Any]:
        return {"tokenizer": self.tokenizer_name, "tokenizer_options": self.tokenizer_options,
                "generated": self.generated, "max_vocab": self.max_vocab, "keep_oov": self.keep_oov}

    def save_state(self, directory: Path) -> dict[str, Any]:
        self.tokenizer.save(directory / "tokenizer")
        self._require_vocab().save(directory / "vocab.json")
        return {"tokenizer": self.tokenizer.options}

    def load_state(self, directory: Path, state: dict[str, Any]) -> None:
        try:
            self.tokenizer = load_tokenizer(directory / "tokenizer")
            self.vocab = Vocabulary.load(directory / "vocab.json")
        except (FileNotFoundError, ValueError) as error:
            raise FieldError(str(error)) from None

    def _require_vocab(self) -> Vocabulary:
        if self.vocab is None:
            raise RuntimeError("the text field has no vocabulary yet: fit() it on training texts first")
        return self.vocab

    # ---- items -------------------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """The tokens the model sees for ``text``."""
        return self.tokenizer.encode(text)

    def encode(self, item: str) -> list[int]:
        if not isinstance(item, str):
            raise FieldError(f"a text field encodes strings; got {type(item).__name__}")
        vocab, tokens = self._require_vocab(), self.tokenizer.encode(item)
        if self.keep_oov:
            return [vocab.id(token) if token in vocab else unknown_word_id(token) for token in tokens]
        return vocab.encode(tokens)

    def decode(self, ids: Sequence[int], copied_from: Sequence[str] | None = None) -> tuple[str, list[str]]:
        """Ids (stopping at EOS) -> (text, tokens). An id len(vocab) + k (a copying model's
        extended vocabulary) is the k-th of ``unknown_words(copied_from)``, the source's tokens."""
        vocab = self._require_vocab()
        size = len(vocab)
        if copied_from is None or all(int(i) < size for i in ids):
            tokens = vocab.decode(ids)
        else:
            extra = unknown_words(copied_from, vocab)
            tokens = []
            for i in map(int, ids):
                if i == EOS:
                    break
                if i >= size:
                    tokens.append(extra[i - size] if i - size < len(extra) else SPECIALS[UNK])
                elif i not in (PAD, BOS):
                    tokens.append(vocab.token(i))
        return self.tokenizer.decode(tokens), tokens

    def labels(self, encoded: Sequence[int]) -> list[str]:
        """The vocabulary's token for every id (unknown words as <unk>), one per position."""
        vocab = self._require_vocab()
        return [vocab.token(UNK if int(i) < 0 else int(i)) for i in encoded]

    def item_labels(self, item: str) -> list[str]:
        return self.tokens(item)

    def cost(self, encoded: Sequence[int]) -> int:
        return len(encoded) + 1 if self.generated else len(encoded)

    def length(self, encoded: Sequence[int]) -> int:
        """Tokens, as the model sees them (a 100,000-character line without spaces is 100,000
        char or piece tokens, not one word)."""
        return len(encoded)

    def collate(self, encoded: Sequence[Sequence[int]]) -> Padded:
        """Input text: data (B, S) ids, S >= 1. Generated: data (B, T) = y + EOS and
        inputs (B, T) = BOS + y, T = longest y + 1."""
        if not encoded:
            raise ValueError("cannot collate an empty list of items")
        extra = 1 if self.generated else 0
        width = max(1, max(len(ids) for ids in encoded) + extra)
        data = torch.full((len(encoded), width), PAD, dtype=torch.long)
        inputs = torch.full((len(encoded), width), PAD, dtype=torch.long) if self.generated else None
        for row, ids in enumerate(encoded):
            if self.generated:
                data[row, : len(ids) + 1] = torch.tensor([*ids, EOS], dtype=torch.long)
                inputs[row, : len(ids) + 1] = torch.tensor([BOS, *ids], dtype=torch.long)
            else:
                data[row, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
        lengths = torch.tensor([len(ids) + extra for ids in encoded], dtype=torch.long)
        if not self.keep_oov:
            return Padded(data, lengths, lengths_mask(lengths, width), inputs)
        words = data  # (B, L): unknown words as their negative ids; data and inputs get UNK there
        data = torch.where(words < 0, UNK, words)
        if inputs is not None:
            inputs = torch.where(inputs < 0, UNK, inputs)
        return Padded(data, lengths, lengths_mask(lengths, width), inputs, words)

    @property
    def size(self) -> int:
        """Vocabulary size (ids 0..size-1)."""
        return len(self._require_vocab())

    def parse_input(self, text: str) -> str:
        """The argument is the text itself."""
        return text

    def describe(self) -> str:
        size = "unfitted" if self.vocab is None else f"{len(self.vocab):,} types"
        return f"text ({self.tokenizer.name} tokens, {size}{', generated' if self.generated else ''})"
