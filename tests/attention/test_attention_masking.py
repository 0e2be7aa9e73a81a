"""Mask helpers (one convention: True = may attend) and causal self-attention for every mechanism."""

from __future__ import annotations

import pytest
import torch
from attention_cases import ALL, make, rows_sum_to_one

from attnkit.attention import causal_mask, lengths_to_mask, mask_from_torch


def test_lengths_to_mask() -> None:
    expected = [[True, True, False], [False, False, False], [True, True, True]]
    assert lengths_to_mask(torch.tensor([2, 0, 3])).tolist() == expected
    assert lengths_to_mask(torch.tensor([1]), max_len=3).tolist() == [[True, False, False]]
    with pytest.raises(ValueError, match=r"\(B,\)"):
        lengths_to_mask(torch.tensor([[1, 2]]))


def test_causal_mask_square_and_with_cached_keys() -> None:
    assert causal_mask(3).tolist() == [[[True, False, False], [True, True, False], [True, True, True]]]
    # two new queries over four keys: they are positions 2 and 3
    assert causal_mask(2, 4).tolist() == [[[True, True, True, False], [True, True, True, True]]]
    with pytest.raises(ValueError, match="num_keys"):
        causal_mask(3, 2)


def test_mask_from_torch_flips_bool_and_reads_float_masks() -> None:
    ignore = torch.tensor([[False, True, False]])
    assert mask_from_torch(ignore).tolist() == [[True, False, True]]
    additive = torch.tensor([[0.0, float("-inf"), -3.0]])  # a finite penalty still may attend
    assert mask_from_torch(additive).tolist() == [[True, False, True]]
    with pytest.raises(ValueError, match="bool or float"):
        mask_from_torch(torch.tensor([[0, 1]]))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("length", [1, 2, 3, 4])
def test_causal_self_attention_has_a_zero_upper_triangle(name: str, length: int) -> None:
    attn = make(name).eval()
    x = torch.randn(2, length, 16)
    _, weights = attn(x, x, mask=causal_mask(length))
    assert torch.all(weights.triu(1) == 0)
    assert rows_sum_to_one(weights, causal_mask(length))
