"""The Transformer encoder-decoder (Vaswani et al. 2017), built on the library's multi-head attention.

Pre-LN by default (Xiong et al. 2020: stable without warm-up tricks), post-LN as in the paper as an
option; sinusoidal or learned positions; optional shared source/target/output embeddings.
Training runs every attention through torch's fused kernel (no weights requested); decoding is
incremental, each decoder layer keeping a key/value cache of its self-attention and the cross-
attention's key side precomputed once per source; ``attention_maps`` returns every layer's and
head's weights for the plots.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..attention import GrowingCache, KeyCache, MultiHeadAttention
from ..config import ModelOptions, option
from ..data import Batch
from ..tasks.schema import Schema
from .dropout import Dropout
from .family import Family
from .state import Memory, ModelOutput, StepOutput, TransformerState


@dataclass(frozen=True)
class TransformerOptions(ModelOptions):
    """``model.type: transformer``: self-attention encoder and decoder with cross-attention."""

    type: str = option("transformer", "model family")
    hidden_dim: int = option(128, "model width d_model (num_heads must divide it)")
    encoder_layers: int = option(1, "encoder layers")
    decoder_layers: int = option(1, "decoder layers")
    dropout: float = option(0.1, "dropout on embeddings, attention weights and residual branches")
    num_heads: int = option(4, "attention heads (must divide hidden_dim, the model width)")
    ff_dim: int = option(512, "width of the position-wise feed-forward layer")
    norm: Literal["pre", "post"] = option("pre", "layer norm before (pre-LN) or after (post-LN, as in Vaswani 2017) "
                                                 "each residual block")
    positions: Literal["sinusoidal", "learned"] = option("sinusoidal", "position encoding")
    max_positions: int = option(1024, "longest sequence the position encoding covers")
    bias: bool = option(True, "biases in the attention projections and feed-forward layers (false: none, as "
                              "OpenNMT-py's Transformer; fewer parameters, a little faster)")
    share_embeddings: bool = option(False, "one joint vocabulary and one embedding matrix for source, target "
                                           "and output layer")

    def problems(self) -> list[str]:
        checks = [
            (self.hidden_dim > 0 and self.ff_dim > 0, "model.hidden_dim and model.ff_dim must be positive"),
            (self.num_heads > 0 and self.hidden_dim % self.num_heads == 0,
             "model.num_heads must divide model.hidden_dim for the transformer"),
            (self.encoder_layers > 0 and self.decoder_layers > 0, "layers must be positive"),
            (0 <= self.dropout < 1, "model.dropout must be in [0, 1)"),
            (self.max_positions > 0, "model.max_positions must be positive"),
        ]
        return super().problems() + [message for ok, message in checks if not ok]


def sinusoidal_positions(length: int, dim: int) -> Tensor:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...) (Vaswani 2017 §3.5). -> (length, dim)"""
    position = torch.arange(length, dtype=torch.float)[:, None]  # (L, 1)
    rates = torch.exp(torch.arange(0, dim, 2, dtype=torch.float) * (-math.log(10000.0) / dim))  # (D/2,)
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * rates)
    table[:, 1::2] = torch.cos(position * rates[: dim // 2])
    return table


class Embedding(nn.Module):
    """Token embedding scaled by sqrt(d) plus position encoding, then dropout.
    forward(tokens (B, T), offset: first position) -> (B, T, D)."""

    def __init__(self, vocab: int, dim: int, *, max_positions: int, learned: bool, dropout: float) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim, padding_idx=0)
        nn.init.normal_(self.tokens.weight, std=dim ** -0.5)
        self.learned = nn.Embedding(max_positions, dim) if learned else None
        self.register_buffer("table", None if learned else sinusoidal_positions(max_positions, dim), persistent=False)
        self.scale, self.max_positions = math.sqrt(dim), max_positions
        self.dropout = Dropout(dropout)

    def forward(self, tokens: Tensor, offset: int = 0) -> Tensor:
        length = tokens.shape[1]
        if offset + length > self.max_positions:
            raise ValueError(f"a sequence of {offset + length} positions exceeds model.max_positions="
                             f"{self.max_positions}; train with a larger model.max_positions")
        positions = (self.learned.weight if self.learned is not None else self.table)[offset:offset + length]
        return self.dropout(self.tokens(tokens) * self.scale + positions)  # (B, T, D)


class FeedForward(nn.Sequential):
    """FFN(x) = W_2 ReLU(W_1 x + b_1) + b_2 (Vaswani 2017 eq. 2), without b_1, b_2 when not
    ``bias``. (B, T, D) -> (B, T, D)"""

    def __init__(self, dim: int, hidden: int, dropout: float, bias: bool = True) -> None:
        super().__init__(nn.Linear(dim, hidden, bias=bias), nn.ReLU(), Dropout(dropout),
                         nn.Linear(hidden, dim, bias=bias))


class Sublayer(nn.Module):
    """A residual block around ``fn`` with its layer norm: pre-LN x + drop(fn(LN(x))) or
    post-LN LN(x + drop(fn(x)))."""

    def __init__(self, dim: int, pre_norm: bool, dropout: float) -> None:
        super().__init__()
        self.norm, self.pre_norm, self.dropout = nn.LayerNorm(dim), pre_norm, Dropout(dropout)

    def inputs(self, x: Tensor) -> Tensor:
        return self.norm(x) if self.pre_norm else x

    def residual(self, x: Tensor, branch: Tensor) -> Tensor:
        out = x + self.dropout(branch)
        return out if self.pre_norm else self.norm(out)


class EncoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ff: int, dropout: float, pre_norm: bool, bias: bool = True) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, num_heads=heads, dropout=dropout, bias=bias)
        self.ff = FeedForward(dim, ff, dropout, bias)
        self.attn_block, self.ff_block = Sublayer(dim, pre_norm, dropout), Sublayer(dim, pre_norm, dropout)

    def forward(self, x: Tensor, mask: Tensor, need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """x (B, S, D), mask (B, S) -> x (B, S, D), weights (B, H, S, S) or None."""
        h = self.attn_block.inputs(x)
        out = self.self_attn(h, h, mask=mask, need_weights=need_weights, average_weights=False)
        x = self.attn_block.residual(x, out.context)
        return self.ff_block.residual(x, self.ff(self.ff_block.inputs(x))), out.weights


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ff: int, dropout: float, pre_norm: bool, bias: bool = True) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, num_heads=heads, causal=True, dropout=dropout, bias=bias)
        self.cross_attn = MultiHeadAttention(dim, num_heads=heads, dropout=dropout, bias=bias)
        self.ff = FeedForward(dim, ff, dropout, bias)
        self.blocks = nn.ModuleList(Sublayer(dim, pre_norm, dropout) for _ in range(3))

    def forward(self, x: Tensor, memory: KeyCache, memory_mask: Tensor, cache: GrowingCache | None = None, *,
                incremental: bool = False, need_weights: bool = False, cross_only: bool = False,
                beams: int = 1):
        """x (B, T, D); memory: this layer's cross-attention KeyCache of the source; memory_mask (B, S).
        Incremental: x holds the next position(s) only and ``cache`` the earlier ones.
        Returns x (B, T, D), the self-attention cache (incremental) or None, self weights
        (B, H, T, T') and cross weights (B, H, T, S) (None unless need_weights; with
        ``cross_only`` the self weights stay None). ``beams`` K > 1 (one position at a time):
        x holds B*K rows, K beams per source, and memory B rows: the K beams of a source attend
        to it as K queries of one row, with no copy of the memory per beam."""
        attn_block, cross_block, ff_block = self.blocks
        h = attn_block.inputs(x)
        if incremental:  # projects the new position(s) only, appends them to the cache
            own, cache = self.self_attn.decode_step(h, cache, need_weights=need_weights and not cross_only,
                                                    average_weights=False)
        else:
            own = self.self_attn(h, h, need_weights=need_weights, average_weights=False)
        x = attn_block.residual(x, own.context)
        queries = cross_block.inputs(x)  # (B*K, 1, D) with beams
        if beams > 1:
            if x.shape[1] != 1:
                raise ValueError(f"beams > 1 decodes one position at a time; got {x.shape[1]} positions")
            queries = queries.view(-1, beams, queries.shape[-1])  # (B, K, D): the K beams as K queries
        cross = self.cross_attn(queries, memory, mask=memory_mask, need_weights=need_weights, average_weights=False)
        context, cross_weights = cross.context, cross.weights
        if beams > 1:
            context = context.reshape(x.shape)  # (B*K, 1, D)
            if cross_weights is not None:  # (B, H, K, S) -> (B*K, H, 1, S)
                cross_weights = cross_weights.transpose(1, 2).reshape(x.shape[0], -1, 1, cross_weights.shape[-1])
        x = cross_block.residual(x, context)
        x = ff_block.residual(x, self.ff(ff_block.inputs(x)))
        return x, cache if incremental else None, own.weights, cross_weights


class TransformerSeq2Seq(Family, nn.Module):
    """Encoder-decoder Transformer (family ``transformer``), text -> text; the same interface as
    the RNN models:

    encode(batch) -> Memory of batch[source] (cross-attention keys precomputed per layer)
    start(memory) -> TransformerState; step(tokens (B,), state, memory) -> StepOutput
    (logits (B, V), weights (B, S): the last layer's cross-attention averaged over heads)
    forward(batch, need_weights=False) -> ModelOutput(logits (B, T, V)[, weights]), teacher-forced
    on batch[target].inputs (B, T)
    attention_maps(batch) -> per-layer, per-head weights for plots
    """

    Options = TransformerOptions
    predictions = ("generate",)

    # beam search hands step() B*K rows over a memory of B rows (memory.beams = K): the K beams
    # of a source are K queries of one cross-attention row, and the memory is never copied per beam
    beam_shared_memory = True

    def __init__(self, source_vocab: int, target_vocab: int, config: TransformerOptions, *, source: str = "source",
                 target: str = "target") -> None:
        super().__init__()
        self.source_name, self.target_name = source, target
        self.max_output_length = config.max_positions
        dim, heads, ff, dropout = config.hidden_dim, config.num_heads, config.ff_dim, config.dropout
        pre = config.norm == "pre"
        embed = dict(max_positions=config.max_positions, learned=config.positions == "learned", dropout=dropout)
        self.target_embedding = Embedding(target_vocab, dim, **embed)
        if config.share_embeddings:
            if source_vocab != target_vocab:
                raise ValueError("model.share_embeddings needs one joint vocabulary; got source and target "
                                 f"vocabularies of {source_vocab} and {target_vocab} tokens")
            self.source_embedding = self.target_embedding
        else:
            self.source_embedding = Embedding(source_vocab, dim, **embed)
        bias = config.bias
        self.encoder = nn.ModuleList(EncoderLayer(dim, heads, ff, dropout, pre, bias)
                                     for _ in range(config.encoder_layers))
        self.decoder = nn.ModuleList(DecoderLayer(dim, heads, ff, dropout, pre, bias)
                                     for _ in range(config.decoder_layers))
        self.encoder_norm = nn.LayerNorm(dim) if pre else nn.Identity()
        self.decoder_norm = nn.LayerNorm(dim) if pre else nn.Identity()
        self.output = nn.Linear(dim, target_vocab)
        if config.share_embeddings:
            self.output.weight = self.target_embedding.tokens.weight

    @classmethod
    def joint_fields(cls, options: TransformerOptions, schema: Schema) -> list[tuple[str, ...]]:
        return [(schema.inputs[0], schema.output)] if options.share_embeddings else []

    @classmethod
    def from_fields(cls, options: TransformerOptions, schema: Schema, fields: Mapping[str, Any]) -> TransformerSeq2Seq:
        source, target = schema.inputs[0], schema.output
        return cls(fields[source].size, fields[target].size, options, source=source, target=target)

    def _encode(self, source: Tensor, lengths: Tensor, need_weights: bool = False):
        mask = torch.arange(source.shape[1], device=source.device)[None, :] < lengths[:, None]  # (B, S)
        x, maps = self.source_embedding(source), []
        for layer in self.encoder:
            x, weights = layer(x, mask, need_weights)
            maps.append(weights)
        return self.encoder_norm(x), mask, maps

    def encode(self, batch: Batch) -> Memory:
        source = batch[self.source_name]
        states, mask, _ = self._encode(source.data, source.lengths)
        keys = tuple(layer.cross_attn.precompute(states) for layer in self.decoder)
        return Memory(states=states, final=None, mask=mask, keys=keys)

    def start(self, memory: Memory) -> TransformerState:
        return TransformerState(caches=(None,) * len(self.decoder))

    def step(self, tokens: Tensor, state: TransformerState, memory: Memory) -> StepOutput:
        x = self.target_embedding(tokens[:, None], offset=state.step)  # (B, 1, D)
        caches, last = [], len(self.decoder) - 1
        for i, (layer, keys, cache) in enumerate(zip(self.decoder, memory.keys, state.caches, strict=True)):
            x, cache, _, cross = layer(x, keys, memory.mask, cache, incremental=True, need_weights=i == last,
                                       cross_only=True, beams=memory.beams)
            caches.append(cache)
        logits = self.output(self.decoder_norm(x))[:, 0]  # (B, V)
        return StepOutput(logits, TransformerState(tuple(caches), state.step + 1), cross.mean(dim=1)[:, 0])

    def decode_full(self, target_in: Tensor, memory: Memory, need_weights: bool = False):
        """All positions at once (teacher forcing, or recomputation without a cache):
        target_in (B, T) -> logits (B, T, V), self maps, cross maps (per layer, (B, H, T, *))."""
        x, own_maps, cross_maps = self.target_embedding(target_in), [], []
        for layer, keys in zip(self.decoder, memory.keys, strict=True):
            x, _, own, cross = layer(x, keys, memory.mask, need_weights=need_weights)
            own_maps.append(own)
            cross_maps.append(cross)
        return self.output(self.decoder_norm(x)), own_maps, cross_maps

    def forward(self, batch: Batch, need_weights: bool = False) -> ModelOutput:
        """Teacher forcing. With ``need_weights`` the weights are the last layer's cross-attention
        averaged over heads (B, T, S), as in decoding; without, every attention runs fused."""
        target_in = batch[self.target_name].inputs
        logits, _, cross = self.decode_full(target_in, self.encode(batch), need_weights=need_weights)
        return ModelOutput(logits, cross[-1].mean(dim=1) if need_weights else None)

    @torch.no_grad()
    def attention_maps(self, batch: Batch) -> dict[str, Tensor]:
        """Every layer's and head's weights, teacher-forced on batch[target].inputs (B, T):
        encoder_self (B, L, H, S, S), decoder_self (B, L, H, T, T), cross (B, L, H, T, S)."""
        source, target_in = batch[self.source_name], batch[self.target_name].inputs
        states, mask, encoder_maps = self._encode(source.data, source.lengths, need_weights=True)
        memory = Memory(states, None, mask, tuple(layer.cross_attn.precompute(states) for layer in self.decoder))
        _, own_maps, cross_maps = self.decode_full(target_in, memory, need_weights=True)
        return {"encoder_self": torch.stack(encoder_maps, 1), "decoder_self": torch.stack(own_maps, 1),
                "cross": torch.stack(cross_maps, 1)}
