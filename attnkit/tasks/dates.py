"""`dates`: a human-readable date in one of many languages and formats -> ISO "YYYY-MM-DD".

The classic attention demo: the model must find the day, month and year wherever the format
puts them and copy or translate them. Sources come from Babel's CLDR date formats (full, long,
medium, short and two extra patterns) in eleven locales; dates are uniform over
1950-01-01..2049-12-31.

Unambiguous by construction: a numeric format can read two ways (en_US "3/7/23" is 7 March, es
"3/7/23" is 3 July), so every (locale, format) pair is rendered over a probe set of dates and
every pair that produces a string another pair (or date) also produces with a different meaning
is dropped; the base class asserts the same while generating.

Length split: train, dev and test keep sources of at most `max_len` characters; "long" holds
sources longer than that (same locales, formats and date range: mostly weekday formats in the
wordier languages), so it tests length generalisation and nothing else.

Alignment: target digits written verbatim in the source (a 4-digit year, a numeric day or month)
point at their source character; everything else (month names, the century of a 2-digit year,
a zero the source omits, the hyphens) is -1.
"""

from __future__ import annotations

import datetime
import functools
import random
import re
import unicodedata

from babel import Locale
from babel.dates import DateTimeFormat, get_date_format, parse_pattern

from attnkit.tasks.base import Task

LOCALES = ("en_US", "en_GB", "de", "fr", "es", "it", "pt", "nl", "sv", "pl", "da")
FORMATS = ("full", "long", "medium", "short", "d MMMM y", "EEEE d MMMM y")
FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)

_FIELD = re.compile(r"%\((\w+)\)s|%%")
# Which ISO slice a numeric field fills: (start, width) in "YYYY-MM-DD".
_ISO_SLICES = {"y": (0, 4), "M": (5, 2), "L": (5, 2), "d": (8, 2)}

Combo = tuple[str, str]  # (locale, format name or pattern)
_locale = functools.lru_cache(maxsize=None)(Locale.parse)


@functools.lru_cache(maxsize=4096)
def _clean(text: str) -> str:
    """NFC, and every whitespace character (Babel emits narrow no-break spaces) as a plain space."""
    return "".join(" " if ch.isspace() else ch for ch in unicodedata.normalize("NFC", text))


@functools.cache
def _pattern_parts(combo: Combo) -> tuple[tuple[str, bool], ...]:
    """The pattern as (literal text, False) and (field code, True) parts."""
    locale_name, fmt = combo
    locale = _locale(locale_name)
    named = fmt in ("full", "long", "medium", "short")
    pattern = get_date_format(fmt, locale=locale) if named else parse_pattern(fmt)
    parts, position = [], 0
    for match in _FIELD.finditer(pattern.format):
        if match.start() > position:
            parts.append((pattern.format[position : match.start()], False))
        parts.append((match.group(1), True) if match.group(1) else ("%", False))
        position = match.end()
    if position < len(pattern.format):
        parts.append((pattern.format[position:], False))
    return tuple(parts)


def render(day: datetime.date, combo: Combo) -> tuple[str, tuple[int, ...]]:
    """The source text of `day` in `combo`, and the alignment of each ISO target character."""
    fields = DateTimeFormat(day, _locale(combo[0]))
    target = day.isoformat()
    alignment = [-1] * len(target)
    text = ""
    for piece, is_field in _pattern_parts(combo):
        value = _clean(fields[piece] if is_field else piece)
        slot = _ISO_SLICES.get(piece[0]) if is_field else None
        if slot is not None and value.isdigit() and len(value) <= slot[1]:
            start, width = slot
            for k in range(len(value)):  # right-align: "7" fills the day's last digit
                iso = start + width - len(value) + k
                assert target[iso] == value[k], (combo, day, piece, value)
                alignment[iso] = len(text) + k
        text += value
    return text, tuple(alignment)


@functools.cache
def unambiguous_combos() -> tuple[Combo, ...]:
    """Every (locale, format) whose renderings over a probe set never collide with another
    date's rendering, in any combo. The probe covers all day/month pairs that could swap
    (day <= 12) and years whose two digits could pass for a day or month."""
    combos = [(loc, fmt) for loc in LOCALES for fmt in FORMATS]
    years = (1950, 2001, 2012, 2023)
    probe = [datetime.date(y, m, d) for y in years for m in range(1, 13) for d in range(1, 14)]
    meaning: dict[str, tuple[datetime.date, Combo]] = {}
    bad: set[Combo] = set()
    for combo in combos:
        for day in probe:
            text, _ = render(day, combo)
            seen = meaning.setdefault(text, (day, combo))
            if seen[0] != day:
                bad.update((combo, seen[1]))
    return tuple(c for c in combos if c not in bad)


class Dates(Task):
    """Human-readable dates in many languages and formats -> ISO YYYY-MM-DD."""

    name = "dates"
    description = "human-readable dates in 11 locales (Babel) -> ISO YYYY-MM-DD; char-level"
    tokenizer = "char"
    defaults = {"train_size": 30000, "dev_size": 1000, "test_size": 1000, "long_size": 1000, "max_len": 25}

    def _resolve(self, options):
        if options["max_len"] < 10:
            raise ValueError(f"option 'max_len' of task 'dates' must be >= 10, got {options['max_len']}")
        self._combos = unambiguous_combos()
        self._days = (LAST_DAY - FIRST_DAY).days + 1
        return options

    def _sample(self, rng: random.Random, split: str) -> dict:
        while True:
            day = FIRST_DAY + datetime.timedelta(days=rng.randrange(self._days))
            text, alignment = render(day, rng.choice(self._combos))
            if (len(text) > self.options["max_len"]) == (split == "long"):
                return {"source": text, "target": day.isoformat(), "alignment": alignment}
