"""numbers round-trip to their value; copy/reverse/sort alignments are exact."""

import functools

import pytest
from num2words import num2words

from attnkit.tasks import get_task
from attnkit.tasks.numbers import LANGUAGES

SMALL = {"train_size": 500, "dev_size": 50, "test_size": 50, "long_size": 100}


@functools.cache
def numbers():
    return get_task("numbers", **SMALL)


def test_numbers_target_is_the_value_written():
    words = {}
    for split in numbers().split_names:
        for example in numbers().split(split):
            value = int(example["target"])
            assert str(value) == example["target"]
            assert example["source"] in {num2words(value, lang=lang) for lang in LANGUAGES}
            assert words.setdefault(example["source"], example["target"]) == example["target"]


def test_numbers_ranges():
    task = numbers()
    assert all(0 <= int(p["target"]) <= 9999 for p in task.split("train"))
    assert all(9999 < int(p["target"]) <= 999999 for p in task.split("long"))
    assert len({len(p["target"]) for p in task.split("train")}) == 4  # short numbers are drawn too
    with pytest.raises(ValueError, match="long_max_value"):
        get_task("numbers", max_value=100, long_max_value=50)


@pytest.mark.parametrize("name", ["copy", "reverse", "sort"])
def test_source_token_at_alignment_is_the_target_token(name):
    task = get_task(name, **SMALL)
    for split in task.split_names:
        for example in task.split(split):
            source, target = example["source"].split(), example["target"].split()
            assert sorted(example["alignment"]) == list(range(len(source)))  # a permutation
            assert [source[j] for j in example["alignment"]] == target


def test_each_task_does_what_it_says():
    assert all(p["source"] == p["target"] for p in get_task("copy", **SMALL).split("train"))
    reverse = get_task("reverse", **SMALL)
    assert all(p["source"].split()[::-1] == p["target"].split() for p in reverse.split("train"))
    for example in get_task("sort", **SMALL).split("train"):
        assert example["target"].split() == sorted(example["source"].split())
        # stable: equal symbols keep their source order
        order = example["alignment"]
        target = example["target"].split()
        assert all(order[i] < order[i + 1] for i in range(len(order) - 1) if target[i] == target[i + 1])


def test_sequence_lengths_and_alphabet():
    task = get_task("copy", vocab_size=5, min_len=2, max_len=6, **SMALL)
    assert task.options["long_max_len"] == 12
    assert {len(p["source"].split()) for p in task.split("train")} <= set(range(2, 7))
    assert {len(p["source"].split()) for p in task.split("long")} <= set(range(7, 13))
    assert {t for p in task.split("train") for t in p["source"].split()} == set("abcde")
    with pytest.raises(ValueError, match="min_len <= max_len < long_max_len"):
        get_task("copy", min_len=5, max_len=4)


def test_impossible_sizes_fail_clearly():
    with pytest.raises(ValueError, match="cannot draw 100 distinct"):
        get_task("copy", vocab_size=2, min_len=1, max_len=2, train_size=100).split("train")
