"""GrowingCache and MultiHeadAttention.decode_step: incremental self-attention in preallocated
storage equals attention over the whole sequence, through capacity growth, beam reordering and
two continuations of one cache."""

import pytest
import torch

from attnkit.attention import GrowingCache, MultiHeadAttention


def heads(batch=3, length=5, h=2, dh=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, h, length, dh, generator=generator),
            torch.randn(batch, h, length, dh, generator=generator))


def test_appending_position_by_position_through_capacity_growth_equals_the_whole():
    projected, values = heads(length=9)
    cache = GrowingCache.start(projected[:, :, :1], values[:, :, :1], capacity=2)
    for t in range(1, 9):
        cache = cache.append(projected[:, :, t:t + 1], values[:, :, t:t + 1])
    assert cache.capacity >= 9 and cache.length == 9
    view = cache.view()
    torch.testing.assert_close(view.projected, projected)
    torch.testing.assert_close(view.values, values)
    assert view.keys.shape == (3, 9, 0)


def test_index_select_reorders_the_filled_positions():
    projected, values = heads()
    cache = GrowingCache.start(projected, values, capacity=8)
    index = torch.tensor([2, 2, 0, 1])
    picked = cache.index_select(index).append(*heads(batch=4, length=1, seed=1))
    torch.testing.assert_close(picked.view().projected[:, :, :5], projected[index])
    torch.testing.assert_close(picked.view().values[:, :, :5], values[index])
    torch.testing.assert_close(cache.view().projected, projected)  # the original is untouched


def test_two_continuations_of_one_cache_do_not_overwrite_each_other():
    projected, values = heads(length=3)
    cache = GrowingCache.start(projected, values, capacity=8)
    a_new, b_new = heads(length=1, seed=1), heads(length=1, seed=2)
    a, b = cache.append(*a_new), cache.append(*b_new)
    torch.testing.assert_close(a.view().projected[:, :, 3:], a_new[0])
    torch.testing.assert_close(b.view().projected[:, :, 3:], b_new[0])
    assert cache.length == 3


def test_decode_step_equals_causal_attention_over_the_whole_sequence():
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, num_heads=2, causal=True).eval()
    x = torch.randn(2, 6, 8)
    whole = attention(x, x, average_weights=False)
    cache, contexts = None, []
    for t in range(6):
        out, cache = attention.decode_step(x[:, t:t + 1], cache, need_weights=True, average_weights=False,
                                           capacity=2)
        contexts.append(out.context)
        torch.testing.assert_close(out.weights[:, :, 0], whole.weights[:, :, t, :t + 1], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(torch.cat(contexts, 1), whole.context, atol=1e-5, rtol=1e-5)


def test_decode_step_refuses_cross_attention_shapes():
    with pytest.raises(ValueError, match="query_dim == key_dim == value_dim"):
        MultiHeadAttention(8, 8, 6, num_heads=2).decode_step(torch.randn(2, 1, 8), None)


def test_decode_step_with_several_new_positions_is_causal_among_them():
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, num_heads=2, causal=True).eval()
    x = torch.randn(2, 7, 8)
    whole = attention(x, x).context
    out, cache = attention.decode_step(x[:, :3], None)
    out2, cache = attention.decode_step(x[:, 3:], cache)
    torch.testing.assert_close(torch.cat([out.context, out2.context], 1), whole, atol=1e-5, rtol=1e-5)
    assert cache.length == 7
