"""Padding, key-side precomputation and decoding step by step: none of them changes the answer."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from attention_cases import ALL, lengths_mask, make
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attnkit.attention import KeyCache

B, T, S = 3, 4, 6
HYPOTHESIS = settings(max_examples=8, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def _step_state(name: str, t: int, batch: int, prev: torch.Tensor | None) -> dict[str, Any]:
    """The state a caller hands a step query: the previous weights or the step index."""
    if name == "location_aware":
        return {"prev_weights": prev}
    if name == "local_m":
        return {"position": torch.full((batch,), t)}
    if name == "ntm_addressing":  # the previous weighting; None: the initial one
        return {"state": prev}
    return {}


# ---- padding invariance ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@HYPOTHESIS
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=3), extra=st.integers(0, 3),
       seed=st.integers(0, 2**16))
def test_padding_changes_nothing(name: str, lengths: list[int], extra: int, seed: int) -> None:
    """Each item padded to a longer S (pad values random) gives the context it gives alone."""
    generator = torch.Generator().manual_seed(seed)
    attn = make(name, value_dim=5).eval()
    padded_len = max(lengths) + extra
    batch = len(lengths)
    query = torch.randn(batch, 2, 16, generator=generator)
    keys = torch.randn(batch, padded_len, 16, generator=generator)  # padding: random values
    values = torch.randn(batch, padded_len, 5, generator=generator)
    mask = lengths_mask(lengths, padded_len)
    prev = torch.rand(batch, padded_len, generator=generator) * mask  # zeros on the padding
    prev = prev / prev.sum(-1, keepdim=True)
    state = {"prev_weights": prev} if name == "location_aware" else {}
    together = attn(query, keys, values, mask=mask, **state)
    for i, n in enumerate(lengths):
        alone_state = {"prev_weights": prev[i:i + 1, :n]} if name == "location_aware" else {}
        alone = attn(query[i:i + 1], keys[i:i + 1, :n], values[i:i + 1, :n], **alone_state)
        torch.testing.assert_close(together.context[i], alone.context[0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(together.weights[i, :, :n], alone.weights[0], atol=1e-5, rtol=1e-5)
        assert torch.all(together.weights[i, :, n:] == 0)


# ---- precompute ------------------------------------------------------------------------------

def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    query = torch.randn(B, T, 16)
    keys, values = torch.randn(B, S, 16), torch.randn(B, S, 5)
    return query, keys, values, lengths_mask([6, 4, 2], S)


@pytest.mark.parametrize("name", ALL)
def test_precompute_in_place_of_keys_equals_direct_call_step_by_step(name: str) -> None:
    attn = make(name, value_dim=5).eval()
    query, keys, values, mask = _inputs()
    cache = attn.precompute(keys, values)
    assert isinstance(cache, KeyCache)
    prev_direct = prev_cached = None
    for t in range(T):
        direct = attn(query[:, t], keys, values, mask=mask, **_step_state(name, t, B, prev_direct))
        cached = attn(query[:, t], cache, mask=mask, **_step_state(name, t, B, prev_cached))
        torch.testing.assert_close(cached.context, direct.context, atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(cached.weights, direct.weights, atol=1e-6, rtol=1e-6)
        prev_direct, prev_cached = direct.weights, cached.weights


@pytest.mark.parametrize("name", ALL)
def test_precompute_for_a_sequence_query_equals_direct_call(name: str) -> None:
    attn = make(name, value_dim=5).eval()
    query, keys, values, mask = _inputs()
    direct = attn(query, keys, values, mask=mask)
    cached = attn(query, attn.precompute(keys, values), mask=mask)
    torch.testing.assert_close(cached.context, direct.context, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_key_cache_index_select_reorders_like_the_sources(name: str) -> None:
    """Expanding or reordering a cache over beams equals precomputing the reordered sources."""
    attn = make(name, value_dim=5).eval()
    query, keys, values, mask = _inputs()
    index = torch.tensor([2, 0, 0, 1])
    picked = attn.precompute(keys, values).index_select(index)
    expected = attn(query[index], keys[index], values[index], mask=mask[index])
    got = attn(query[index], picked, mask=mask[index])
    torch.testing.assert_close(got.context, expected.context, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(got.weights, expected.weights, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_values_beside_a_key_cache_are_refused(name: str) -> None:
    attn = make(name)
    _, keys, _, _ = _inputs()
    with pytest.raises(ValueError, match="precompute"):
        attn(torch.randn(B, 16), attn.precompute(keys), keys)


# ---- step by step equals the whole sequence --------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("mask_kind", ["keys", "query_keys"])
def test_step_by_step_equals_whole_sequence(name: str, mask_kind: str) -> None:
    """Independent queries: T step calls equal one sequence call. location_aware: each step gets
    the weights of the step before as prev_weights; local_m: step t gets position=t."""
    attn = make(name, value_dim=5).eval()
    query, keys, values, key_mask = _inputs()
    mask = key_mask if mask_kind == "keys" else key_mask[:, None, :] & (torch.rand(B, T, S) > 0.3)
    first = torch.softmax(torch.randn(B, S), -1) * key_mask if name == "location_aware" else None
    sequence = attn(query, keys, values, mask=mask,
                    **({"prev_weights": first} if name == "location_aware" else {}))
    prev = first
    for t in range(T):
        step_mask = mask if mask.dim() == 2 else mask[:, t]
        step = attn(query[:, t], keys, values, mask=step_mask, **_step_state(name, t, B, prev))
        torch.testing.assert_close(step.context, sequence.context[:, t], atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(step.weights, sequence.weights[:, t], atol=1e-6, rtol=1e-6)
        prev = step.weights


def test_location_aware_state_is_returned_not_kept() -> None:
    """Calling twice with the same prev_weights gives the same answer: nothing hides on the module."""
    attn = make("location_aware").eval()
    query, keys, _, mask = _inputs()
    prev = torch.softmax(torch.randn(B, S), -1) * mask
    first = attn(query[:, 0], keys, mask=mask, prev_weights=prev)
    attn(query[:, 1], keys, mask=mask, prev_weights=first.weights)
    again = attn(query[:, 0], keys, mask=mask, prev_weights=prev)
    assert torch.equal(first.context, again.context)
    other = attn(query[:, 0], keys, mask=mask, prev_weights=torch.roll(prev, 2, dims=-1))
    assert not torch.allclose(other.weights, first.weights)  # and the state does matter
