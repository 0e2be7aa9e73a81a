"""Tokenizers: text <-> list of string tokens.

Three kinds, chosen by name: `char` (one token per character, spaces shown as "▁"), `word`
(whitespace split) and `sentencepiece` (subwords learnt from the training data with `fit`).
A tokenizer saves itself as `tokenizer.json` (name and options) plus, for sentencepiece, the
trained `sentencepiece.model`, so that a run directory can rebuild it with `load_tokenizer`.
"""

from __future__ import annotations

import io
import json
import logging
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import sentencepiece as spm

log = logging.getLogger(__name__)

SPACE = "▁"  # U+2581, the visible space used by the char tokenizer (as in sentencepiece)
_CONFIG_FILE = "tokenizer.json"
_SP_MODEL_FILE = "sentencepiece.model"


class Tokenizer(ABC):
    """Shared surface: `name`, `options`, `encode`, `decode`, `fit`, `save`."""

    name = ""

    def __init__(self, **options: Any) -> None:
        if options:
            raise ValueError(f"tokenizer {self.name!r} takes no options, got {sorted(options)}")
        self.options: dict[str, Any] = {}

    @abstractmethod
    def encode(self, text: str) -> list[str]:
        """text -> tokens."""

    @abstractmethod
    def decode(self, tokens: list[str]) -> str:
        """tokens -> text."""

    def fit(self, texts: list[str], workdir: Path) -> None:
        """Learn from training texts; a no-op for tokenizers that need no training."""
        return None

    def save(self, directory: Path) -> None:
        """Write `tokenizer.json` (name and options) into `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        payload = {"name": self.name, "options": self.options}
        (directory / _CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options})"


class CharTokenizer(Tokenizer):
    """One token per character; a space becomes "▁" so tokens stay visible in plots.

    decode(encode(x)) == x for any text that does not itself contain "▁".
    """

    name = "char"

    def encode(self, text: str) -> list[str]:
        return [SPACE if ch == " " else ch for ch in text]

    def decode(self, tokens: list[str]) -> str:
        return "".join(tokens).replace(SPACE, " ")


class WordTokenizer(Tokenizer):
    """Whitespace split; decode joins with single spaces (so runs of whitespace collapse)."""

    name = "word"

    def encode(self, text: str) -> list[str]:
        return text.split()

    def decode(self, tokens: list[str]) -> str:
        return " ".join(tokens)


class SentencePieceTokenizer(Tokenizer):
    """Subword pieces from a sentencepiece model trained on the training texts by `fit`.

    Options: `vocab_size` (default 8000; lowered automatically, with a logged note, when the
    data cannot support that many pieces) and `model_type` ("unigram" or "bpe").
    """

    name = "sentencepiece"
    MODEL_TYPES = ("unigram", "bpe")

    def __init__(self, vocab_size: int = 8000, model_type: str = "unigram") -> None:
        if model_type not in self.MODEL_TYPES:
            raise ValueError(
                f"sentencepiece model_type must be one of {self.MODEL_TYPES}, got {model_type!r}"
            )
        if not isinstance(vocab_size, int) or vocab_size < 8:
            raise ValueError(f"sentencepiece vocab_size must be an integer >= 8, got {vocab_size!r}")
        self.options = {"vocab_size": vocab_size, "model_type": model_type}
        self._processor: spm.SentencePieceProcessor | None = None
        self._model_bytes: bytes | None = None

    def _require_model(self) -> spm.SentencePieceProcessor:
        if self._processor is None:
            raise RuntimeError("the sentencepiece tokenizer has no model yet: call fit() or load_tokenizer()")
        return self._processor

    def encode(self, text: str) -> list[str]:
        return self._require_model().encode(text, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self._require_model().decode_pieces(list(tokens))

    def fit(self, texts: list[str], workdir: Path) -> None:
        """Train on `texts` (offline, quietly) and save the model as workdir/sentencepiece.model."""
        texts = [t for t in texts if t.strip()]
        if not texts:
            raise ValueError("cannot train sentencepiece on no text")
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        vocab_size = self.options["vocab_size"]
        try:
            model = _train_sentencepiece(texts, vocab_size, self.options["model_type"])
        except RuntimeError as error:
            limit = _vocab_limit(str(error))
            if limit is None or limit >= vocab_size:
                needed = re.search(r"smaller than required_chars\. \d+ vs (\d+)", str(error))
                reason = (f"its {int(needed.group(1)) - 1} distinct characters each need a piece: set it to at least "
                          f"{needed.group(1)}" if needed else str(error).strip().splitlines()[-1])
                raise ValueError(f"data.sentencepiece_vocab_size={vocab_size} is too small for this data; "
                                 f"{reason}") from None
            log.warning(
                "sentencepiece: this data supports at most %d pieces, not the %d asked for "
                "(data.sentencepiece_vocab_size); using %d (recorded in the run's fields/*/field.json)",
                limit, vocab_size, limit,
            )
            self.options["vocab_size"] = vocab_size = limit
            model = _train_sentencepiece(texts, vocab_size, self.options["model_type"])
        (workdir / _SP_MODEL_FILE).write_bytes(model)
        self._set_model(model)

    def _set_model(self, model: bytes) -> None:
        self._model_bytes = model
        self._processor = spm.SentencePieceProcessor(model_proto=model)

    def save(self, directory: Path) -> None:
        """Write tokenizer.json and the trained sentencepiece.model."""
        if self._model_bytes is None:
            raise RuntimeError("cannot save an untrained sentencepiece tokenizer: call fit() first")
        super().save(directory)
        (Path(directory) / _SP_MODEL_FILE).write_bytes(self._model_bytes)


def _train_sentencepiece(texts: list[str], vocab_size: int, model_type: str) -> bytes:
    """Train in memory and return the serialised model. minloglevel silences the trainer's
    stderr log; every input sentence is used (no sampling) so the result is deterministic."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=True,
        minloglevel=2,
        num_threads=1,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        unk_id=0,
    )
    return model.getvalue()


def _vocab_limit(message: str) -> int | None:
    """The largest vocab_size sentencepiece says it could train, read from its error text."""
    match = re.search(r"value\s*<=\s*(\d+)", message)
    return int(match.group(1)) if match else None


_TOKENIZERS: dict[str, type[Tokenizer]] = {
    CharTokenizer.name: CharTokenizer,
    WordTokenizer.name: WordTokenizer,
    SentencePieceTokenizer.name: SentencePieceTokenizer,
}


def tokenizer_names() -> list[str]:
    """Names accepted by `build_tokenizer`."""
    return list(_TOKENIZERS)


def build_tokenizer(name: str, **options: Any) -> Tokenizer:
    """A new tokenizer by name ("char", "word", "sentencepiece") with its options."""
    if name not in _TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r}; valid tokenizers: {', '.join(_TOKENIZERS)}")
    return _TOKENIZERS[name](**options)


def load_tokenizer(directory: Path) -> Tokenizer:
    """Rebuild a tokenizer saved with `save(directory)`."""
    config_path = Path(directory) / _CONFIG_FILE
    try:
        payload = json.loads(config_path.read_text(encoding="utf-8"))
        name, options = payload["name"], payload["options"]
    except FileNotFoundError:
        raise FileNotFoundError(f"tokenizer file not found: {config_path}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"corrupt tokenizer file {config_path}: {error}") from None
    try:
        tokenizer = build_tokenizer(name, **options)
    except (TypeError, ValueError) as error:
        raise ValueError(f"corrupt tokenizer file {config_path}: {error}") from None
    if isinstance(tokenizer, SentencePieceTokenizer):
        model_path = Path(directory) / _SP_MODEL_FILE
        if not model_path.exists():
            raise FileNotFoundError(f"sentencepiece model not found: {model_path}")
        tokenizer._set_model(model_path.read_bytes())
    return tokenizer
