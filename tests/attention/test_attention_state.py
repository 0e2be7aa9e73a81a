"""Mechanism-owned step state: initial_state(), forward(state=) and out.state, carried by a decoder
that never asks which mechanism it holds, and equal to the older explicit keywords."""

from __future__ import annotations

import pytest
import torch
from attention_cases import ALL, STATEFUL, lengths_mask, make, reorder

B, T, S = 3, 4, 6
STATELESS = [n for n in ALL if n not in STATEFUL]


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    query = torch.randn(B, T, 16)
    keys, values = torch.randn(B, S, 16), torch.randn(B, S, 5)
    return query, keys, values, lengths_mask([6, 4, 2], S)


def _decode(attn: torch.nn.Module, query: torch.Tensor, cache, mask: torch.Tensor, state=None):
    """What a decoder does: start from initial_state and feed out.state back at every step."""
    state = attn.initial_state(cache, mask) if state is None else state
    steps = []
    for t in range(query.shape[1]):
        out = attn(query[:, t], cache, mask=mask, state=state)
        state = out.state
        steps.append(out)
    return steps, state


# ---- what the state is ------------------------------------------------------------------------

@pytest.mark.parametrize("name", STATELESS)
def test_stateless_mechanisms_start_and_end_with_no_state(name: str) -> None:
    attn = make(name, value_dim=5).eval()
    query, keys, values, mask = _inputs()
    cache = attn.precompute(keys, values)
    assert attn.initial_state(cache, mask) is None
    assert attn(query[:, 0], cache, mask=mask, state=None).state is None
    assert attn(query, cache, mask=mask).state is None


@pytest.mark.parametrize("name", STATELESS)
def test_a_stateless_mechanism_refuses_a_state(name: str) -> None:
    attn = make(name)
    with pytest.raises(ValueError, match="state"):
        attn(torch.randn(B, 16), torch.randn(B, S, 16), state=torch.zeros(B, S))


def test_location_aware_starts_from_zero_weights_and_returns_its_weights() -> None:
    attn = make("location_aware").eval()
    query, keys, _, mask = _inputs()
    cache = attn.precompute(keys)
    start = attn.initial_state(cache, mask)
    assert torch.equal(start, torch.zeros(B, S))
    assert torch.equal(attn.initial_state(keys, mask), start)  # the keys themselves will do
    step = attn(query[:, 0], cache, mask=mask, state=start)
    assert torch.equal(step.state, step.weights)  # (B, S)
    sequence = attn(query, cache, mask=mask, state=start)
    assert torch.equal(sequence.state, sequence.weights[:, -1])  # the last step's
    without_weights = attn(query, cache, mask=mask, state=start, need_weights=False)
    assert without_weights.weights is None
    torch.testing.assert_close(without_weights.state, sequence.state)  # the state comes anyway


def test_local_m_state_counts_steps_from_zero() -> None:
    attn = make("local_m").eval()
    query, keys, _, mask = _inputs()
    start = attn.initial_state(attn.precompute(keys), mask)
    assert start.dtype == torch.long and torch.equal(start, torch.zeros(B, dtype=torch.long))
    _, state = _decode(attn, query, keys, mask)
    assert torch.equal(state, torch.full((B,), T))
    assert torch.equal(attn(query, keys, mask=mask).state, torch.full((B,), T))  # 0 .. T-1, then T
    assert torch.equal(attn(query[:, 0], keys, mask=mask).state, torch.ones(B, dtype=torch.long))


def test_local_m_sequence_from_a_state_runs_steps_state_plus_t() -> None:
    attn = make("local_m").eval()
    keys = torch.randn(2, 8, 16)  # long enough that no centre is clamped
    out = attn(torch.randn(2, 3, 16), keys, state=torch.tensor([2, 0]))
    assert torch.equal(out.position, torch.tensor([[2.0, 3.0, 4.0], [0.0, 1.0, 2.0]]))
    assert torch.equal(out.state, torch.tensor([5, 3]))
    explicit = attn(torch.randn(2, 3, 16), keys, position=torch.tensor([[1, 4, 6], [0, 0, 0]]))
    assert torch.equal(explicit.state, torch.tensor([7, 1]))  # the step after the last position


# ---- carrying the state equals the explicit keywords ----------------------------------------

def test_location_aware_state_equals_explicit_prev_weights_exactly() -> None:
    attn = make("location_aware", value_dim=5).eval()
    query, keys, values, mask = _inputs()
    cache = attn.precompute(keys, values)
    carried, _ = _decode(attn, query, cache, mask)
    prev = None  # how decoders called it before: None, then the weights of the step before
    for t in range(T):
        explicit = attn(query[:, t], cache, mask=mask, prev_weights=prev)
        assert torch.equal(carried[t].context, explicit.context)
        assert torch.equal(carried[t].weights, explicit.weights)
        prev = explicit.weights


def test_local_m_state_equals_explicit_position_exactly() -> None:
    attn = make("local_m", value_dim=5).eval()
    query, keys, values, mask = _inputs()
    cache = attn.precompute(keys, values)
    carried, _ = _decode(attn, query, cache, mask)
    for t in range(T):
        explicit = attn(query[:, t], cache, mask=mask, position=torch.full((B,), t))
        assert torch.equal(carried[t].context, explicit.context)
        assert torch.equal(carried[t].weights, explicit.weights)
        assert torch.equal(carried[t].position, explicit.position)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("mask_kind", ["keys", "query_keys"])
def test_carried_state_step_by_step_equals_the_whole_sequence(name: str, mask_kind: str) -> None:
    attn = make(name, value_dim=5).eval()
    query, keys, values, key_mask = _inputs()
    cache = attn.precompute(keys, values)
    mask = key_mask if mask_kind == "keys" else key_mask[:, None, :] & (torch.rand(B, T, S) > 0.3)
    sequence = attn(query, cache, mask=mask, state=attn.initial_state(cache, key_mask))
    state = attn.initial_state(cache, key_mask)
    for t in range(T):
        step = attn(query[:, t], cache, mask=mask if mask.dim() == 2 else mask[:, t], state=state)
        torch.testing.assert_close(step.context, sequence.context[:, t], atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(step.weights, sequence.weights[:, t], atol=1e-6, rtol=1e-6)
        state = step.state
    if sequence.state is None:
        assert state is None
    else:
        torch.testing.assert_close(state, sequence.state, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_state_reorders_like_the_batch(name: str) -> None:
    """A beam search picks rows of the cache and of the state alike: index_select(0, ...)."""
    attn = make(name, value_dim=5).eval()
    query, keys, values, mask = _inputs()
    index = torch.tensor([2, 0, 0, 1])
    _, state = _decode(attn, query[:, :2], attn.precompute(keys, values), mask)
    if state is not None:
        assert all(part.shape[0] == B for part in (state if isinstance(state, tuple) else (state,)))
    picked = attn(query[index, 2], attn.precompute(keys, values).index_select(index), mask=mask[index],
                  state=reorder(state, index))
    _, expected_state = _decode(attn, query[index, :2], attn.precompute(keys[index], values[index]), mask[index])
    expected = attn(query[index, 2], keys[index], values[index], mask=mask[index], state=expected_state)
    torch.testing.assert_close(picked.context, expected.context, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(picked.weights, expected.weights, atol=1e-6, rtol=1e-6)


# ---- mistakes -------------------------------------------------------------------------------

def test_state_and_the_explicit_keyword_together_are_refused() -> None:
    keys = torch.randn(B, S, 16)
    location_aware, local_m = make("location_aware"), make("local_m")
    with pytest.raises(ValueError, match="prev_weights"):
        location_aware(torch.randn(B, 16), keys, state=torch.zeros(B, S), prev_weights=torch.zeros(B, S))
    with pytest.raises(ValueError, match="position"):
        local_m(torch.randn(B, 16), keys, state=torch.zeros(B, dtype=torch.long), position=torch.zeros(B))


def test_state_of_the_wrong_shape_is_refused() -> None:
    keys = torch.randn(B, S, 16)
    with pytest.raises(ValueError, match=r"state.*\(B, S\)"):
        make("location_aware")(torch.randn(B, 16), keys, state=torch.zeros(B, S + 1))
    with pytest.raises(ValueError, match=r"state.*\(B,\)"):
        make("local_m")(torch.randn(B, 16), keys, state=torch.zeros(B, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="state"):
        make("local_m")(torch.randn(B, 16), keys, state=(torch.zeros(B),))
