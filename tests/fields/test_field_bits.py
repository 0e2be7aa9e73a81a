"""The bits field: steps of 0/1, markers with values, answer slots; text <-> tensors."""

from __future__ import annotations

import pytest
import torch

from attnkit.fields import FieldError, build_field


def test_a_step_of_bits_a_marker_and_an_answer_slot_each_fill_their_channels() -> None:
    field = build_field("bits", width=3, markers="|#", answer_slots=True, value_scale=2.0)
    encoded = field.encode("011 | #3 -")
    assert field.channels == 6 and field.answer_channel == 5
    assert torch.equal(encoded, torch.tensor([[0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0],
                                              [0, 0, 0, 0, 1.5, 0], [0, 0, 0, 0, 0, 1]], dtype=torch.float32))
    assert field.answer_count("011 | #3 - -") == 2
    assert field.labels(encoded) == ["011", "|", "#", "-"]


def test_decode_writes_bits_and_lone_markers_back_as_text() -> None:
    field = build_field("bits", width=4, markers="*")
    assert field.decode(field.encode("0110 1111 *")) == "0110 1111 *"
    assert field.decode(torch.tensor([[0.9, 0.2, 0.6, 0.4, 0.1]])) == "1010"


@pytest.mark.parametrize(("item", "match"), [("012", "step 1 '012'"), ("0110 11", "step 2 '11'"), ("", "non-empty"),
                                             ("0110 -", "step 2 '-'"), ("|x", "only by a number")])
def test_a_malformed_step_is_refused_naming_it(item: str, match: str) -> None:
    field = build_field("bits", width=4, markers="|")
    with pytest.raises(FieldError, match=match):
        field.encode(item)


def test_bad_options_are_refused() -> None:
    with pytest.raises(FieldError, match="width"):
        build_field("bits", width=0)
    with pytest.raises(FieldError, match="markers"):
        build_field("bits", markers="1")


def test_collate_pads_with_zeros_and_masks_the_padding() -> None:
    field = build_field("bits", width=2, answer_slots=True)
    batch = field.collate([field.encode("01 -"), field.encode("11")])
    assert batch.data.shape == (2, 2, 3)
    assert torch.equal(batch.lengths, torch.tensor([2, 1]))
    assert torch.equal(batch.mask, torch.tensor([[True, True], [True, False]]))
    assert torch.equal(batch.data[1, 1], torch.zeros(3))


def test_parse_input_takes_the_text_and_checks_it() -> None:
    field = build_field("bits", width=2, answer_slots=True)
    assert field.parse_input("01 10 - -") == "01 10 - -"
    with pytest.raises(FieldError, match="step 1"):
        field.parse_input("0110")
