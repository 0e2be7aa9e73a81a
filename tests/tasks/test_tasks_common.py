"""Properties every task shares: registry errors, determinism, disjoint splits, longer 'long'."""

import functools
import subprocess
import sys

import pytest

from attnkit.data import build_tokenizer
from attnkit.tasks import SPLIT_NAMES, describe, get_task, names

SMALL = {"train_size": 400, "dev_size": 50, "test_size": 50, "long_size": 50}


@functools.cache
def small(name, seed=0):
    return get_task(name, seed=seed, **SMALL)


def test_registry_lists_all_tasks():
    assert names() == ["dates", "numbers", "copy", "reverse", "sort"]
    for name, description, options in describe():
        assert description and "train_size" in options and name in names()


def test_unknown_task_and_option_and_split():
    with pytest.raises(ValueError, match="valid tasks: dates, numbers, copy, reverse, sort"):
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
    assert task.split_names == SPLIT_NAMES
    assert {s: len(task.split(s)) for s in SPLIT_NAMES} == {"train": 400, "dev": 50, "test": 50, "long": 50}
    assert task.options["train_size"] == 400 and task.tokenizer in ("char", "word")


@pytest.mark.parametrize("name", names())
def test_same_seed_same_data_other_seed_other_data(name):
    again = get_task(name, seed=0, **SMALL)
    for split in SPLIT_NAMES:
        assert again.split(split) == small(name).split(split)
    assert small(name, seed=1).split("train") != small(name).split("train")


@pytest.mark.parametrize("name", names())
def test_splits_are_disjoint_on_source(name):
    sources = [{p.source for p in small(name).split(s)} for s in SPLIT_NAMES]
    assert sum(map(len, sources)) == len(set().union(*sources))  # no repeats, within or across


@pytest.mark.parametrize("name", names())
def test_long_split_is_longer_than_training(name):
    task = small(name)
    tok = build_tokenizer(task.tokenizer)

    def lengths(split, side):
        return [len(tok.encode(getattr(p, side))) for p in task.split(split)]

    if name == "numbers":  # more digits each; the phrases are longer on average, not each one
        assert min(lengths("long", "target")) > max(lengths("train", "target"))
        assert sum(lengths("long", "source")) / 50 > sum(lengths("train", "source")) / 400
    else:
        assert min(lengths("long", "source")) > max(lengths("train", "source"))


@pytest.mark.parametrize("name", names())
def test_alignment_has_one_entry_per_target_token(name):
    task = small(name)
    tok = build_tokenizer(task.tokenizer)
    for split in SPLIT_NAMES:
        for pair in task.split(split):
            if pair.alignment is not None:
                assert len(pair.alignment) == len(tok.encode(pair.target))
                assert all(-1 <= a < len(tok.encode(pair.source)) for a in pair.alignment)


def test_identical_across_processes():
    code = (
        "from attnkit.tasks import get_task\n"
        "for name in ('dates', 'numbers', 'sort'):\n"
        "    print([p.source for p in get_task(name, train_size=30).split('train')])\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    expected = "".join(
        str([p.source for p in get_task(name, train_size=30).split("train")]) + "\n"
        for name in ("dates", "numbers", "sort")
    )
    assert output == expected
