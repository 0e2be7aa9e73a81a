"""`numbers`: a number written in words in one of several languages -> its digits.

The model must read a compositional phrase ("deux mille trois cent quarante et un") and emit
the positional digits ("2341"): words map to digits non-monotonically (German says the units
before the tens). Words come from num2words. Values are drawn by first picking a digit count
uniformly, then a value with that many digits, so short numbers are not drowned out.

Length split: train, dev and test use values 0..max_value; "long" uses values in
(max_value, long_max_value]: every target has more digits than any training target, and the
phrases are longer on average (not each one: "dreißigtausend" is shorter than many 4-digit
phrases).
No alignment is given (a digit rarely maps to one source character).
"""

from __future__ import annotations

import random

from num2words import num2words

from attnkit.tasks.base import Task

LANGUAGES = ("en", "de", "fr", "es", "it", "pt")


def _draw_value(rng: random.Random, low: int, high: int) -> int:
    """A value in [low, high]: digit count uniform over those present, then the value uniform."""
    digits = rng.randint(len(str(low)), len(str(high)))
    lo = max(low, 10 ** (digits - 1) if digits > 1 else 0)
    hi = min(high, 10**digits - 1)
    return rng.randint(lo, hi)


class Numbers(Task):
    """Number words in six languages (num2words) -> digits."""

    name = "numbers"
    description = "number words in 6 languages (num2words) -> digits; char-level"
    tokenizer = "char"
    defaults = {
        "train_size": 20000,
        "dev_size": 1000,
        "test_size": 1000,
        "long_size": 1000,
        "max_value": 9999,
        "long_max_value": 999999,
    }

    def _resolve(self, options):
        if options["max_value"] < 1:
            raise ValueError(f"option 'max_value' of task 'numbers' must be >= 1, got {options['max_value']}")
        if options["long_max_value"] <= options["max_value"]:
            raise ValueError(
                "option 'long_max_value' of task 'numbers' must exceed 'max_value' "
                f"({options['long_max_value']} <= {options['max_value']})"
            )
        return options

    def _sample(self, rng: random.Random, split: str) -> dict:
        if split == "long":
            value = _draw_value(rng, self.options["max_value"] + 1, self.options["long_max_value"])
        else:
            value = _draw_value(rng, 0, self.options["max_value"])
        words = num2words(value, lang=rng.choice(LANGUAGES))
        return {"source": " ".join(words.split()), "target": str(value)}
