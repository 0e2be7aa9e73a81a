"""Multi-head attention with any registered score per head (score=...): the default is today's
module, other scores keep the whole contract, and stateful or sampling mechanisms are refused."""

from __future__ import annotations

import math

import pytest
import torch
from attention_cases import HEAD_SCORES, HEADS, finite_grads, lengths_mask, make, make_multihead, rows_sum_to_one

from attnkit.attention import KeyCache, MultiHeadAttention, build, causal_mask, options

B, T, S, E = 3, 4, 6, 16
DH = E // HEADS
TOL = {"atol": 1e-5, "rtol": 1e-5}


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.randn(B, T, E), torch.randn(B, S, E), torch.randn(B, S, E), lengths_mask([6, 4, 2], S)


def _twin(score: str, **options) -> tuple[MultiHeadAttention, MultiHeadAttention]:
    """The default module and one with ``score``, sharing every parameter the default has."""
    default = make("multihead", **options).eval()
    other = make("multihead", score=score, **options).eval()
    other.load_state_dict(default.state_dict(), strict=False)
    return default, other


# ---- the default is today's module ------------------------------------------------------------

def test_default_score_is_scaled_dot_with_the_same_parameters() -> None:
    attn = make("multihead")
    assert attn.score_name == "scaled_dot" and attn.fused
    assert set(attn.state_dict()) == {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
    assert "score" in options("multihead") and "score_options" in options("multihead")


@pytest.mark.parametrize("spelling", ["scaled_dot", "sdpa"])
def test_explicit_scaled_dot_equals_the_default(spelling: str) -> None:
    default, explicit = _twin(spelling)
    assert set(explicit.state_dict()) == set(default.state_dict())
    query, keys, values, mask = _inputs()
    for need_weights in (True, False):
        for average_weights in (True, False):
            want = default(query, keys, values, mask=mask, need_weights=need_weights,
                           average_weights=average_weights)
            got = explicit(query, keys, values, mask=mask, need_weights=need_weights,
                           average_weights=average_weights)
            assert torch.equal(got.context, want.context)
            assert (got.weights is None) == (want.weights is None) == (not need_weights)
            if need_weights:
                assert torch.equal(got.weights, want.weights) and torch.equal(got.scores, want.scores)


def test_other_scores_leave_the_projections_initialised_as_the_default() -> None:
    torch.manual_seed(1)
    default = make("multihead")
    torch.manual_seed(1)
    additive = make("multihead", score="additive")
    for name, parameter in default.named_parameters():
        assert torch.equal(parameter, additive.get_parameter(name))


def _head_scores_by_hand(attn: MultiHeadAttention, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """q_h . k_h for every head, from the packed projection written out: (B, H, T, S)."""
    w_q, w_k, _ = attn.in_proj_weight.chunk(3)
    b_q, b_k, _ = attn.in_proj_bias.chunk(3)
    q = (query @ w_q.T + b_q).view(B, -1, HEADS, DH).transpose(1, 2)  # (B, H, T, Dh)
    k = (keys @ w_k.T + b_k).view(B, -1, HEADS, DH).transpose(1, 2)  # (B, H, S, Dh)
    return q @ k.transpose(-2, -1)


def test_dot_heads_are_scaled_dot_heads_without_the_scale() -> None:
    scaled, dot = _twin("dot")
    query, keys, _, mask = _inputs()
    inner = _head_scores_by_hand(dot, query, keys).masked_fill(~mask[:, None, None, :], torch.finfo().min)
    with torch.no_grad():
        torch.testing.assert_close(dot(query, keys, mask=mask).scores, inner, **TOL)
        torch.testing.assert_close(scaled(query, keys, mask=mask).scores,
                                   inner.where(inner == torch.finfo().min, inner / math.sqrt(DH)), **TOL)
        dot.in_proj_weight[:E] /= math.sqrt(DH)  # scale the queries instead: the same module again
        dot.in_proj_bias[:E] /= math.sqrt(DH)
        torch.testing.assert_close(dot(query, keys, mask=mask).context, scaled(query, keys, mask=mask).context,
                                   **TOL)


# ---- other scores keep the contract ---------------------------------------------------------

@pytest.mark.parametrize("score", HEAD_SCORES)
def test_head_scores_give_distributions_and_zero_masked_keys(score: str) -> None:
    attn = make_multihead(score).train()
    key_mask = lengths_mask([6, 3, 1], S)
    mask = key_mask[:, None, :] & ~(torch.eye(T, S, dtype=torch.bool)[None] & (key_mask.sum(-1) > 1)[:, None, None])
    out = attn(torch.randn(B, T, E), torch.randn(B, S, E), mask=mask, average_weights=False)
    assert out.weights.shape == out.scores.shape == (B, HEADS, T, S)
    full = mask[:, None].expand(B, HEADS, T, S)
    assert torch.all(out.weights[~full] == 0) and rows_sum_to_one(out.weights, full)
    assert torch.all(out.scores[~full] == torch.finfo().min)


@pytest.mark.parametrize("score", HEAD_SCORES)
@pytest.mark.parametrize("need_weights", [True, False])
def test_head_scores_give_zero_empty_rows_with_finite_gradients(score: str, need_weights: bool) -> None:
    attn = make_multihead(score, dropout=0.5).train()
    query = torch.randn(B, T, E, requires_grad=True)
    keys = torch.randn(B, S, E, requires_grad=True)
    out = attn(query, keys, mask=lengths_mask([6, 0, 2], S), need_weights=need_weights)
    assert torch.isfinite(out.context).all() and torch.all(out.context[1] == 0)
    loss = out.context.square().sum()
    if need_weights:
        assert torch.all(out.weights[1] == 0)
        loss = loss + out.weights.square().sum()
    loss.backward()
    assert finite_grads(query, keys, module=attn)
    assert all(p.grad is not None for p in attn.head.parameters())  # the head score learns


@pytest.mark.parametrize("score", HEAD_SCORES)
def test_head_scores_ignore_padding(score: str) -> None:
    attn = make_multihead(score).eval()
    query, keys, values, _ = _inputs()
    lengths = [6, 4, 2]
    together = attn(query, keys, values, mask=lengths_mask(lengths, S))
    for i, n in enumerate(lengths):
        alone = attn(query[i:i + 1], keys[i:i + 1, :n], values[i:i + 1, :n])
        torch.testing.assert_close(together.context[i], alone.context[0], **TOL)
        torch.testing.assert_close(together.weights[i, :, :n], alone.weights[0], **TOL)


@pytest.mark.parametrize("score", HEAD_SCORES)
def test_head_scores_step_by_step_equal_the_sequence_and_the_cache(score: str) -> None:
    attn = make_multihead(score).eval()
    query, keys, values, mask = _inputs()
    cache = attn.precompute(keys, values)
    sequence = attn(query, keys, values, mask=mask)
    torch.testing.assert_close(attn(query, cache, mask=mask).context, sequence.context, **TOL)
    for t in range(T):
        step = attn(query[:, t], cache, mask=mask, state=attn.initial_state(cache, mask))
        torch.testing.assert_close(step.context, sequence.context[:, t], **TOL)
        torch.testing.assert_close(step.weights, sequence.weights[:, t], **TOL)
        assert step.state is None
    index = torch.tensor([2, 0, 0, 1])
    picked = attn(query[index], cache.index_select(index), mask=mask[index])
    torch.testing.assert_close(picked.context, sequence.context[index], **TOL)


def test_additive_heads_precompute_their_key_projection_per_head() -> None:
    attn = make_multihead("additive", score_options={"attention_dim": 3})
    cache = attn.precompute(torch.randn(B, S, E))
    assert isinstance(cache, KeyCache) and cache.head_projected.shape == (B, HEADS, S, 3)
    assert make_multihead("dot").precompute(torch.randn(B, S, E)).head_projected is None
    assert attn.head.query_proj.weight.shape == (3, DH)  # one score, on head-wide vectors


@pytest.mark.parametrize("score", ["additive", "general"])
def test_head_scores_decode_incrementally_like_the_whole_sequence(score: str) -> None:
    attn = make_multihead(score, causal=True).eval()
    x = torch.randn(B, 5, E)
    whole = attn(x, x, average_weights=False)
    cache = extended = None
    for t in range(5):
        out, cache = attn.decode_step(x[:, t:t + 1], cache, need_weights=True, average_weights=False)
        torch.testing.assert_close(out.context[:, 0], whole.context[:, t], **TOL)
        torch.testing.assert_close(out.weights[:, :, 0], whole.weights[:, :, t, :t + 1], **TOL)
        extended = attn.extend(extended, x[:, t:t + 1])
    torch.testing.assert_close(attn(x, extended, mask=causal_mask(5)).context, whole.context, **TOL)
    torch.testing.assert_close(extended.head_projected, attn.precompute(x).head_projected, **TOL)


def test_head_scores_take_another_normaliser() -> None:
    attn = make_multihead("additive", normalizer="sparsemax").eval()
    mask = lengths_mask([6, 3, 1], S)
    out = attn(torch.randn(B, T, E), torch.randn(B, S, E), mask=mask, need_weights=False)
    assert out.weights is None and torch.isfinite(out.context).all()  # no fused kernel: plain path
    weights = attn(torch.randn(B, T, E), torch.randn(B, S, E), mask=mask, average_weights=False).weights
    assert rows_sum_to_one(weights, mask[:, None, None, :]) and bool((weights == 0).any())


# ---- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "reason"), [
    ("location_aware", "state"), ("local_m", "state"), ("chorowski", "state"), ("coverage", "state"),
    ("hard", "samples"), ("xu", "samples"), ("multihead", "multi-head"), ("mha", "multi-head"),
])
def test_mechanisms_that_cannot_score_a_head_are_refused(score: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        build("multihead", query_dim=E, key_dim=E, num_heads=HEADS, score=score)
    assert all(name in str(info.value) for name in HEAD_SCORES)  # and what would do


def test_unknown_scores_and_options_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no_such_score"):
        build("multihead", query_dim=E, key_dim=E, num_heads=HEADS, score="no_such_score")
    with pytest.raises(TypeError, match="score_options.*attention_width.*attention_dim"):
        make_multihead("additive", score_options={"attention_width": 3})
    with pytest.raises(ValueError, match="normalizer"):
        make_multihead("additive", score_options={"normalizer": "sparsemax"})
    with pytest.raises(ValueError, match="score_options"):
        make_multihead("additive", score_options=[("attention_dim", 3)])


def test_score_options_reach_the_head_score() -> None:
    """Cosine heads with a strength predicted from each (projected) head query."""
    attn = make_multihead("cosine", score_options={"strength_from_query": True}).eval()
    assert attn.head.strength_proj.weight.shape == (1, DH)
    mask = lengths_mask([6, 3, 1], S)
    out = attn(torch.randn(B, T, E), torch.randn(B, S, E), mask=mask, average_weights=False)
    assert rows_sum_to_one(out.weights, mask[:, None, None, :])
