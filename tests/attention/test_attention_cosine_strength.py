"""Cosine attention's key strength predicted from each query (strength_from_query), as an NTM head
emits beta: softplus(w^T s + b)."""

from __future__ import annotations

import math

import pytest
import torch
from attention_cases import finite_grads, lengths_mask, make, rows_sum_to_one

from attnkit.attention import build, options

B, T, S = 3, 4, 6


def _softmax(scores: list[float]) -> list[float]:
    exps = [math.exp(s) for s in scores]
    return [e / sum(exps) for e in exps]


def _softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_each_query_sets_its_own_strength() -> None:
    attn = build("cosine", query_dim=2, key_dim=2, strength_from_query=True)
    with torch.no_grad():  # w = (1, 0), b = 0: beta = softplus(s_1)
        attn.strength_proj.weight.copy_(torch.tensor([[1.0, 0.0]]))
        attn.strength_proj.bias.zero_()
    keys = torch.tensor([[[1.0, 0.0], [0.0, 3.0], [-2.0, 0.0]]]).expand(2, 3, 2)  # cosines 1, 0, -1
    query = torch.tensor([[1.0, 0.0], [3.0, 0.0]])  # same direction, different strengths
    weights = attn(query, keys).weights
    expected = [_softmax([b, 0.0, -b]) for b in (_softplus(1.0), _softplus(3.0))]
    torch.testing.assert_close(weights, torch.tensor(expected), atol=1e-6, rtol=0)
    given = attn(query, keys, strength=torch.tensor([2.0, 2.0])).weights  # forward's beats learned
    torch.testing.assert_close(given, torch.tensor([_softmax([2.0, 0.0, -2.0])] * 2), atol=1e-6, rtol=0)


def test_the_predicted_strength_starts_near_one() -> None:
    attn = make("cosine", strength_from_query=True)
    with torch.no_grad():
        attn.strength_proj.weight.zero_()
    learned = make("cosine")  # the learned scalar starts at 1 too
    query, keys = torch.randn(B, 16), torch.randn(B, S, 16)
    torch.testing.assert_close(attn(query, keys).weights, learned(query, keys).weights, atol=1e-4, rtol=0)


def test_a_fixed_strength_and_strength_from_query_are_refused_together() -> None:
    with pytest.raises(ValueError, match="strength_from_query"):
        build("cosine", query_dim=4, key_dim=4, strength=2.0, strength_from_query=True)


def test_the_strength_layer_is_the_only_strength_parameter_and_learns() -> None:
    attn = make("cosine", query_dim=8, strength_from_query=True)  # with a query map as well
    assert {n for n, _ in attn.named_parameters()} == {"query_proj.weight", "strength_proj.weight",
                                                       "strength_proj.bias"}
    query = torch.randn(B, T, 8, requires_grad=True)
    out = attn(query, torch.randn(B, S, 16), mask=lengths_mask([6, 0, 3], S))
    full = lengths_mask([6, 0, 3], S)[:, None, :].expand(B, T, S)
    assert rows_sum_to_one(out.weights, full) and torch.all(out.weights[~full] == 0)
    assert torch.all(out.context[1] == 0)
    (out.context.square().sum() + out.weights.square().sum()).backward()
    assert finite_grads(query, module=attn)
    assert attn.strength_proj.weight.grad.abs().sum() > 0


def test_sequence_of_predicted_strengths_equals_the_steps() -> None:
    attn = make("cosine", strength_from_query=True).eval()
    query, keys = torch.randn(B, T, 16), torch.randn(B, S, 16)
    sequence = attn(query, keys)
    for t in range(T):
        torch.testing.assert_close(attn(query[:, t], keys).weights, sequence.weights[:, t])


def test_strength_from_query_is_an_option_of_the_registry() -> None:
    assert "strength_from_query" in options("cosine")
