"""attnkit.attention: every classic attention mechanism behind one contract.

    from attnkit.attention import build, names
    attn = build("additive", query_dim=256, key_dim=512)
    context, weights = attn(query, keys, values=None, mask=mask)

query (B, Dq) or (B, T, Dq); keys (B, S, Dk); values (B, S, Dv) = keys; mask (B, S) or
(B, T, S) with True = may attend. Returns context (B, [T,] Dv) and weights (B, [T,] S): rows sum
to 1 over allowed keys, masked keys get exactly 0, a row with no key gets zeros (never NaN).
``out.scores`` are the raw scores the weights came from (masked keys at the dtype's most negative
finite value), usable as logits.

Step state belongs to the mechanism; a decoder carries it without looking inside:

    state = attn.initial_state(cache, mask)          # None for stateless mechanisms
    for t in range(steps):
        out = attn(query_t, cache, mask=mask, state=state)
        state = out.state                            # batch first: state.index_select(0, beams)

``build("multihead", ..., score="additive")`` scores every head with another registered mechanism.
"""

from .additive import AdditiveAttention
from .base import Attention, AttentionOutput, KeyCache, StepState
from .content import CosineAttention
from .coverage import CoverageAttention
from .dot_product import DotAttention, GeneralAttention, ScaledDotAttention, fused_attention
from .growing_cache import GrowingCache
from .hard import HardAttention
from .local import LocalMonotonicAttention, LocalPredictiveAttention
from .location import LocationAttention
from .location_aware import LocationAwareAttention
from .masking import causal_mask, lengths_to_mask, mask_from_torch
from .multihead import MultiHeadAttention
from .normalizers import NORMALIZERS, get_normalizer
from .ntm_addressing import NTMAddressing, circular_shift, interpolate, sharpen_scores
from .ntm_memory import erase_and_add
from .registry import aliases, build, canonical_name, describe, names, options, register

__all__ = [
    "AdditiveAttention", "Attention", "AttentionOutput", "CosineAttention", "CoverageAttention", "DotAttention",
    "GeneralAttention", "GrowingCache", "HardAttention", "KeyCache", "LocalMonotonicAttention",
    "LocalPredictiveAttention", "LocationAttention", "LocationAwareAttention", "MultiHeadAttention",
    "NORMALIZERS", "ScaledDotAttention", "StepState", "aliases", "build", "canonical_name", "causal_mask",
    "describe", "fused_attention", "get_normalizer", "lengths_to_mask", "mask_from_torch", "names",
    "options", "register",
    "NTMAddressing", "circular_shift", "erase_and_add", "interpolate", "sharpen_scores",
]
