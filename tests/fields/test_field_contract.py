"""The contract every registered field kind honours, parametrised over FIELD_KINDS: fitted and
saved fields load back encoding alike; collate gives lengths (B,) and a mask (B, L) that agree
(True = real); cost and labels are well formed. A new kind must add a case here."""

import numpy as np
import pytest
import torch

from attnkit.fields import FIELD_KINDS, Padded, build_field, lengths_mask, load, save_field

IMAGES = [np.full((8, 8, 3), value, dtype=np.uint8) for value in (0, 100, 255)]

# kind -> (options, training items, items to encode)
CASES = {
    "text": ({"tokenizer": "word", "generated": True}, ["a b c", "b c", "c"], ["a b", "c c c", "a zz"]),
    "frames": ({}, [np.eye(3), np.ones((2, 3))], [np.zeros((1, 3)), np.eye(3)[:2]]),
    "label": ({}, ["yes", "no", "maybe"], ["no", "yes"]),
    "image": ({"channels": 3, "size": [4, 4]}, IMAGES, IMAGES[:2]),
    "positions": ({"of": "points"}, [[0, 1], [2]], [[2, 0, 1], [], [1]]),
    "bits": ({"width": 2, "markers": "|", "answer_slots": True}, ["01 | -", "11"], ["10 01 | - -", "00"]),
}


def same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    return a == b


def fitted(kind):
    options, train, _ = CASES[kind]
    field = build_field(kind, **options)
    field.fit(train)
    return field


def test_every_kind_has_a_case():
    assert set(CASES) == set(FIELD_KINDS)


@pytest.mark.parametrize("kind", CASES)
def test_save_load_round_trip_encodes_alike(tmp_path, kind):
    field = fitted(kind)
    save_field(field, tmp_path / kind)
    loaded = load(tmp_path / kind)
    assert type(loaded) is type(field) and loaded.options() == field.options()
    for item in CASES[kind][2]:
        assert same(loaded.encode(item), field.encode(item))


@pytest.mark.parametrize("kind", CASES)
def test_collate_lengths_and_mask_agree(kind):
    field = fitted(kind)
    encoded = [field.encode(item) for item in CASES[kind][2]]
    batch = field.collate(encoded)
    assert isinstance(batch, Padded)
    assert batch.lengths.shape == (len(encoded),) and batch.lengths.dtype == torch.long
    assert batch.mask.dtype == torch.bool and batch.mask.shape[0] == len(encoded)
    assert torch.equal(batch.mask, lengths_mask(batch.lengths, batch.mask.shape[1]))
    if kind != "image":  # an image costs its 8 x 8 patches but its lengths count pixels
        assert batch.lengths.tolist() == [field.cost(e) for e in encoded]
    reversed_rows = batch.index_select(torch.arange(len(encoded) - 1, -1, -1))
    assert torch.equal(reversed_rows.data, field.collate(encoded[::-1]).data)


@pytest.mark.parametrize("kind", CASES)
def test_cost_and_labels_are_well_formed(kind):
    field = fitted(kind)
    for item in CASES[kind][2]:
        encoded = field.encode(item)
        assert isinstance(field.cost(encoded), int) and field.cost(encoded) >= 0
        assert all(isinstance(label, str) for label in field.labels(encoded))
    assert field.describe().startswith(kind)


@pytest.mark.parametrize("kind", CASES)
def test_collate_refuses_an_empty_batch(kind):
    with pytest.raises(ValueError, match="empty"):
        fitted(kind).collate([])
