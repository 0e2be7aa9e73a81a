"""The NTM tasks (copy, repeat copy, associative recall): what each example asks, its lengths,
its splits, and that input and target agree through the fields."""

from __future__ import annotations

import pytest

from attnkit.fields import build_field
from attnkit.tasks import get_task


def _fields(task):
    return {name: build_field(spec.kind, **spec.options) for name, spec in task.schema().fields.items()}


def test_copy_asks_for_the_sequence_back_after_the_delimiter() -> None:
    task = get_task("bit-copy", train_size=30, dev_size=5, test_size=5, long_size=5, length_size=3)
    for example in task.split("train"):
        steps = example["input"].split()
        length = example["length"]
        assert 1 <= length <= 20 and steps[length] == "|" and steps[length + 1:] == ["-"] * length
        assert example["target"].split() == steps[:length]


def test_each_test_length_is_a_split_of_exactly_that_length() -> None:
    task = get_task("bit-copy", train_size=5, dev_size=5, test_size=5, long_size=5, length_size=4,
                    test_lengths="20,60")
    assert task.split_names[-2:] == ("len20", "len60")
    assert [e["length"] for e in task.split("len60")] == [60] * 4
    assert all(20 < e["length"] <= 60 for e in task.split("long"))
    with pytest.raises(ValueError, match="test_lengths"):
        get_task("bit-copy", test_lengths="20,x")


def test_repeat_copy_repeats_the_sequence_the_count_says_then_ends() -> None:
    task = get_task("repeat-copy", train_size=20, dev_size=2, test_size=2, long_size=2, length_size=2)
    for example in task.split("train"):
        steps, length = example["input"].split(), example["length"]
        repeats = int(steps[length][1:])
        assert example["target"].split() == steps[:length] * repeats + ["*"]
        assert steps.count("-") == length * repeats + 1


def test_associative_recall_answers_the_item_after_the_queried_one() -> None:
    task = get_task("associative-recall", train_size=20, dev_size=2, test_size=2, long_size=2, length_size=2)
    for example in task.split("train"):
        body, query = example["input"].split("?")[0], example["input"].split("?")[1].split()
        items = [item.split() for item in body.split("|") if item.strip()]
        assert len(items) == example["length"] and query in items[:-1]
        assert example["target"].split() == items[items.index(query) + 1]


@pytest.mark.parametrize("name", ["bit-copy", "repeat-copy", "associative-recall"])
def test_one_target_step_per_answer_slot_through_the_fields(name: str) -> None:
    task = get_task(name, train_size=10, dev_size=2, test_size=2, long_size=2, length_size=2)
    fields = _fields(task)
    for example in task.split("train") + task.split("long"):
        source, target = fields["input"].encode(example["input"]), fields["target"].encode(example["target"])
        assert int(source[:, fields["input"].answer_channel].sum()) == len(target)
        assert fields["target"].decode(target) == example["target"]


def test_splits_are_reproducible_from_the_seed() -> None:
    first = get_task("bit-copy", seed=3, train_size=5, dev_size=1, test_size=1, long_size=1, length_size=1)
    again = get_task("bit-copy", seed=3, train_size=5, dev_size=1, test_size=1, long_size=1, length_size=1)
    other = get_task("bit-copy", seed=4, train_size=5, dev_size=1, test_size=1, long_size=1, length_size=1)
    assert first.split("train") == again.split("train") != other.split("train")
