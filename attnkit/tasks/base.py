"""What every embedded task shares: options with defaults, seeded generation, disjoint splits.

A task subclass declares its `defaults` and its `schema()` (the fields of its examples, what a
model reads and predicts, the metrics) and implements `_sample(rng, split)`, which draws one
example, a dict of named raw parts, from the "train" distribution (shared by train, dev and test)
or the "long" one (the length-generalisation set). The base class draws each split with its own
`random.Random(f"...:{seed}:{split}")` (string seeds are hashed with SHA-512, so results are
identical across processes; Python's hash() is never used), in the order train, dev, test, long,
skipping any example whose `key` was already drawn, so no source appears in two splits (or twice
in one). Keys other than the schema's fields are metadata (e.g. "alignment": the true source
position of each target token), read by the analysis and plots, never by a model.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from attnkit.tasks.schema import Schema, text_to_text

Example = dict[str, Any]

SPLIT_NAMES = ("train", "dev", "test", "long")
_SIZE_OPTIONS = {"train": "train_size", "dev": "dev_size", "test": "test_size", "long": "long_size"}


class Task(ABC):
    """A data set generated from a seed. Subclasses set the class attributes and `_sample`.

    `options` holds the options actually used (defaults merged with the caller's, derived
    values filled in); `split(name)` returns that split's examples, generated once and cached.
    An option's type is its default's (an int default takes ints, a float default ints or floats,
    a str default strings, ...); an option whose default is None (derived when not given) takes
    None or the type ``option_types`` names for it (int unless said otherwise).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    tokenizer: ClassVar[str] = "char"  # text tasks: how the pipeline should tokenise sources and targets
    split_names: ClassVar[tuple[str, ...]] = SPLIT_NAMES
    defaults: ClassVar[dict[str, Any]] = {}
    option_types: ClassVar[dict[str, type]] = {}  # the type of each option whose default is None

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
        for key, value in options.items():
            default = self.defaults[key]
            if default is None and value is not None:
                default = self.option_types.get(key, int)()  # a zero of the option's type, for the check
            _check_option(self.name, key, value, default)
        self.seed = seed
        self.options: dict[str, Any] = self._resolve(merged)
        for split, key in _SIZE_OPTIONS.items():
            if self.options[key] < 0:
                raise ValueError(f"option {key!r} of task {self.name!r} must be >= 0 (size of {split!r})")
        self._splits: dict[str, list[Example]] | None = None

    def schema(self) -> Schema:
        """The fields of this task's examples; text tasks: source text -> generated target text."""
        return text_to_text(self.tokenizer)

    def key(self, example: Example) -> Any:
        """What makes two examples the same (None: never the same); text tasks: the source."""
        return example.get("source")

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        """Validate options and fill in derived values; subclasses extend this."""
        return options

    @abstractmethod
    def _sample(self, rng: random.Random, split: str) -> Example:
        """One example of ``split`` (train, dev, test or long). Most tasks draw train, dev and test
        from one distribution and ask only whether split == "long"; a task that keeps combinations
        of parts apart (lexical-nli) draws each split from its own share."""

    def split(self, name: str) -> list[Example]:
        """The examples of split `name` (one of `split_names`), in generation order."""
        if name not in self.split_names:
            valid = ", ".join(self.split_names)
            raise ValueError(f"unknown split {name!r} for task {self.name!r}; valid splits: {valid}")
        if self._splits is None:
            self._splits = self._generate()
        return [dict(example) for example in self._splits[name]]  # copies: a caller's edit stays its own

    def _generate(self) -> dict[str, list[Example]]:
        seen: dict[Any, Example] = {}  # every key drawn so far -> its example
        splits = {}
        for split in self.split_names:
            size = self.options[_SIZE_OPTIONS[split]]
            rng = random.Random(f"attnkit.tasks:{self.name}:{self.seed}:{split}")
            examples: list[Example] = []
            attempts = 0
            while len(examples) < size:
                attempts += 1
                if attempts > 50 * size + 1000:
                    raise ValueError(
                        f"task {self.name!r} cannot draw {size} distinct new sources for split {split!r}; "
                        f"lower {_SIZE_OPTIONS[split]!r} or widen the ranges (options: {self.options})"
                    )
                example = self._sample(rng, split)
                key = self.key(example)
                if key is not None:
                    known = seen.get(key)
                    if known is not None:
                        assert known.get("target") == example.get("target"), f"ambiguous {key!r}"
                        continue
                    seen[key] = example
                examples.append(example)
            splits[split] = examples
        return splits

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed}, {self.options})"


def _check_option(task: str, key: str, value: Any, default: Any) -> None:
    """A task option must have its default's type (ints widen to floats); ValueError otherwise."""
    if isinstance(default, bool):
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif isinstance(default, float):
        ok, expected = isinstance(value, int | float) and not isinstance(value, bool), "a number"
    else:
        ok, expected = isinstance(value, type(default)), f"a {type(default).__name__}"
    if not ok:
        raise ValueError(f"option {key!r} of task {task!r} must be {expected}, got {value!r}")
