"""Shared builders for the attention tests: one way to make and call every registered mechanism.

Sizes stay tiny (B <= 4, S <= 8, D <= 16) so the whole attention suite runs in seconds. The module
name is unique in the tests tree, so pytest's default (prepend) import mode finds it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from attnkit.attention import Attention, AttentionOutput, KeyCache, StepState, build, names

D = 16  # query_dim = key_dim in every test unless it needs otherwise
HEADS = 4

ALL = names()
# Mechanisms whose score has parameters that can be swapped for another normaliser.
SCORE_BASED = [n for n in ALL if n != "hard"]
# Mechanisms that carry state between steps (initial_state / state= / out.state).
STATEFUL = {"location_aware", "local_m", "ntm_addressing", "coverage"}
# Registered scores that MultiHeadAttention(score=...) can apply to every head.
HEAD_SCORES = ["cosine", "additive", "location", "general", "dot", "scaled_dot", "local_p"]


def make(name: str, query_dim: int = D, key_dim: int = D, **options: Any) -> Attention:
    """Build ``name`` with the per-mechanism defaults the tests use (multi-head: 4 heads)."""
    if name == "multihead":
        options.setdefault("num_heads", HEADS)
    if name == "location":
        options.setdefault("max_source_len", 8)
    if name in ("local_m", "local_p"):
        options.setdefault("window", 2)
    if name == "location_aware":
        options.setdefault("kernel_size", 3)
        options.setdefault("channels", 2)
    return build(name, query_dim=query_dim, key_dim=key_dim, **options)


def make_multihead(score: str, **options: Any) -> Attention:
    """Multi-head attention (4 heads of width 4) scoring every head with ``score``."""
    defaults = {"location": {"max_source_len": 8}, "local_p": {"window": 2}}.get(score)
    options.setdefault("score_options", defaults)
    return make("multihead", score=score, **options)


def reorder(state: StepState, index: Tensor) -> StepState:
    """What a beam search does to any mechanism's state: pick batch rows, index (B',)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(part.index_select(0, index) for part in state)
    return state.index_select(0, index)


def context_dim(name: str, attn: Attention, value_dim: int) -> int:
    """Multi-head attention projects its output back to the model width E = query_dim."""
    return attn.query_dim if name == "multihead" else value_dim


def call(attn: Attention, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
         mask: Tensor | None = None, **state: Any) -> AttentionOutput:
    """``attn(query, keys, values, mask, **state)``: one place where the tests call mechanisms."""
    return attn(query, keys, values, mask=mask, **state)


def lengths_mask(lengths: list[int], num_keys: int) -> Tensor:
    """(B, S) bool, True at positions < length."""
    return torch.arange(num_keys)[None, :] < torch.tensor(lengths)[:, None]


def rows_sum_to_one(weights: Tensor, mask: Tensor, atol: float = 1e-5) -> bool:
    """Rows with an allowed key sum to 1; rows without sum to 0. mask broadcasts to weights."""
    mask = mask.expand_as(weights)
    expected = mask.any(-1).to(weights.dtype)
    return torch.allclose(weights.float().sum(-1), expected.float(), atol=atol)


def finite_grads(*tensors: Tensor, module: torch.nn.Module | None = None) -> bool:
    grads = [t.grad for t in tensors]
    if module is not None:
        grads += [p.grad for p in module.parameters()]
    return all(g is None or bool(torch.isfinite(g).all()) for g in grads)
