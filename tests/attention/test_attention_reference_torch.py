"""Reference equalities with torch: scaled_dot_product_attention, nn.MultiheadAttention, and our
fused path against our plain path."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from attention_cases import lengths_mask, make

from attnkit.attention import MultiHeadAttention, build, causal_mask, mask_from_torch

B, T, S, E, H = 3, 5, 7, 16, 4
TOL = {"atol": 1e-5, "rtol": 1e-5}


# ---- scaled_dot vs torch.nn.functional.scaled_dot_product_attention ---------------------------

@pytest.mark.parametrize("with_mask", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
def test_scaled_dot_equals_torch_sdpa(with_mask: bool, need_weights: bool) -> None:
    attn = build("scaled_dot", query_dim=E, key_dim=E).eval()
    query, keys, values = torch.randn(B, T, E), torch.randn(B, S, E), torch.randn(B, S, 6)
    mask = lengths_mask([7, 3, 1], S)[:, None, :] & (torch.rand(B, T, S) > 0.3) if with_mask else None
    if mask is not None:
        mask[:, :, 0] = True  # torch's kernel gives NaN for empty rows; compare where it is defined
    expected = F.scaled_dot_product_attention(query, keys, values, attn_mask=mask)
    context, _ = attn(query, keys, values, mask=mask, need_weights=need_weights)
    torch.testing.assert_close(context, expected, **TOL)


# ---- MultiHeadAttention.from_torch vs torch.nn.MultiheadAttention ------------------------------

def _pair(kdim: int | None = None, vdim: int | None = None, batch_first: bool = True,
          bias: bool = True) -> tuple[torch.nn.MultiheadAttention, MultiHeadAttention]:
    theirs = torch.nn.MultiheadAttention(E, H, batch_first=batch_first, kdim=kdim, vdim=vdim, bias=bias)
    with torch.no_grad():  # torch starts biases at zero; make them count
        for name, p in theirs.named_parameters():
            if "bias" in name:
                p.normal_()
    theirs.eval()
    return theirs, MultiHeadAttention.from_torch(theirs).eval()


@pytest.mark.parametrize("need_weights", [True, False])
def test_from_torch_self_attention(need_weights: bool) -> None:
    theirs, ours = _pair()
    x = torch.randn(B, T, E)
    expected, expected_weights = theirs(x, x, x)
    got = ours(x, x, x, need_weights=need_weights)
    torch.testing.assert_close(got.context, expected, **TOL)
    if need_weights:
        torch.testing.assert_close(got.weights, expected_weights, **TOL)


@pytest.mark.parametrize(("kdim", "vdim"), [(None, None), (10, 6)])
@pytest.mark.parametrize("average", [True, False])
def test_from_torch_cross_attention_with_key_padding_mask(kdim: int | None, vdim: int | None,
                                                          average: bool) -> None:
    theirs, ours = _pair(kdim, vdim)
    query = torch.randn(B, T, E)
    keys, values = torch.randn(B, S, kdim or E), torch.randn(B, S, vdim or E)
    key_padding = ~lengths_mask([7, 4, 2], S)  # torch: True = ignore
    expected, expected_weights = theirs(query, keys, values, key_padding_mask=key_padding,
                                        average_attn_weights=average)
    got = ours(query, keys, values, mask=mask_from_torch(key_padding), average_weights=average)
    torch.testing.assert_close(got.context, expected, **TOL)
    torch.testing.assert_close(got.weights, expected_weights, **TOL)
    assert got.weights.shape == ((B, T, S) if average else (B, H, T, S))
    fused = ours(query, keys, values, mask=mask_from_torch(key_padding), need_weights=False)
    torch.testing.assert_close(fused.context, expected, **TOL)


def test_from_torch_sequence_first_module_and_float_masks() -> None:
    theirs, ours = _pair(batch_first=False)
    query, keys = torch.randn(T, B, E), torch.randn(S, B, E)  # torch layout (L, B, E)
    float_padding = torch.zeros(B, S).masked_fill(~lengths_mask([7, 5, 3], S), float("-inf"))
    expected, _ = theirs(query, keys, keys, key_padding_mask=float_padding)
    got = ours(query.transpose(0, 1), keys.transpose(0, 1), mask=mask_from_torch(float_padding))
    torch.testing.assert_close(got.context, expected.transpose(0, 1), **TOL)


def test_from_torch_with_causal_attn_mask_and_key_padding() -> None:
    theirs, ours = _pair()
    x = torch.randn(B, T, E)
    attn_mask = torch.ones(T, T, dtype=torch.bool).triu(1)  # torch: True = ignore the future
    key_padding = ~lengths_mask([5, 4, 3], T)
    expected, expected_weights = theirs(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding)
    mask = mask_from_torch(key_padding)[:, None, :] & mask_from_torch(attn_mask)[None]  # (B, T, T)
    got = ours(x, x, x, mask=mask)
    torch.testing.assert_close(got.context, expected, **TOL)
    torch.testing.assert_close(got.weights, expected_weights, **TOL)
    ours.causal = True  # the built-in causal option is the same mask
    torch.testing.assert_close(ours(x, x, x, mask=mask_from_torch(key_padding)).context, expected, **TOL)


def test_from_torch_without_bias() -> None:
    theirs, ours = _pair(bias=False)
    query, keys = torch.randn(B, T, E), torch.randn(B, S, E)
    torch.testing.assert_close(ours(query, keys).context, theirs(query, keys, keys)[0], **TOL)


def test_from_torch_refuses_what_it_cannot_copy() -> None:
    with pytest.raises(ValueError, match="add_bias_kv"):
        MultiHeadAttention.from_torch(torch.nn.MultiheadAttention(E, H, add_bias_kv=True))


def test_from_torch_keeps_training_mode_and_dropout() -> None:
    theirs = torch.nn.MultiheadAttention(E, H, dropout=0.25).train()
    ours = MultiHeadAttention.from_torch(theirs)
    assert ours.training and ours.dropout == 0.25


def test_self_attention_shortcut_equals_separate_projections() -> None:
    """query is keys takes one packed matrix product; the answer equals three separate ones."""
    attn = make("multihead").eval()
    x = torch.randn(B, T, E)
    mask = lengths_mask([5, 2, 0], T)
    torch.testing.assert_close(attn(x, x, mask=mask).context, attn(x, x.clone(), mask=mask).context, **TOL)


# ---- our fused path equals our plain path -----------------------------------------------------

def _masks() -> list[torch.Tensor | None]:
    padding = lengths_mask([7, 0, 3], S)  # item 1: nothing to attend to
    ragged = padding[:, None, :] & (torch.rand(B, T, S) > 0.5)  # some rows empty by chance
    ragged[2, 1] = False  # and at least one for sure
    return [None, padding, ragged]


@pytest.mark.parametrize("name", ["scaled_dot", "multihead"])
@pytest.mark.parametrize("mask_index", [0, 1, 2])
@pytest.mark.parametrize("causal", [False, True])
def test_fused_path_equals_plain_path(name: str, mask_index: int, causal: bool) -> None:
    attn = make(name, value_dim=6).eval()
    mask = _masks()[mask_index]
    query = torch.randn(B, T, E, requires_grad=True)
    keys = torch.randn(B, S, E, requires_grad=True)
    values = torch.randn(B, S, 6, requires_grad=True)
    if causal:
        if name == "multihead":
            attn.causal = True
        else:
            mask = causal_mask(T, S) if mask is None else mask.view(B, -1, S) & causal_mask(T, S)
    plain = attn(query, keys, values, mask=mask)
    fused = attn(query, keys, values, mask=mask, need_weights=False)
    assert fused.weights is None
    torch.testing.assert_close(fused.context, plain.context, **TOL)
    grads = [torch.autograd.grad(out.context.square().sum(), (query, keys, values))
             for out in (plain, fused)]
    for plain_grad, fused_grad in zip(*grads, strict=True):
        assert torch.isfinite(fused_grad).all()
        torch.testing.assert_close(fused_grad, plain_grad, **TOL)


def test_multihead_causal_output_at_t_ignores_later_positions() -> None:
    attn = make("multihead", causal=True).eval()
    x = torch.randn(2, 6, E)
    later = x.clone()
    later[:, 4:] = torch.randn(2, 2, E)  # perturb positions 4 and 5
    for need_weights in (True, False):
        before = attn(x, x, need_weights=need_weights).context
        after = attn(later, later, need_weights=need_weights).context
        torch.testing.assert_close(after[:, :4], before[:, :4], **TOL)
        assert not torch.allclose(after[:, 4:], before[:, 4:])


def test_multihead_causal_with_cached_keys_treats_queries_as_the_last_positions() -> None:
    attn = make("multihead", causal=True).eval()
    x = torch.randn(2, 6, E)
    full = attn(x, x).context
    last = attn(x[:, 4:], x).context  # 2 new queries over all 6 keys
    torch.testing.assert_close(last, full[:, 4:], **TOL)


def test_multihead_step_query_per_head_weights() -> None:
    attn = make("multihead").eval()
    query, keys = torch.randn(B, E), torch.randn(B, S, E)
    step = attn(query, keys, average_weights=False)
    sequence = attn(query[:, None], keys, average_weights=False)
    assert step.weights.shape == (B, H, S)
    torch.testing.assert_close(step.weights, sequence.weights[:, :, 0])
    torch.testing.assert_close(step.context, sequence.context[:, 0])
