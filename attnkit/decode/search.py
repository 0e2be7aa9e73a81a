"""Greedy and batched beam search over any model with encode / start / step.

Both return, for every source, hypotheses with their tokens, score and the attention weights
of every output token. Step outputs are written into preallocated tensors (no per-step lists of
small tensors, which fragment memory on long runs); beams are batched, with no Python loop
over hypotheses; the alignment history follows each beam through back-pointers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..data import BOS, EOS, PAD


@dataclass
class Hypothesis:
    """One output: token ids (EOS excluded), its total log-probability ``score``, the ranking
    score after length normalisation, and ``alignment`` (len(tokens) + 1, S_real): the weights
    of each output token (the EOS row last) over the real source tokens, or None."""

    tokens: list[int]
    score: float
    normalized_score: float
    alignment: Tensor | None


def _next_token_log_probs(logits: Tensor) -> Tensor:
    """log_softmax over the vocabulary with PAD and BOS ruled out: (B, V) -> (B, V)."""
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    log_probs[:, PAD] = float("-inf")
    log_probs[:, BOS] = float("-inf")
    return log_probs


def max_output_length(lengths: Tensor, ratio: float, extra: int) -> int:
    return int(lengths.max().item() * ratio) + extra


def _hypothesis(tokens: Tensor, weights: Tensor | None, score: float, penalty: float,
                source_len: int) -> Hypothesis:
    ids = tokens.tolist()
    length = ids.index(EOS) if EOS in ids else len(ids)
    alignment = None if weights is None else weights[: min(length + 1, len(ids)), :source_len].cpu()
    return Hypothesis(ids[:length], score, score / penalty, alignment)


@torch.inference_mode()
def greedy_search(model, source: Tensor, lengths: Tensor, *, max_len: int) -> list[list[Hypothesis]]:
    """The argmax path. source (B, S), lengths (B,) -> one hypothesis per source."""
    memory = model.encode(source, lengths)
    state = model.start(memory)
    batch = source.shape[0]
    tokens = source.new_full((batch, max_len), PAD)  # (B, T)
    weights = None
    scores = source.new_zeros(batch, dtype=torch.float)
    done = torch.zeros(batch, dtype=torch.bool, device=source.device)
    previous = source.new_full((batch,), BOS)
    for t in range(max_len):
        out = model.step(previous, state, memory)
        log_probs = _next_token_log_probs(out.logits)  # (B, V)
        best, previous = log_probs.max(dim=-1)
        previous = previous.masked_fill(done, PAD)
        scores += best.masked_fill(done, 0.0)
        tokens[:, t] = previous
        if out.weights is not None:
            if weights is None:
                weights = source.new_zeros((batch, max_len, out.weights.shape[-1]), dtype=torch.float)
            weights[:, t] = out.weights.float()
        state = out.state
        done |= previous == EOS
        if done.all():
            break
    return [[_hypothesis(tokens[b], None if weights is None else weights[b], scores[b].item(), 1.0,
                         int(lengths[b]))] for b in range(batch)]


@torch.inference_mode()
def beam_search(model, source: Tensor, lengths: Tensor, *, beam_size: int, max_len: int,
                length_penalty: float = 1.0, n_best: int = 1) -> list[list[Hypothesis]]:
    """Batched beam search. source (B, S), lengths (B,) -> n_best hypotheses per source,
    best first by score / length**length_penalty. A finished beam stays in place (it can only
    extend with padding at no cost) so beam 1 is exactly greedy search."""
    batch, k = source.shape[0], beam_size
    memory = model.encode(source, lengths)
    rows = torch.arange(batch, device=source.device).repeat_interleave(k)  # (B*K,)
    memory = memory.index_select(rows)
    state = model.start(memory)
    scores = source.new_zeros((batch, k), dtype=torch.float)
    scores[:, 1:] = float("-inf")  # all beams start identical: keep one alive
    done = torch.zeros(batch * k, dtype=torch.bool, device=source.device)
    previous = source.new_full((batch * k,), BOS)
    tokens = source.new_full((max_len, batch * k), PAD)  # per step, in beam order of that step
    parents = source.new_zeros((max_len, batch * k))
    weights = None
    offsets = (torch.arange(batch, device=source.device) * k)[:, None]  # (B, 1)
    steps = 0
    for t in range(max_len):
        out = model.step(previous, state, memory)
        log_probs = _next_token_log_probs(out.logits)  # (B*K, V)
        vocab = log_probs.shape[-1]
        # a finished beam may only continue with PAD, at no cost
        frozen = torch.full_like(log_probs, float("-inf"))
        frozen[:, PAD] = 0.0
        log_probs = torch.where(done[:, None], frozen, log_probs)
        candidates = (scores.view(-1, 1) + log_probs).view(batch, k * vocab)  # (B, K*V)
        scores, flat = candidates.topk(k, dim=-1)  # (B, K)
        origin = (flat // vocab + offsets).view(-1)  # (B*K,) rows of the previous step
        previous = (flat % vocab).view(-1)  # (B*K,)
        tokens[t], parents[t] = previous, origin
        if out.weights is not None:
            if weights is None:
                weights = source.new_zeros((max_len, batch * k, out.weights.shape[-1]), dtype=torch.float)
            weights[t] = out.weights.float()  # weights of the step's *input* rows
        done = done.index_select(0, origin) | (previous == EOS) | (previous == PAD)
        state = out.state.index_select(origin)
        steps = t + 1
        if done.all():
            break
    return _backtrack(tokens[:steps], parents[:steps], None if weights is None else weights[:steps],
                      scores, lengths, k, length_penalty, n_best)


def _backtrack(tokens: Tensor, parents: Tensor, weights: Tensor | None, scores: Tensor, lengths: Tensor,
               k: int, alpha: float, n_best: int) -> list[list[Hypothesis]]:
    """Follow back-pointers from each final beam: tokens (T, B*K), parents (T, B*K),
    weights (T, B*K, S). The weights at step t were produced by the parent row."""
    steps, rows = tokens.shape
    path_tokens = tokens.new_full((rows, steps), PAD)
    path_weights = None if weights is None else weights.new_zeros((rows, steps, weights.shape[-1]))
    index = torch.arange(rows, device=tokens.device)
    for t in range(steps - 1, -1, -1):
        path_tokens[:, t] = tokens[t].index_select(0, index)
        index = parents[t].index_select(0, index)
        if path_weights is not None:
            path_weights[:, t] = weights[t].index_select(0, index)
    real = (path_tokens != PAD).sum(-1).float()  # tokens incl. EOS
    penalty = real.clamp_min(1.0).pow(alpha).view(-1, k)  # (B, K)
    ranked = (scores / penalty).argsort(dim=-1, descending=True)  # (B, K)
    results = []
    for b in range(scores.shape[0]):
        best = []
        for j in ranked[b, :n_best].tolist():
            row = b * k + j
            best.append(_hypothesis(path_tokens[row], None if path_weights is None else path_weights[row],
                                    scores[b, j].item(), penalty[b, j].item(), int(lengths[b])))
        results.append(best)
    return results
