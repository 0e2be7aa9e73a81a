"""Any registered score inside multi-head attention's heads (``MultiHeadAttention(score=...)``).

Multi-head attention projects queries, keys and values into H heads, (B, H, L, Dh). To score the
heads with another mechanism (additive, general, dot, cosine, ...), the heads are folded into the
batch, (B * H, L, Dh), and one instance of that mechanism, built with query_dim = key_dim = Dh,
does its usual plain-path work on them: its own ``project_keys``, ``score``, ``focus``, normaliser
and dropout. Its parameters are shared by the heads; the per-head projections W_i^Q, W_i^K make
the heads differ. Nothing here repeats a formula: each score lives once, in its own module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from .base import Attention, AttentionOutput, KeyCache


def _refusal(name: str, mechanism: type[Attention]) -> str | None:
    """Why the mechanism ``name`` cannot score the heads, or None when it can."""
    if name == "multihead":
        return "is multi-head attention itself"
    if mechanism.initial_state is not Attention.initial_state:
        return ("carries state from one decoder step to the next, which one instance shared by "
                "every head does not keep per head")
    if mechanism.normalize_scores is not Attention.normalize_scores:
        return "does not turn its scores into weights with a normaliser (it samples one key)"
    return None


def build_head_score(name: str, head_dim: int, options: Mapping[str, Any] | None, *, normalizer: str,
                     dropout: float) -> tuple[str, Attention]:
    """The mechanism ``name`` for heads of width Dh = head_dim: (its canonical name, the module).

    ``options`` are its own constructor options (``score_options``); the normaliser and the
    dropout on the weights are multi-head attention's. A mechanism that keeps step state, samples
    instead of normalising, or is multi-head itself is refused with a ValueError.
    """
    from .registry import MECHANISMS, build, canonical_name  # here: the registry imports multi-head

    if not isinstance(name, str):
        raise ValueError(f"MultiHeadAttention: score must be a mechanism name (str); got {name!r}")
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"MultiHeadAttention: score_options must be a dict of the score's options "
                         f"or None; got {options!r}")
    try:
        canonical = canonical_name(name)
    except ValueError as error:
        raise ValueError(f"MultiHeadAttention score: {error}") from error
    reason = _refusal(canonical, MECHANISMS[canonical])
    if reason is not None:
        usable = [n for n, mechanism in MECHANISMS.items() if _refusal(n, mechanism) is None]
        raise ValueError(f"MultiHeadAttention: score={name!r} cannot score every head: it {reason}; "
                         f"choose one of {', '.join(usable)}")
    options = dict(options or {})
    clash = sorted(set(options) & {"value_dim", "normalizer", "dropout"})
    if clash:
        raise ValueError(f"MultiHeadAttention: score_options may not set {', '.join(clash)}; pass "
                         "normalizer and dropout to MultiHeadAttention itself (a head's values are "
                         "head_dim wide)")
    try:
        head = build(canonical, query_dim=head_dim, key_dim=head_dim, normalizer=normalizer,
                     dropout=dropout, **options)
    except TypeError as error:
        raise TypeError(f"MultiHeadAttention score_options for score={canonical!r}: {error}") from error
    return canonical, head


def fold_heads(x: Tensor) -> Tensor:
    """(B, H, L, ...) -> (B * H, L, ...): every head a batch row of its own."""
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def unfold_heads(x: Tensor, heads: int) -> Tensor:
    """(B * H, L, ...) -> (B, H, L, ...)."""
    return x.reshape(-1, heads, *x.shape[1:])


def fold_mask(mask: Tensor | None, batch: int, heads: int) -> Tensor | None:
    """The same mask for every head: (B|1, T|1, S) -> (B * H, T|1, S)."""
    if mask is None:
        return None
    per_head = mask.expand(batch, -1, -1)[:, None].expand(-1, heads, -1, -1)  # (B, H, T|1, S)
    return fold_heads(per_head)


def project_head_keys(head: Attention, keys: Tensor) -> Tensor | None:
    """The head score's key-side work: per-head keys (B, H, S, Dh) -> (B, H, S, ...), or None
    when the score has none (dot, scaled dot, cosine)."""
    work = head.project_keys(fold_heads(keys))  # (B * H, S, ...) or None
    return None if work is None else unfold_heads(work, keys.shape[1])


def head_cache(head: Attention, cache: KeyCache) -> KeyCache:
    """What the head score reads, folded: keys the per-head keys (B * H, S, Dh), values
    (B * H, S, Dh), projected its key-side work (recomputed when the cache has none, as a
    decoding GrowingCache's view)."""
    keys = fold_heads(cache.projected)  # (B * H, S, Dh)
    projected = head.project_keys(keys) if cache.head_projected is None else fold_heads(cache.head_projected)
    return KeyCache(keys=keys, values=fold_heads(cache.values), projected=projected)


def attend_heads(head: Attention, query: Tensor, cache: KeyCache, mask: Tensor | None) -> AttentionOutput:
    """Every head at once through the head mechanism's plain path.

    query (B, H, T, Dh) projected; cache from MultiHeadAttention.precompute (projected and values
    (B, H, S, Dh)); mask (B|1, T|1, S) or None. Returns context (B, H, T, Dh), weights and
    scores (B, H, T, S).
    """
    batch, heads = query.shape[:2]
    out = head.attend(fold_heads(query), head_cache(head, cache), fold_mask(mask, batch, heads),
                      need_weights=True)
    return AttentionOutput(unfold_heads(out.context, heads), unfold_heads(out.weights, heads),
                           raw_scores=unfold_heads(out.scores, heads))
