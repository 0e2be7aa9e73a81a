"""Batching: budget, coverage, padding, BOS/EOS placement, masks, determinism."""

import itertools
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from text_pipeline import FIELDS

from attnkit.data import collate, encode_examples, make_batches
from attnkit.fields import BOS, EOS, PAD, UNK, TextField

ids = st.lists(st.integers(4, 30), min_size=0, max_size=12)
examples_strategy = st.lists(st.tuples(ids.filter(bool), ids), min_size=1, max_size=40)

TARGET_FIRST, SOURCE_FIRST = ["target", "source"], ["source", "target"]  # data.bucket_by: target / source


def encoded(examples):
    """(source ids, target ids) pairs -> encoded examples, as a text -> text task's fields give them."""
    return [{"source": list(s), "target": list(t)} for s, t in examples]


def batches_of(examples, max_tokens, *, sort_by=TARGET_FIRST, **options):
    return make_batches(FIELDS, encoded(examples), max_tokens, sort_by=sort_by, **options)


def unpad(row: torch.Tensor) -> list[int]:
    return [int(x) for x in row if x != PAD]


def check_batch(batch, examples):
    source, target = batch["source"], batch["target"]
    for row, index in enumerate(batch.indices.tolist()):
        source_ids, target_ids = examples[index]
        length = int(source.lengths[row])
        assert length == len(source_ids)
        assert source.data[row, :length].tolist() == list(source_ids)
        assert (source.data[row, length:] == PAD).all()
        assert source.mask[row].tolist() == [True] * length + [False] * (source.data.shape[1] - length)
        assert unpad(target.inputs[row]) == [BOS, *target_ids]
        assert unpad(target.data[row]) == [*target_ids, EOS]
        assert target.mask[row].sum() == len(target_ids) + 1


def padded_cost(batch) -> int:
    """B * (S + T) padded tokens, T counting the BOS/EOS slot."""
    return len(batch) * (batch["source"].data.shape[1] + batch["target"].data.shape[1])


@settings(max_examples=60, deadline=None)
@given(examples_strategy, st.integers(1, 120), st.integers(0, 3), st.sampled_from([None, 1, 3]))
def test_budget_coverage_and_padding(examples, max_tokens, seed, max_sentences):
    batches = batches_of(examples, max_tokens, shuffle=True, seed=seed, max_sentences=max_sentences)
    seen = sorted(i for b in batches for i in b.indices.tolist())
    assert seen == list(range(len(examples)))  # every example exactly once
    for batch in batches:
        check_batch(batch, examples)
        b, s = batch["source"].data.shape
        t = batch["target"].inputs.shape[1]
        assert b == 1 or b * (s + t) <= max_tokens  # over-budget examples only ever alone
        assert max_sentences is None or b <= max_sentences
        assert s == int(batch["source"].lengths.max())  # no all-pad columns
        predicted = int(batch["target"].mask.sum())  # the tokens the decoder must predict
        assert predicted == sum(len(examples[i][1]) + 1 for i in batch.indices.tolist())


def test_same_seed_same_batches_other_seed_other_order():
    rng = random.Random(0)
    examples = [([4] * rng.randint(1, 9), [5] * rng.randint(0, 9)) for _ in range(200)]

    def run(seed, shuffle=True):
        return [b.indices.tolist() for b in batches_of(examples, 60, shuffle=shuffle, seed=seed)]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert run(1, shuffle=False) == run(2, shuffle=False)


def test_length_bucketing_keeps_padding_small():
    rng = random.Random(0)
    examples = [([4] * rng.randint(1, 30), [5] * rng.randint(1, 30)) for _ in range(500)]
    batches = batches_of(examples, 400, shuffle=True, seed=0)
    real = sum(len(s) + len(t) + 1 for s, t in examples)
    padded = sum(padded_cost(b) for b in batches)
    assert padded < 1.5 * real


@pytest.mark.parametrize("side", ["target", "source"])
def test_sort_by_sorts_that_side_first(side):
    rng = random.Random(1)
    examples = [([4] * rng.randint(1, 30), [5] * rng.randint(1, 30)) for _ in range(400)]
    sort_by = TARGET_FIRST if side == "target" else SOURCE_FIRST
    batches = batches_of(examples, 10_000, sort_by=sort_by, shuffle=False, seed=0, max_sentences=16)
    first = 1 if side == "target" else 0
    lengths = [sorted(len(examples[i][first]) for i in b.indices.tolist()) for b in batches]
    for before, after in itertools.pairwise(lengths):  # unshuffled: buckets run shortest first on that side
        assert before[-1] <= after[0]
    padded = {name: 0 for name in ("source", "target")}
    for b in batches:
        padded["source"] += (b["source"].data == PAD).sum().item()
        padded["target"] += (b["target"].data == PAD).sum().item()
    other = "source" if side == "target" else "target"
    assert padded[side] < padded[other] / 4  # the sorted side carries little padding


def test_target_first_bucketing_pads_fewer_target_positions():
    rng = random.Random(2)
    examples = [([4] * rng.randint(1, 25), [5] * rng.randint(1, 25)) for _ in range(300)]

    def target_positions(sort_by):
        batches = batches_of(examples, 600, sort_by=sort_by, shuffle=True, seed=3)
        return sum(b["target"].data.numel() for b in batches)

    real = sum(len(t) + 1 for _, t in examples)
    assert real <= target_positions(TARGET_FIRST) < target_positions(SOURCE_FIRST)


def test_bad_sort_field():
    with pytest.raises(ValueError, match="sort_by names fields"):
        batches_of([([4], [5])], 10, sort_by=["longest"], shuffle=False, seed=0)


def test_collate_keeps_order_and_to_device():
    examples = [([7, 8, 9], [10]), ([11], [12, 13])]
    batch = collate(FIELDS, encoded(examples)).to("cpu")
    assert batch.indices.tolist() == [0, 1]
    assert batch["source"].data.tolist() == [[7, 8, 9], [11, PAD, PAD]]
    assert batch["target"].inputs.tolist() == [[BOS, 10, PAD], [BOS, 12, 13]]
    assert batch["target"].data.tolist() == [[10, EOS, PAD], [12, 13, EOS]]
    assert batch["source"].data.dtype == torch.long and len(batch) == 2
    assert batch["source"].mask.tolist() == [[True, True, True], [True, False, False]]
    with pytest.raises(ValueError, match="empty"):
        collate(FIELDS, [])


def test_bad_budget():
    with pytest.raises(ValueError, match="max_tokens"):
        batches_of([([4], [5])], 0, shuffle=False, seed=0)


def test_encode_examples():
    fields = {"source": TextField("word"), "target": TextField("word", generated=True)}
    for field in fields.values():
        field.fit(["a b"])
    vocab = fields["source"].vocab
    encoded_examples = encode_examples(fields, [{"source": "a b", "target": "b q", "alignment": (0, 1)}])
    assert encoded_examples[0]["source"] == [vocab.id("a"), vocab.id("b")]
    assert encoded_examples[0]["target"] == [vocab.id("b"), UNK]
    assert set(encoded_examples[0]) == {"source", "target"}  # plain dicts of the fields' parts, metadata left out
    assert collate(fields, encoded_examples)["source"].data.shape == (1, 2)


def test_unsorted_batches_mix_lengths_and_keep_the_budget():
    """data.bucket_by none: batches cut from the shuffled order, each example once, within budget
    (a model with batch norm then trains on the mix its running statistics average over)."""
    rng = random.Random(3)
    examples = [([5] * 3, [6] * rng.choice([1, 2, 3, 4, 5, 6])) for _ in range(60)]
    sorted_batches = batches_of(examples, 60, shuffle=True, seed=1)
    mixed = batches_of(examples, 60, shuffle=True, seed=1, sort=False)
    assert sorted(i for b in mixed for i in b.indices.tolist()) == list(range(60))
    assert all(padded_cost(b) <= 60 for b in mixed)
    target_lengths = [{len(examples[i][1]) for i in b.indices.tolist()} for b in mixed]
    assert max(len(lengths) for lengths in target_lengths) >= 3  # several lengths in one batch
    assert all(len({len(examples[i][1]) for i in b.indices.tolist()}) <= 2 for b in sorted_batches)
    again = batches_of(examples, 60, shuffle=True, seed=1, sort=False)
    assert [b.indices.tolist() for b in again] == [b.indices.tolist() for b in mixed]  # reproducible
