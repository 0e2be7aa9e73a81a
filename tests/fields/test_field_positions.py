"""The positions field: pointer targets 1-based with 0 = end of output, -100 padding, teacher-
forced inputs starting at key 0; decode inverts collate; bad indices refused by position."""

import numpy as np
import pytest
import torch

from attnkit.fields import IGNORE_INDEX, POINTER_END, FieldError, PositionsField, load, save_field

X = IGNORE_INDEX


def test_collate_with_end_marker():
    field = PositionsField(of="points")
    batch = field.collate([field.encode([2, 0, 1]), field.encode([1]), field.encode([])])
    assert batch.data.tolist() == [[3, 1, 2, 0], [2, 0, X, X], [0, X, X, X]]
    assert batch.inputs.tolist() == [[0, 3, 1, 2], [0, 2, 0, 0], [0, 0, 0, 0]]
    assert batch.lengths.tolist() == [4, 2, 1]
    assert batch.mask.tolist() == [[True] * 4, [True, True, False, False], [True, False, False, False]]


def test_collate_without_end_marker():
    field = PositionsField(of="points", end=False)
    batch = field.collate([field.encode([2, 0, 1]), field.encode([1])])
    assert batch.data.tolist() == [[3, 1, 2], [2, X, X]]
    assert batch.inputs.tolist() == [[0, 3, 1], [0, 0, 0]]
    assert batch.lengths.tolist() == [3, 1]
    assert batch.mask.tolist() == [[True] * 3, [True, False, False]]


def test_padding_is_ignored_by_cross_entropy():
    batch = PositionsField(of="points").collate([[1], [0, 1]])  # data (2, 3)
    logits = torch.zeros(2, 3, 4)  # (B, T, 1 end key + 3 points), uniform
    loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), batch.data, reduction="sum")
    assert torch.isclose(loss, torch.log(torch.tensor(4.0)) * batch.lengths.sum())


def test_decode_inverts_collate_and_stops_at_the_end():
    field = PositionsField(of="points")
    items = [[2, 0, 1], [1], []]
    batch = field.collate([field.encode(item) for item in items])
    assert [field.decode(row) for row in batch.data] == items
    assert field.decode([4, 1, POINTER_END, 3]) == [3, 0]  # a prediction that goes on after its end
    no_end = PositionsField(of="points", end=False)
    assert [no_end.decode(row) for row in no_end.collate([[2, 0], [1]]).data] == [[2, 0], [1]]


def test_cost_labels_options():
    field = PositionsField(of="cities")
    assert field.cost([3, 1]) == 3 and PositionsField(of="cities", end=False).cost([3, 1]) == 2
    assert field.labels([3, 1]) == ["3", "1"]
    assert field.options() == {"of": "cities", "end": True, "distinct": False, "complete": False}
    assert field.encode(np.array([2, 0])) == [2, 0] and field.encode(torch.tensor([1])) == [1]
    assert field.encode((np.int64(4),)) == [4]


@pytest.mark.parametrize(("item", "message"), [
    ([1, -1], "indices >= 0; item position 1 is -1"),
    ([0, 1.5], "integer indices; item position 1 is 1.5"),
    ([2.0], "integer indices; item position 0 is 2.0"),
    ([True], "integer indices"),
    (torch.tensor([1.0]), "integer indices"),
    ([[0, 1]], "integer indices"),
    ("012", "sequence of integer indices; got str"),
    (3, "sequence of integer indices; got int"),
])
def test_bad_items_are_refused(item, message):
    with pytest.raises(FieldError, match=message):
        PositionsField(of="points").encode(item)


def test_options_are_checked():
    with pytest.raises(FieldError, match="'of' option names the field"):
        PositionsField(of="")
    with pytest.raises(FieldError, match="'end' option must be true or false"):
        PositionsField(of="points", end="yes")


def test_saved_and_loaded(tmp_path):
    save_field(PositionsField(of="points", end=False), tmp_path)
    loaded = load(tmp_path)
    assert isinstance(loaded, PositionsField) and loaded.of == "points" and loaded.end is False
