"""Raw scores (out.scores): what the normaliser received, masked keys at the dtype's most negative
finite value, and usable as a pointer network's logits."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from attention_cases import ALL, HEADS, SCORE_BASED, lengths_mask, make

from attnkit.attention import build, get_normalizer

B, T, S = 3, 4, 6
MIN = torch.finfo(torch.float32).min


def _scores_shape(name: str, *query_axis: int) -> tuple[int, ...]:
    return (B, HEADS, *query_axis, S) if name == "multihead" else (B, *query_axis, S)


@pytest.mark.parametrize("name", ALL)
def test_scores_come_with_the_weights_in_the_callers_form(name: str) -> None:
    attn = make(name).eval()
    query, keys = torch.randn(B, T, 16), torch.randn(B, S, 16)
    assert attn(query, keys).scores.shape == _scores_shape(name, T)
    step = attn(query[:, 0], keys)
    assert step.scores.shape == _scores_shape(name)
    sequence_of_one = attn(query[:, :1], keys)
    torch.testing.assert_close(step.scores, sequence_of_one.scores.squeeze(-2))


@pytest.mark.parametrize("name", ALL)
def test_no_scores_without_weights(name: str) -> None:
    """need_weights=False: the fused kernel (scaled_dot, multihead) never forms them; the others
    return None as well, like the weights."""
    attn = make(name).eval()
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=lengths_mask([6, 3, 1], S),
               need_weights=False)
    assert out.weights is None and out.scores is None


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("mask_kind", ["keys", "query_keys"])
def test_masked_keys_hold_the_most_negative_finite_value(name: str, mask_kind: str) -> None:
    attn = make(name).eval()
    key_mask = lengths_mask([6, 3, 0], S)
    mask = key_mask if mask_kind == "keys" else key_mask[:, None, :] & (torch.rand(B, T, S) > 0.3)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=mask)
    full = (mask if mask.dim() == 3 else mask[:, None, :]).expand(B, T, S)
    scores = out.scores.transpose(0, 1) if name == "multihead" else out.scores[None]  # (H|1, B, T, S)
    assert torch.all(scores[:, ~full] == MIN)
    assert torch.isfinite(scores).all()
    assert torch.all(scores[:, 2] == MIN)  # nothing to attend to: the whole row


@pytest.mark.parametrize("name", SCORE_BASED)
def test_softmax_of_the_scores_is_the_weights(name: str) -> None:
    """What a pointer network relies on: out.scores are the logits of out.weights."""
    attn = make(name).eval()
    mask = lengths_mask([6, 4, 1], S)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=mask)
    if name == "multihead":  # per-head scores; the averaged weights are the mean of their softmaxes
        torch.testing.assert_close(torch.softmax(out.scores, -1).mean(1), out.weights)
    else:
        torch.testing.assert_close(torch.softmax(out.scores, -1), out.weights)


def test_multihead_per_head_weights_are_the_softmax_of_the_per_head_scores() -> None:
    attn = make("multihead").eval()
    mask = lengths_mask([6, 4, 1], S)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=mask, average_weights=False)
    assert out.scores.shape == out.weights.shape == (B, HEADS, T, S)
    torch.testing.assert_close(torch.softmax(out.scores, -1), out.weights)


@pytest.mark.parametrize("normalizer", ["sparsemax", "entmax15"])
@pytest.mark.parametrize("name", ["additive", "general", "local_p"])
def test_scores_are_what_any_normaliser_receives(name: str, normalizer: str) -> None:
    attn = make(name, normalizer=normalizer).eval()
    mask = lengths_mask([6, 4, 1], S)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=mask)
    renormalised = get_normalizer(normalizer)(out.scores, out.scores > MIN)
    torch.testing.assert_close(renormalised, out.weights)


def test_scores_as_pointer_logits_give_finite_losses_and_gradients() -> None:
    attn = make("additive").train()
    query = torch.randn(B, T, 16, requires_grad=True)
    mask = lengths_mask([6, 4, 1], S)
    out = attn(query, torch.randn(B, S, 16), mask=mask)
    targets = torch.tensor([5, 3, 0])[:, None].expand(B, T)  # a real key of each item
    loss = F.cross_entropy(out.scores.reshape(B * T, S), targets.reshape(-1))
    assert torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(query.grad).all() and query.grad.abs().sum() > 0


def test_dot_scores_are_the_inner_products_by_hand() -> None:
    attn = build("dot", query_dim=2, key_dim=2)
    keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0]]])
    out = attn(torch.tensor([[3.0, 0.5]]), keys, mask=torch.tensor([[True, True, False]]))
    torch.testing.assert_close(out.scores, torch.tensor([[3.0, 0.5, MIN]]))


def test_local_scores_include_the_gaussian_bias_and_exclude_the_window() -> None:
    """A zero general score leaves the log-Gaussian -d^2 / 2 (D = 2, sigma = 1) inside the window."""
    attn = build("local_m", query_dim=2, key_dim=2, window=2)
    with torch.no_grad():
        attn.key_proj.weight.zero_()
    out = attn(torch.randn(1, 2), torch.randn(1, 6, 2), position=torch.tensor([1]))
    expected = [-0.5, 0.0, -0.5, -2.0, MIN, MIN]  # keys 0..3 inside |j - 1| <= 2
    torch.testing.assert_close(out.scores, torch.tensor([expected]))


def test_hard_attention_scores_are_the_logits_of_its_sampling_distribution() -> None:
    attn = make("hard").train()
    mask = lengths_mask([6, 4, 2], S)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), mask=mask)
    picked = out.weights.argmax(-1, keepdim=True)  # (B, T, 1)
    log_p = torch.log_softmax(out.scores, -1).gather(-1, picked).squeeze(-1)
    torch.testing.assert_close(log_p, out.log_prob)


def test_location_aware_sequence_scores_equal_its_step_scores() -> None:
    attn = make("location_aware").eval()
    query, keys, mask = torch.randn(B, T, 16), torch.randn(B, S, 16), lengths_mask([6, 4, 2], S)
    sequence = attn(query, keys, mask=mask)
    state = attn.initial_state(keys, mask)
    for t in range(T):
        step = attn(query[:, t], keys, mask=mask, state=state)
        torch.testing.assert_close(step.scores, sequence.scores[:, t])
        state = step.state


def test_bfloat16_scores_use_the_bfloat16_minimum() -> None:
    attn = make("general").to(torch.bfloat16)
    out = attn(torch.randn(B, 16, dtype=torch.bfloat16), torch.randn(B, S, 16, dtype=torch.bfloat16),
               mask=lengths_mask([6, 3, 1], S))
    assert out.scores.dtype == torch.bfloat16
    assert out.scores[2, 1] == torch.finfo(torch.bfloat16).min  # finite: no inf, no NaN downstream
