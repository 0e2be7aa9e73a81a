"""`copy`, `reverse`, `sort`: symbol sequences and a simple rewrite of them.

The toy tasks of the attention story: the right alignment is known exactly (copy: diagonal,
reverse: anti-diagonal, sort: a permutation), so a plot shows at once whether attention found
it, and a fixed-vector encoder visibly fails as sequences grow. Sources are `min_len..max_len`
symbols from an alphabet of `vocab_size` ("a", "b", ...; two-letter names beyond 26),
separated by spaces (word tokenizer). "long" draws lengths in (max_len, long_max_len].
"""

from __future__ import annotations

import random
import string
from abc import abstractmethod

from attnkit.tasks.base import Task


def symbols(vocab_size: int) -> list[str]:
    """The alphabet: single letters up to 26, then "aa", "ab", ... in that order."""
    letters = string.ascii_lowercase
    names = list(letters) + [a + b for a in letters for b in letters]
    return names[:vocab_size]


class SequenceTask(Task):
    """Shared option handling and sampling; subclasses define `_order(tokens)`: the source
    positions the target takes, in target order (which is also the alignment)."""

    tokenizer = "word"
    defaults = {
        "vocab_size": 20,
        "min_len": 3,
        "max_len": 20,
        "long_max_len": None,  # None: 2 * max_len
        "train_size": 20000,
        "dev_size": 1000,
        "test_size": 1000,
        "long_size": 1000,
    }

    def _resolve(self, options):
        options = dict(options)
        if options["long_max_len"] is None:
            options["long_max_len"] = 2 * options["max_len"]
        if not 2 <= options["vocab_size"] <= 26 * 27:
            raise ValueError(
                f"option 'vocab_size' of task {self.name!r} must be in 2..702, got {options['vocab_size']}"
            )
        if not 1 <= options["min_len"] <= options["max_len"] < options["long_max_len"]:
            raise ValueError(
                f"task {self.name!r} needs 1 <= min_len <= max_len < long_max_len, got "
                f"{options['min_len']}, {options['max_len']}, {options['long_max_len']}"
            )
        self._symbols = symbols(options["vocab_size"])
        return options

    @abstractmethod
    def _order(self, tokens: list[str]) -> list[int]:
        """For each output position, the index of the source token placed there."""

    def _sample(self, rng: random.Random, split: str) -> dict:
        if split == "long":
            length = rng.randint(self.options["max_len"] + 1, self.options["long_max_len"])
        else:
            length = rng.randint(self.options["min_len"], self.options["max_len"])
        tokens = [rng.choice(self._symbols) for _ in range(length)]
        order = self._order(tokens)
        return {"source": " ".join(tokens), "target": " ".join(tokens[i] for i in order), "alignment": tuple(order)}


class Copy(SequenceTask):
    name = "copy"
    description = "copy a sequence of symbols (diagonal alignment); word-level"

    def _order(self, tokens):
        return list(range(len(tokens)))


class Reverse(SequenceTask):
    name = "reverse"
    description = "reverse a sequence of symbols (anti-diagonal alignment); word-level"

    def _order(self, tokens):
        return list(range(len(tokens) - 1, -1, -1))


class Sort(SequenceTask):
    name = "sort"
    description = "sort a sequence of symbols in alphabet order (stable; permutation alignment); word-level"

    def _order(self, tokens):
        rank = {symbol: i for i, symbol in enumerate(self._symbols)}
        return sorted(range(len(tokens)), key=lambda i: (rank[tokens[i]], i))
