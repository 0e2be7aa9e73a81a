"""What every embedded task shares: options with defaults, seeded generation, disjoint splits.

A task subclass declares its `defaults` and implements `_sample(rng, split)`, which draws one
Pair from the "train" distribution (shared by train, dev and test) or the "long" one (the
length-generalisation set). The base class draws each split with its own
`random.Random(f"...:{seed}:{split}")` (string seeds are hashed with SHA-512, so results are
identical across processes; Python's hash() is never used), in the order train, dev, test, long,
skipping any source already drawn, so no source appears in two splits (or twice in one).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from attnkit.data import Pair

SPLIT_NAMES = ("train", "dev", "test", "long")
_SIZE_OPTIONS = {"train": "train_size", "dev": "dev_size", "test": "test_size", "long": "long_size"}


class Task(ABC):
    """A data set generated from a seed. Subclasses set the class attributes and `_sample`.

    `options` holds the options actually used (defaults merged with the caller's, derived
    values filled in); `split(name)` returns that split's pairs, generated once and cached.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    tokenizer: ClassVar[str] = "char"  # how the pipeline should tokenise sources and targets
    split_names: ClassVar[tuple[str, ...]] = SPLIT_NAMES
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *, seed: int = 0, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown option {unknown[0]!r} for task {self.name!r}; "
                f"valid options: {', '.join(sorted(self.defaults))}"
            )
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"task seed must be an integer, got {seed!r}")
        merged = {**self.defaults, **options}
        for key, value in merged.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"option {key!r} of task {self.name!r} must be an integer, got {value!r}")
        self.seed = seed
        self.options: dict[str, Any] = self._resolve(merged)
        for split, key in _SIZE_OPTIONS.items():
            if self.options[key] < 0:
                raise ValueError(f"option {key!r} of task {self.name!r} must be >= 0 (size of {split!r})")
        self._splits: dict[str, list[Pair]] | None = None

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        """Validate options and fill in derived values; subclasses extend this."""
        return options

    @abstractmethod
    def _sample(self, rng: random.Random, split: str) -> Pair:
        """One Pair from the "train" distribution or, when split == "long", the long one."""

    def split(self, name: str) -> list[Pair]:
        """The pairs of split `name` (one of `split_names`), in generation order."""
        if name not in self.split_names:
            valid = ", ".join(self.split_names)
            raise ValueError(f"unknown split {name!r} for task {self.name!r}; valid splits: {valid}")
        if self._splits is None:
            self._splits = self._generate()
        return list(self._splits[name])

    def _generate(self) -> dict[str, list[Pair]]:
        targets: dict[str, str] = {}  # every source drawn so far -> its target
        splits = {}
        for split in self.split_names:
            size = self.options[_SIZE_OPTIONS[split]]
            rng = random.Random(f"attnkit.tasks:{self.name}:{self.seed}:{split}")
            distribution = "long" if split == "long" else "train"
            pairs: list[Pair] = []
            attempts = 0
            while len(pairs) < size:
                attempts += 1
                if attempts > 50 * size + 1000:
                    raise ValueError(
                        f"task {self.name!r} cannot draw {size} distinct new sources for split {split!r}; "
                        f"lower {_SIZE_OPTIONS[split]!r} or widen the ranges (options: {self.options})"
                    )
                pair = self._sample(rng, distribution)
                known = targets.get(pair.source)
                if known is not None:
                    assert known == pair.target, f"ambiguous {pair.source!r}: {known!r}, {pair.target!r}"
                    continue
                targets[pair.source] = pair.target
                pairs.append(pair)
            splits[split] = pairs
        return splits

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed}, {self.options})"
