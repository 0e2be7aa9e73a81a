"""Hard (stochastic) attention, local windows and cosine sharpness."""

from __future__ import annotations

import pytest
import torch
from attention_cases import lengths_mask, make
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

B, T, S = 3, 4, 6


def _additive_log_probs(attn: torch.nn.Module, query: torch.Tensor, keys: torch.Tensor,
                        mask: torch.Tensor) -> torch.Tensor:
    """log softmax of v^T tanh(W s + U h + b) written out independently; query (B, T, D)."""
    query_part = (query @ attn.query_proj.weight.T)[:, :, None, :]  # (B, T, 1, A)
    key_part = (keys @ attn.key_proj.weight.T + attn.key_proj.bias)[:, None, :, :]  # (B, 1, S, A)
    hidden = torch.tanh(query_part + key_part)  # (B, T, S, A)
    scores = (hidden @ attn.v).masked_fill(~mask[:, None, :], float("-inf"))  # (B, T, S)
    return torch.log_softmax(scores, dim=-1)


@pytest.mark.parametrize("gumbel", [False, True])
def test_hard_training_samples_one_hot_weights_with_their_log_prob(gumbel: bool) -> None:
    attn = make("hard", gumbel=gumbel).train()
    query, keys, values = torch.randn(B, T, 16), torch.randn(B, S, 16), torch.randn(B, S, 5)
    mask = lengths_mask([6, 4, 2], S)
    out = attn(query, keys, values, mask=mask)
    picked = out.weights.argmax(-1)  # (B, T)
    assert torch.equal(out.weights.detach(), torch.nn.functional.one_hot(picked, S).float())
    assert torch.all(mask.gather(1, picked))  # never a masked key
    if gumbel:  # straight-through: trained by backpropagation, so no log-probability for REINFORCE
        assert out.log_prob is None and out.entropy is None
    else:
        expected = _additive_log_probs(attn, query, keys, mask).gather(-1, picked[..., None]).squeeze(-1)
        torch.testing.assert_close(out.log_prob, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.context, values[torch.arange(B)[:, None], picked], atol=1e-6, rtol=0)


def test_hard_eval_takes_the_argmax() -> None:
    attn = make("hard").eval()
    query, keys = torch.randn(B, T, 16), torch.randn(B, S, 16)
    mask = lengths_mask([6, 4, 2], S)
    out = attn(query, keys, mask=mask)
    best = _additive_log_probs(attn, query, keys, mask).argmax(-1)
    assert torch.equal(out.weights.argmax(-1), best)
    assert torch.equal(out.weights, attn(query, keys, mask=mask).weights)  # deterministic


def test_hard_gumbel_straight_through_reaches_the_score_parameters() -> None:
    attn = make("hard", gumbel=True, temperature=0.5).train()
    values = torch.randn(B, S, 16)
    out = attn(torch.randn(B, T, 16), torch.randn(B, S, 16), values)
    assert torch.all(out.weights.sum(-1) == 1) and torch.all((out.weights == 0) | (out.weights == 1))
    (out.context * torch.randn_like(out.context)).sum().backward()
    for parameter in (attn.query_proj.weight, attn.key_proj.weight, attn.v):
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0


def test_hard_sampling_frequencies_follow_the_softmax() -> None:
    """4000 samples of one query: each key's frequency is within 0.05 of its probability (more
    than 6 standard deviations; the generator is seeded, so the outcome is fixed anyway)."""
    attn = make("hard").train()
    n = 4000
    query = torch.randn(1, 1, 16).expand(n, 1, 16)
    keys = torch.randn(1, 5, 16).expand(n, 5, 16)
    mask = torch.tensor([[True, True, True, True, False]]).expand(n, 5)
    with torch.no_grad():
        attn.v.mul_(8.0)  # spread the probabilities out
        out = attn(query, keys, mask=mask)
        probs = _additive_log_probs(attn, query[:1], keys[:1], mask[:1]).exp()[0, 0]
    frequencies = out.weights[:, 0].mean(0)
    assert frequencies[4] == 0
    torch.testing.assert_close(frequencies, probs, atol=0.05, rtol=0)


def test_hard_log_prob_and_entropy_are_zero_for_empty_rows() -> None:
    attn = make("hard").train()
    keys = torch.randn(B, S, 16, requires_grad=True)
    out = attn(torch.randn(B, T, 16), keys, mask=lengths_mask([6, 0, 2], S))
    assert torch.all(out.log_prob[1] == 0) and torch.all(out.entropy[1] == 0)
    assert torch.all(out.entropy[0] > 0)
    (out.log_prob.sum() + out.entropy.sum() + out.context.sum()).backward()
    assert torch.isfinite(keys.grad).all()


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(0, 8), min_size=1, max_size=4), seed=st.integers(0, 2**16))
def test_local_p_centre_lies_within_the_true_length(lengths: list[int], seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    attn = make("local_p")
    with torch.no_grad():  # large weights push the sigmoid to its ends
        attn.position_v.weight.normal_(0.0, 20.0, generator=generator)
    batch, sources = len(lengths), 8
    mask = lengths_mask(lengths, sources)
    out = attn(torch.randn(batch, 3, 16, generator=generator), torch.randn(batch, sources, 16), mask=mask)
    length = torch.tensor(lengths, dtype=torch.float)[:, None]
    assert torch.all(out.position >= 0) and torch.all(out.position <= length)


def test_local_m_sees_every_real_key_near_the_end_of_a_short_source() -> None:
    """A decoder longer than the source keeps attending to the last real keys, not padding."""
    attn = make("local_m", window=1)
    mask = lengths_mask([2, 6], 6)
    out = attn(torch.randn(2, 5, 16), torch.randn(2, 6, 16), mask=mask)
    assert torch.equal(out.position[0], torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0]))
    assert torch.all(out.weights[0, :, 2:] == 0)
    torch.testing.assert_close(out.weights.sum(-1), torch.ones(2, 5))


def _entropy(weights: torch.Tensor) -> torch.Tensor:
    return -(weights * weights.clamp_min(1e-30).log()).sum(-1)


def test_cosine_larger_strength_gives_sharper_weights() -> None:
    attn = make("cosine")
    query = torch.randn(1, 16).expand(4, 16)
    keys = torch.randn(1, S, 16).expand(4, S, 16)
    strength = torch.tensor([0.0, 0.5, 2.0, 8.0])
    weights = attn(query, keys, strength=strength).weights
    torch.testing.assert_close(weights[0], torch.full((S,), 1 / S))  # beta = 0: uniform
    entropy = _entropy(weights)
    assert torch.all(entropy[1:] < entropy[:-1])
    assert torch.equal(weights[1:].argmax(-1), weights[3].argmax(-1).expand(3))  # same favourite


def test_cosine_per_query_strength_for_a_sequence() -> None:
    attn = make("cosine")
    query, keys = torch.randn(2, 3, 16), torch.randn(2, S, 16)
    strength = torch.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    out = attn(query, keys, strength=strength)
    for t in range(3):
        step = attn(query[:, t], keys, strength=strength[:, t])
        torch.testing.assert_close(step.weights, out.weights[:, t])
