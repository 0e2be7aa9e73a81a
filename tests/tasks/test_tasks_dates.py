"""dates: unambiguous sources, valid ISO targets equal to the date rendered, exact alignment."""

import datetime
import functools
import unicodedata

from attnkit.tasks import get_task
from attnkit.tasks.dates import FIRST_DAY, LAST_DAY, LOCALES, render, unambiguous_combos


@functools.cache
def default_dates():
    return get_task("dates")


def all_examples():
    task = default_dates()
    return [p for s in task.split_names for p in task.split(s)]


def test_default_sizes():
    task = default_dates()
    assert len(task.split("train")) == 30000 and len(task.split("test")) == 1000


def test_no_source_has_two_targets():
    meaning = {}
    for example in all_examples():
        assert meaning.setdefault(example["source"], example["target"]) == example["target"]


def test_ambiguous_numeric_formats_are_excluded():
    combos = unambiguous_combos()
    assert ("en_US", "short") not in combos  # 3/7/23 is 7 March in en_US, 3 July elsewhere
    assert {locale for locale, _ in combos} == set(LOCALES) and len(LOCALES) >= 8
    # The probe is exhaustive for the swaps that matter: day/month <= 12, every kept combo.
    seen = {}
    for combo in combos:
        for month in range(1, 13):
            for day in range(1, 13):
                date = datetime.date(2003, month, day)
                assert seen.setdefault(render(date, combo)[0], date) == date


def test_targets_are_valid_iso_dates_in_range():
    for example in all_examples():
        day = datetime.date.fromisoformat(example["target"])
        assert FIRST_DAY <= day <= LAST_DAY and day.isoformat() == example["target"]


def test_sources_are_clean_text():
    for example in all_examples():
        assert unicodedata.normalize("NFC", example["source"]) == example["source"]
        assert all(ch == " " or not ch.isspace() for ch in example["source"])
        assert example["source"] == example["source"].strip()


def test_target_is_the_rendered_date():
    for example in default_dates().split("test")[:200]:
        day = datetime.date.fromisoformat(example["target"])
        assert any(render(day, combo)[0] == example["source"] for combo in unambiguous_combos())


def test_alignment_points_at_the_same_digit():
    aligned = 0
    for example in all_examples():
        for i, j in enumerate(example["alignment"]):
            if j >= 0:
                assert example["source"][j] == example["target"][i] and example["target"][i].isdigit()
                aligned += 1
            else:
                assert example["target"][i] == "-" or example["target"][i].isdigit()
        if any(ch.isdigit() for ch in example["source"]) and example["target"][:4] in example["source"]:
            assert min(example["alignment"][:4]) >= 0  # a 4-digit year written out is always found
    assert aligned > 0


def test_alignment_of_a_hand_worked_example():
    text, alignment = render(datetime.date(2023, 3, 7), ("de", "medium"))
    assert text == "07.03.2023"
    assert alignment == (6, 7, 8, 9, -1, 3, 4, -1, 0, 1)
    text, alignment = render(datetime.date(2023, 3, 7), ("en_US", "long"))
    assert text == "March 7, 2023"
    assert alignment == (9, 10, 11, 12, -1, -1, -1, -1, -1, 6)


def test_long_sources_exceed_max_len():
    task = get_task("dates", train_size=300, dev_size=10, test_size=10, long_size=50, max_len=20)
    assert all(len(p["source"]) <= 20 for p in task.split("train"))
    assert all(len(p["source"]) > 20 for p in task.split("long"))


def test_render_matches_babel_format_date():
    from babel.dates import format_date

    from attnkit.tasks.dates import _clean

    day = datetime.date(1987, 11, 23)
    for combo in unambiguous_combos():
        assert render(day, combo)[0] == _clean(format_date(day, combo[1], locale=combo[0]))
