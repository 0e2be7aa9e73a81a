"""The one contract, checked for every mechanism in the registry: shapes, distributions, masks,
empty rows, gradients."""

from __future__ import annotations

import pytest
import torch
from attention_cases import ALL, context_dim, finite_grads, lengths_mask, make, rows_sum_to_one

B, T, S = 3, 4, 6


@pytest.mark.parametrize("name", ALL)
def test_step_query_gives_step_shapes(name: str) -> None:
    attn = make(name)
    context, weights = attn(torch.randn(B, 16), torch.randn(B, S, 16))
    assert context.shape == (B, context_dim(name, attn, 16))
    assert weights.shape == (B, S)


@pytest.mark.parametrize("name", ALL)
def test_sequence_query_gives_sequence_shapes(name: str) -> None:
    attn = make(name)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16))
    assert out.context.shape == (B, T, context_dim(name, attn, 16))
    assert out.weights.shape == (B, T, S)
    context, weights = out
    assert context is out.context and weights is out.weights


@pytest.mark.parametrize("name", ALL)
def test_values_may_have_another_width_than_keys(name: str) -> None:
    value_dim = 5
    attn = make(name, value_dim=value_dim)
    values = torch.randn(B, S, value_dim)
    step_context, _ = attn(torch.randn(B, 16), torch.randn(B, S, 16), values)
    seq_context, _ = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), values)
    assert step_context.shape == (B, context_dim(name, attn, value_dim))
    assert seq_context.shape == (B, T, context_dim(name, attn, value_dim))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("mask_kind", ["keys", "query_keys"])
@pytest.mark.parametrize("training", [False, True])
def test_rows_sum_to_one_and_masked_keys_get_exactly_zero(name: str, mask_kind: str, training: bool) -> None:
    attn = make(name).train(training)
    key_mask = lengths_mask([6, 3, 1], S)  # (B, S)
    if mask_kind == "keys":
        mask = key_mask
    else:  # a different mask per query: each query t also loses key t (unless it is the only one)
        drop = torch.eye(T, S, dtype=torch.bool)[None] & (key_mask.sum(-1) > 1)[:, None, None]
        mask = key_mask[:, None, :] & ~drop  # (B, T, S)
    _, weights = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=mask)
    full = mask if mask.dim() == 3 else mask[:, None, :].expand(B, T, S)
    assert torch.all(weights[~full] == 0)
    assert rows_sum_to_one(weights, full)
    assert torch.all(weights >= 0)


def _empty_row_case(name: str, training: bool, dropout: float, need_weights: bool) -> None:
    attn = make(name, dropout=dropout).train(training)
    query = torch.randn(B, T, 16, requires_grad=True)
    keys = torch.randn(B, S, 16, requires_grad=True)
    values = torch.randn(B, S, 16, requires_grad=True)
    mask = lengths_mask([6, 0, 2], S)  # item 1 has nothing to attend to
    out = attn(query, keys, values, mask=mask, need_weights=need_weights)
    assert torch.isfinite(out.context).all()
    assert torch.all(out.context[1] == 0)
    loss = out.context.square().sum()
    if need_weights:
        assert torch.isfinite(out.weights).all()
        assert torch.all(out.weights[1] == 0)
        loss = loss + out.weights.square().sum()
    else:
        assert out.weights is None
    loss.backward()
    assert finite_grads(query, keys, values, module=attn)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("training", "dropout"), [(False, 0.0), (True, 0.5)])
def test_all_masked_rows_give_zeros_and_finite_gradients(name: str, training: bool, dropout: float) -> None:
    _empty_row_case(name, training, dropout, need_weights=True)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("training", "dropout"), [(False, 0.0), (True, 0.5)])
def test_all_masked_rows_without_weights_fused_path(name: str, training: bool, dropout: float) -> None:
    # scaled_dot and multihead take torch's fused kernel here; the others the plain path.
    _empty_row_case(name, training, dropout, need_weights=False)


@pytest.mark.parametrize("name", ALL)
def test_all_masked_step_query_gives_zeros(name: str) -> None:
    attn = make(name).eval()
    query = torch.randn(B, 16, requires_grad=True)
    keys = torch.randn(B, S, 16, requires_grad=True)
    out = attn(query, keys, mask=torch.zeros(B, S, dtype=torch.bool))
    assert torch.all(out.context == 0) and torch.all(out.weights == 0)
    out.context.sum().backward()
    assert finite_grads(query, keys, module=attn)


def _parameters_with_gradient(attn: torch.nn.Module) -> set[str]:
    return {n for n, p in attn.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}


@pytest.mark.parametrize("name", [n for n in ALL if n != "hard"])
def test_gradients_reach_every_parameter(name: str) -> None:
    """Every parameter, and the query and keys (dot and scaled_dot have no parameters)."""
    attn = make(name, value_dim=16).train()
    query = torch.randn(B, T, 16, requires_grad=True)
    keys = torch.randn(B, S, 16, requires_grad=True)
    out = attn(query, keys, torch.randn(B, S, 16), mask=lengths_mask([6, 5, 4], S))
    (out.context.square().sum() + out.weights.square().sum()).backward()
    assert _parameters_with_gradient(attn) == {n for n, _ in attn.named_parameters()}
    assert query.grad.abs().sum() > 0
    if name != "location":  # location weights ignore the keys' content by design
        assert keys.grad.abs().sum() > 0


def test_hard_attention_parameters_learn_through_log_prob() -> None:
    """Sampling has no gradient: the score's parameters learn through out.log_prob (REINFORCE)."""
    attn = make("hard").train()
    values = torch.randn(B, S, 16, requires_grad=True)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), values)
    out.context.sum().backward(retain_graph=True)
    assert values.grad.abs().sum() > 0
    assert _parameters_with_gradient(attn) == set()  # the context alone reaches no score parameter
    (-out.log_prob.sum()).backward()
    assert _parameters_with_gradient(attn) == {n for n, _ in attn.named_parameters()}


def test_hard_attention_gumbel_option_backpropagates_to_every_parameter() -> None:
    attn = make("hard", gumbel=True).train()
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), torch.randn(B, S, 16))
    out.context.square().sum().backward()
    assert _parameters_with_gradient(attn) == {n for n, _ in attn.named_parameters()}


@pytest.mark.parametrize("name", ALL)
def test_non_boolean_mask_is_refused(name: str) -> None:
    attn = make(name)
    with pytest.raises(ValueError, match="bool"):
        attn(torch.randn(B, 16), torch.randn(B, S, 16), mask=torch.ones(B, S))


@pytest.mark.parametrize("name", ALL)
def test_callers_tensors_are_not_modified(name: str) -> None:
    attn = make(name).train()
    query, keys = torch.randn(B, T, 16), torch.randn(B, S, 16)
    mask = lengths_mask([6, 0, 2], S)
    before = (query.clone(), keys.clone(), mask.clone())
    attn(query, keys, mask=mask)
    assert all(torch.equal(a, b) for a, b in zip(before, (query, keys, mask), strict=True))
