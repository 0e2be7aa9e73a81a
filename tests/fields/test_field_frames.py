"""The frames field: global normalisation to mean 0 and standard deviation 1 on the training
frames, zero padding, refusals (wrong width, NaN, bad shape), labels in seconds; collate then
un-pad returns the encoded items (a property)."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attnkit.fields import FieldError, FramesField


def test_global_normalisation_by_hand():
    field = FramesField()
    field.fit([np.array([[0.0, 10.0]]), np.array([[2.0, 10.0], [1.0, 10.0]])])
    # feature 0: 0, 2, 1 -> mean 1, std sqrt(2/3); feature 1 is constant: std floored, values 0
    encoded = field.encode(np.array([[1.0, 10.0], [3.0, 10.0]]))
    assert encoded.dtype == torch.float32 and encoded.shape == (2, 2)
    assert torch.allclose(encoded, torch.tensor([[0.0, 0.0], [2 / (2 / 3) ** 0.5, 0.0]]))


def test_training_frames_come_out_standardised():
    train = [np.arange(12.0).reshape(4, 3), np.arange(6.0).reshape(2, 3) ** 2]
    field = FramesField()
    field.fit(train)
    frames = torch.cat([field.encode(item) for item in train])  # (6, 3)
    assert torch.allclose(frames.mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(frames.std(0, unbiased=False), torch.ones(3), atol=1e-5)


def test_collate_pads_with_zeros():
    field = FramesField(normalise="none")
    batch = field.collate([field.encode(np.ones((3, 2))), field.encode(np.full((1, 2), 5.0))])
    assert batch.data.shape == (2, 3, 2)
    assert batch.data[1].tolist() == [[5.0, 5.0], [0.0, 0.0], [0.0, 0.0]]
    assert batch.lengths.tolist() == [3, 1]
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert field.cost(field.encode(np.ones((3, 2)))) == 3


def test_refusals():
    field = FramesField()
    field.fit([np.zeros((2, 3))])
    with pytest.raises(FieldError, match="2 features per frame; this field was fitted on 3"):
        field.encode(np.zeros((4, 2)))
    with pytest.raises(FieldError, match="NaN"):
        field.encode(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(FieldError, match=r"\(L, D\)"):
        field.encode(np.zeros(3))
    with pytest.raises(FieldError, match="same number of features"):
        FramesField().fit([np.zeros((1, 2)), np.zeros((1, 3))])
    with pytest.raises(FieldError, match="normalise must be one of"):
        FramesField(normalise="batch")


def test_labels_in_frames_or_seconds():
    assert FramesField(normalise="none").labels(torch.zeros(3, 2)) == ["0", "1", "2"]
    assert FramesField(normalise="none", frame_seconds=0.01).labels(torch.zeros(2, 2)) == ["0.00s", "0.01s"]


ITEMS = st.lists(st.integers(1, 5), min_size=1, max_size=4).flatmap(
    lambda lengths: st.tuples(*[arrays(np.float32, (n, 3), elements=st.floats(-4, 4, width=32)) for n in lengths]))


@given(items=ITEMS)
def test_collate_then_unpad_returns_the_items(items):
    field = FramesField(normalise="none")
    encoded = [field.encode(item) for item in items]
    batch = field.collate(encoded)
    for row, frames in enumerate(encoded):
        length = int(batch.lengths[row])
        assert torch.equal(batch.data[row, :length], frames)
        assert (batch.data[row, length:] == 0).all()
    assert torch.equal(batch.mask.sum(1), batch.lengths)
