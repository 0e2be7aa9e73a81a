"""Properties every task shares: registry errors, determinism, disjoint splits, longer 'long'."""

import functools
import subprocess
import sys

import pytest

from attnkit.fields import build_tokenizer
from attnkit.tasks import SPLIT_NAMES, describe, get_task, names

SMALL = {"train_size": 400, "dev_size": 50, "test_size": 50, "long_size": 50}
TEXT_TASKS = ["dates", "numbers", "copy", "reverse", "sort"]  # source text -> target text


def plain(examples):
    """Examples with array parts (needle's frames) as lists, so that == compares values."""
    return [{k: v.tolist() if hasattr(v, "tolist") else v for k, v in e.items()} for e in examples]


@functools.cache
def small(name, seed=0):
    return get_task(name, seed=seed, **SMALL)


def test_registry_lists_all_tasks():
    assert names()[:7] == [*TEXT_TASKS, "needle", "lexical-nli"]
    assert {"sort_points", "hull", "tsp"} <= set(names())  # pointer networks (issue 16)
    assert {"bit-copy", "repeat-copy", "associative-recall"} <= set(names())  # the NTM tasks (issue 16)
    assert "digits-captions" in names()  # image captioning (issue 12)
    for name, description, options in describe():
        assert description and "train_size" in options and name in names()


def test_unknown_task_and_option_and_split():
    with pytest.raises(ValueError, match="valid tasks: dates, numbers, copy, reverse, sort, needle, lexical-nli"):
        get_task("translate")
    with pytest.raises(ValueError, match=r"unknown option 'size'.*valid options:.*train_size"):
        get_task("copy", size=3)
    with pytest.raises(ValueError, match="must be an integer"):
        get_task("copy", max_len="20")
    with pytest.raises(ValueError, match="valid splits: train, dev, test, long"):
        small("copy").split("validation")


@pytest.mark.parametrize("name", names())
def test_sizes_and_options(name):
    task = small(name)
    assert task.split_names[:4] == SPLIT_NAMES  # a task may add splits (the bit tasks: one per test length)
    assert {s: len(task.split(s)) for s in SPLIT_NAMES} == {"train": 400, "dev": 50, "test": 50, "long": 50}
    assert task.options["train_size"] == 400 and task.tokenizer in ("char", "word")


@pytest.mark.parametrize("name", names())
def test_same_seed_same_data_other_seed_other_data(name):
    again = get_task(name, seed=0, **SMALL)
    for split in SPLIT_NAMES:
        assert plain(again.split(split)) == plain(small(name).split(split))
    assert plain(small(name, seed=1).split("train")) != plain(small(name).split("train"))


@pytest.mark.parametrize("name", TEXT_TASKS)
def test_splits_are_disjoint_on_source(name):
    sources = [{p["source"] for p in small(name).split(s)} for s in SPLIT_NAMES]
    assert sum(map(len, sources)) == len(set().union(*sources))  # no repeats, within or across


@pytest.mark.parametrize("name", TEXT_TASKS)
def test_long_split_is_longer_than_training(name):
    task = small(name)
    tok = build_tokenizer(task.tokenizer)

    def lengths(split, side):
        return [len(tok.encode(p[side])) for p in task.split(split)]

    if name == "numbers":  # more digits each; the phrases are longer on average, not each one
        assert min(lengths("long", "target")) > max(lengths("train", "target"))
        assert sum(lengths("long", "source")) / 50 > sum(lengths("train", "source")) / 400
    else:
        assert min(lengths("long", "source")) > max(lengths("train", "source"))


@pytest.mark.parametrize("name", TEXT_TASKS)
def test_alignment_has_one_entry_per_target_token(name):
    task = small(name)
    tok = build_tokenizer(task.tokenizer)
    for split in SPLIT_NAMES:
        for example in task.split(split):
            if example.get("alignment") is not None:
                assert len(example["alignment"]) == len(tok.encode(example["target"]))
                assert all(-1 <= a < len(tok.encode(example["source"])) for a in example["alignment"])


def test_identical_across_processes():
    code = (
        "from attnkit.tasks import get_task\n"
        "for name in ('dates', 'numbers', 'sort'):\n"
        "    print([p['source'] for p in get_task(name, train_size=30).split('train')])\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    expected = "".join(
        str([p["source"] for p in get_task(name, train_size=30).split("train")]) + "\n"
        for name in ("dates", "numbers", "sort")
    )
    assert output == expected


@pytest.mark.parametrize("value", ["20", 30.0, True])
def test_an_option_derived_when_missing_still_has_a_type(value):
    """long_max_len defaults to None (derived from max_len) but, when given, must be an integer."""
    with pytest.raises(ValueError, match="long_max_len.*must be an integer"):
        get_task("copy", long_max_len=value)


def test_a_float_option_takes_ints_and_floats_but_not_strings():
    assert get_task("needle", signal=4).options["signal"] == 4
    with pytest.raises(ValueError, match="signal.*must be a number"):
        get_task("needle", signal="strong")


def test_split_hands_out_copies():
    task = get_task("copy", train_size=3, dev_size=1, test_size=1, long_size=1)
    task.split("train")[0]["source"] = "changed"
    assert task.split("train")[0]["source"] != "changed"
