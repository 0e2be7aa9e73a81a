"""The label field: sorted classes, one id per example, unknown labels refused by name."""

import pytest

from attnkit.fields import FieldError, LabelField, load, save_field


def test_classes_sorted_whatever_the_data_order():
    field = LabelField()
    field.fit(["yes", "no", "maybe", "no"])
    assert field.classes == ["maybe", "no", "yes"] and field.size == 3
    assert [field.encode(label) for label in ("maybe", "no", "yes")] == [0, 1, 2]


def test_collate_shapes():
    field = LabelField()
    field.fit(["a", "b"])
    batch = field.collate([1, 0, 1])
    assert batch.data.tolist() == [1, 0, 1]
    assert batch.lengths.tolist() == [1, 1, 1]
    assert batch.mask.shape == (3, 1) and batch.mask.all()
    assert field.cost(0) == 1 and field.labels(1) == ["b"] and field.decode(0) == "a"


def test_unknown_label_names_the_known_ones():
    field = LabelField()
    field.fit(["entailment", "neutral"])
    with pytest.raises(FieldError, match="unknown label 'contradiction'.*entailment, neutral"):
        field.encode("contradiction")
    with pytest.raises(FieldError, match="at least one"):
        LabelField().fit([])


def test_corrupt_state_is_a_field_error(tmp_path):
    field = LabelField()
    field.fit(["a"])
    save_field(field, tmp_path)
    (tmp_path / "field.json").write_text('{"kind": "label", "options": {}, "state": {"classes": []}}')
    with pytest.raises(FieldError, match="must list its classes"):
        load(tmp_path)
