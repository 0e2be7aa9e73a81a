"""The Neural Turing Machine tasks of Graves et al. 2014 §4, over random bit vectors.

    bit-copy            x_1 .. x_T | - .. -             -> x_1 .. x_T                      (§4.1)
    repeat-copy         x_1 .. x_T #r - .. -            -> (x_1 .. x_T) r times, then *    (§4.2)
    associative-recall  | item .. | item ? item ? - -   -> the item after the queried one  (§4.3)

Inputs and outputs are bits fields (attnkit.fields.bits): steps of ``width`` random bits, marker
steps ("|" delimiter, "#r" repeat count, "?" query delimiter, "*" end of output) and answer
slots "-", the steps at which the model answers with zero input, as in the paper (where the
network runs on blank inputs while it answers). Lengths: train, dev and test draw T uniformly
from min_len..max_len; "long" from max_len+1..long_max_len; and one split per entry of
``test_lengths`` ("len20", "len40", ...) holds sequences of exactly that length, for the length
generalisation curves (the paper trains copy on 1..20 and tests up to 120). Bits are drawn
afresh for every example, so no key is needed to keep splits apart (two equal random
sequences of 8 x T bits are as rare as the splits are small).
"""

from __future__ import annotations

import random
from abc import abstractmethod
from typing import Any

from attnkit.tasks.base import SPLIT_NAMES, Example, Task
from attnkit.tasks.schema import FieldSpec, Schema

LENGTH_SPLIT = "len"


def random_bits(rng: random.Random, width: int) -> str:
    """One step of ``width`` uniformly random bits, e.g. '01101001'."""
    return format(rng.getrandbits(width), f"0{width}b")


class BitTask(Task):
    """What the bit tasks share: the length options, the per-length test splits, the schema."""

    length_unit = "steps"  # what T counts (associative recall: items)
    input_markers = "|"
    output_markers = ""
    base_defaults: dict[str, Any] = {"width": 8, "min_len": 1, "max_len": 20, "long_max_len": None,
                                     "test_lengths": "20,40,60,80,120", "train_size": 20000, "dev_size": 200,
                                     "test_size": 200, "long_size": 100, "length_size": 100}

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        options = dict(options)
        if options["long_max_len"] is None:
            options["long_max_len"] = 3 * options["max_len"]
        if not 1 <= options["min_len"] <= options["max_len"] < options["long_max_len"]:
            raise ValueError(f"task {self.name!r} needs 1 <= min_len <= max_len < long_max_len, got "
                             f"{options['min_len']}, {options['max_len']}, {options['long_max_len']}")
        if options["width"] < 1 or options["length_size"] < 0:
            raise ValueError(f"task {self.name!r} needs width >= 1 and length_size >= 0")
        try:
            lengths = [int(n) for n in options["test_lengths"].replace(" ", "").split(",") if n]
        except ValueError:
            raise ValueError(f"option 'test_lengths' of task {self.name!r} must be comma-separated integers, "
                             f"e.g. '20,40,60'; got {options['test_lengths']!r}") from None
        if any(n < 1 for n in lengths) or len(set(lengths)) != len(lengths):
            raise ValueError(f"option 'test_lengths' of task {self.name!r} needs distinct lengths >= 1; got {lengths}")
        self.lengths = lengths
        self.split_names = (*SPLIT_NAMES, *(f"{LENGTH_SPLIT}{n}" for n in lengths))
        return options

    def split_size(self, split: str) -> int:
        return self.options["length_size"] if split.startswith(LENGTH_SPLIT) else super().split_size(split)

    def distribution(self, split: str) -> str:
        return split if split.startswith(LENGTH_SPLIT) else super().distribution(split)

    def schema(self) -> Schema:
        width = self.options["width"]
        return Schema({"input": FieldSpec("bits", {"width": width, "markers": self.input_markers,
                                                   "answer_slots": True, **self.input_options()}),
                       "target": FieldSpec("bits", {"width": width, "markers": self.output_markers})},
                      inputs=("input",), output="target", prediction="bits", metrics=("bit_errors",))

    def input_options(self) -> dict[str, Any]:
        """Further options of the input field (repeat copy scales its count channel)."""
        return {}

    def key(self, example: Example) -> None:
        return None

    def _sample(self, rng: random.Random, split: str) -> Example:
        o = self.options
        if split.startswith(LENGTH_SPLIT):
            length = int(split[len(LENGTH_SPLIT):])
        elif split == "long":
            length = rng.randint(o["max_len"] + 1, o["long_max_len"])
        else:
            length = rng.randint(o["min_len"], o["max_len"])
        source, target = self.make(rng, length)
        return {"input": " ".join(source), "target": " ".join(target), "length": length}

    @abstractmethod
    def make(self, rng: random.Random, length: int) -> tuple[list[str], list[str]]:
        """The input steps and the target steps of one example of length ``length``."""


class BitCopy(BitTask):
    name = "bit-copy"
    description = ("copy a sequence of random bit vectors after a delimiter (Graves et al. 2014 §4.1; "
                   "bits -> bits, NTM)")
    defaults = dict(BitTask.base_defaults)

    def make(self, rng: random.Random, length: int) -> tuple[list[str], list[str]]:
        sequence = [random_bits(rng, self.options["width"]) for _ in range(length)]
        return [*sequence, "|", *["-"] * length], sequence


class RepeatCopy(BitTask):
    name = "repeat-copy"
    description = ("copy a sequence of bit vectors r times, r given on a channel of its own, then mark the end "
                   "(Graves et al. 2014 §4.2; bits -> bits, NTM)")
    input_markers = "#"
    output_markers = "*"
    defaults = {**BitTask.base_defaults, "max_len": 10, "min_repeats": 1, "max_repeats": 10,
                "test_lengths": "10,20"}

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        options = super()._resolve(options)
        if not 1 <= options["min_repeats"] <= options["max_repeats"]:
            raise ValueError("task 'repeat-copy' needs 1 <= min_repeats <= max_repeats, got "
                             f"{options['min_repeats']}, {options['max_repeats']}")
        return options

    def input_options(self) -> dict[str, Any]:
        return {"value_scale": float(self.options["max_repeats"])}  # the count channel in (0, 1]

    def make(self, rng: random.Random, length: int) -> tuple[list[str], list[str]]:
        sequence = [random_bits(rng, self.options["width"]) for _ in range(length)]
        repeats = rng.randint(self.options["min_repeats"], self.options["max_repeats"])
        target = [*(sequence * repeats), "*"]
        return [*sequence, f"#{repeats}", *["-"] * len(target)], target


class AssociativeRecall(BitTask):
    name = "associative-recall"
    description = ("after a list of items (each a few bit vectors), given one item answer the item that followed "
                   "it (Graves et al. 2014 §4.3; bits -> bits, NTM)")
    length_unit = "items"
    input_markers = "|?"
    defaults = {**BitTask.base_defaults, "width": 6, "item_len": 3, "min_len": 2, "max_len": 6,
                "test_lengths": "6,12,20"}

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        options = super()._resolve(options)
        if options["min_len"] < 2 or options["item_len"] < 1:
            raise ValueError("task 'associative-recall' needs min_len >= 2 items (a query and the one after it) "
                             "and item_len >= 1")
        return options

    def make(self, rng: random.Random, length: int) -> tuple[list[str], list[str]]:
        width, size = self.options["width"], self.options["item_len"]
        items = [[random_bits(rng, width) for _ in range(size)] for _ in range(length)]
        query = rng.randrange(length - 1)
        source = [step for item in items for step in ("|", *item)]
        return [*source, "?", *items[query], "?", *["-"] * size], items[query + 1]
