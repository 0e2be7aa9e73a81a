"""Token <-> id mapping with four fixed specials.

Ids 0..3 are always `<pad>`, `<unk>`, `<s>`, `</s>` so that padding, masks and decoding can use
the module constants `PAD`, `UNK`, `BOS`, `EOS` without holding a vocabulary.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")

_FORMAT = "attnkit.vocabulary"


class Vocabulary:
    """An ordered list of tokens; a token's id is its position. Specials come first."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"a vocabulary must start with the specials {SPECIALS}")
        self._tokens = list(tokens)
        self._ids = {token: i for i, token in enumerate(self._tokens)}
        if len(self._ids) != len(self._tokens):
            raise ValueError("a vocabulary must not list a token twice")

    @classmethod
    def build(
        cls, token_lists: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """Count tokens and keep those seen at least `min_freq` times, most frequent first (ties
        broken by the token itself, so the order never depends on input order). `max_size`
        caps the number of tokens including the four specials."""
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        if max_size is not None and max_size < len(SPECIALS):
            raise ValueError(f"max_size must be >= {len(SPECIALS)} (the specials), got {max_size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        for special in SPECIALS:
            counts.pop(special, None)
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        return cls([*SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self._tokens == other._tokens

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens)"

    @property
    def tokens(self) -> list[str]:
        """All tokens in id order (a copy)."""
        return list(self._tokens)

    def id(self, token: str) -> int:
        """The token's id, or UNK for a token not in the vocabulary."""
        return self._ids.get(token, UNK)

    def token(self, i: int) -> str:
        """The token with id `i` (IndexError when out of range)."""
        if not 0 <= i < len(self._tokens):
            raise IndexError(f"token id {i} out of range for a vocabulary of {len(self)}")
        return self._tokens[i]

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of `tokens`; unknown tokens become UNK. No BOS/EOS is added."""
        return [self._ids.get(token, UNK) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of `ids`, stopping at the first EOS and skipping PAD and BOS."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i in (PAD, BOS):
                continue
            out.append(self.token(i))
        return out

    def save(self, path: Path) -> None:
        """Write the token list as JSON."""
        payload = {"format": _FORMAT, "tokens": self._tokens}
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        """Read a vocabulary written by `save`; a missing or corrupt file raises ValueError
        naming the path."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"vocabulary file not found: {path}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"corrupt vocabulary file {path}: {error}") from None
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"corrupt vocabulary file {path}: not an attnkit vocabulary")
        tokens = payload.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError(f"corrupt vocabulary file {path}: 'tokens' must be a list of strings")
        try:
            return cls(tokens)
        except ValueError as error:
            raise ValueError(f"corrupt vocabulary file {path}: {error}") from None
