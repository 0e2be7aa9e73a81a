"""Chorowski et al. 2015 sec. 2.3's options: sharpening (beta) and smoothing (the sigmoid normaliser)
on content-based and location-aware attention."""

from __future__ import annotations

import math

import pytest
import torch

from attnkit.attention import build, get_normalizer


def test_sigmoid_smoothing_hand_worked() -> None:
    # sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4: weights (1/2, 3/4) / (5/4) = (0.4, 0.6); a masked key gets 0
    scores = torch.tensor([[0.0, math.log(3.0), 9.0]])
    weights = get_normalizer("sigmoid")(scores, torch.tensor([[True, True, False]]))
    torch.testing.assert_close(weights, torch.tensor([[0.4, 0.6, 0.0]]))


def test_smoothing_is_flatter_than_softmax() -> None:
    scores = torch.tensor([[4.0, 2.0, 0.0, -2.0]])
    smooth, sharp = get_normalizer("sigmoid")(scores, None), get_normalizer("softmax")(scores, None)
    assert smooth.max() < sharp.max() and smooth.min() > sharp.min()


@pytest.mark.parametrize("name", ["additive", "location_aware"])
def test_sharpening_multiplies_the_scores(name: str) -> None:
    torch.manual_seed(0)
    plain = build(name, query_dim=4, key_dim=5, attention_dim=3)
    sharp = build(name, query_dim=4, key_dim=5, attention_dim=3, sharpening=2.5)
    sharp.load_state_dict(plain.state_dict())
    query, keys = torch.randn(2, 4), torch.randn(2, 6, 5)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    base, out = plain(query, keys, mask=mask), sharp(query, keys, mask=mask)
    torch.testing.assert_close(out.weights, get_normalizer("softmax")(2.5 * base.scores, mask))
    assert out.weights.max(-1).values.ge(base.weights.max(-1).values - 1e-6).all()  # beta > 1 focuses


@pytest.mark.parametrize("value", [0, -1.0, True, "2"])
def test_a_bad_sharpening_is_refused(value) -> None:
    with pytest.raises(ValueError, match="sharpening"):
        build("location_aware", query_dim=4, key_dim=4, sharpening=value)
