"""Greedy and batched beam search over any model with encode / start / step.

The special outputs (padding, start, end, the never-chosen ones) are the model's
``model.specials`` (models.state.Specials; text ids by default), and a step may restrict the
outputs it allows (``StepOutput.allowed``), so one search serves text and pointing alike.

Both return, for every source, hypotheses with their tokens, score and the attention weights
of every output token. Step outputs are written into preallocated tensors (no per-step lists of
small tensors, which fragment memory on long runs); beams are batched, with no Python loop
over hypotheses; the alignment history follows each beam through back-pointers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from ..data import Batch
from ..models.state import TEXT_SPECIALS, Memory, Specials, StepOutput


@dataclass
class Hypothesis:
    """One output: token ids (EOS excluded), its total log-probability ``score``, the ranking
    score after length normalisation, and ``alignment`` (len(tokens) + 1, S_real): the weights
    of each output token (the EOS row last) over the real source tokens, or None. ``ended`` is
    False for a hypothesis cut off by the length limit (no EOS, and no EOS row). ``gates``
    (len(tokens) + 1,): the step's ``StepOutput.gate`` of each output token (a pointer-generator's
    p_gen), rows as the alignment's, or None."""

    tokens: list[int]
    score: float
    normalized_score: float
    alignment: Tensor | None
    ended: bool = True
    gates: Tensor | None = None


def _next_token_log_probs(out: StepOutput, banned: Tensor | None) -> Tensor:
    """log_softmax over the step's logits (B, V) with the banned outputs (ids (N,), one in-place
    fill) and the outputs the step does not allow ruled out -> (B, V)."""
    log_probs = torch.log_softmax(out.logits.float(), dim=-1)
    if banned is not None:
        log_probs.index_fill_(1, banned, float("-inf"))
    if out.allowed is not None:
        log_probs.masked_fill_(~out.allowed, float("-inf"))
    return log_probs


def constrain(log_probs: Tensor, t: int, history: Tensor | None, *, end: int, min_len: int,
              no_repeat_ngram: int) -> None:
    """The decoding options, in place on step t's log_probs (R, V): the end is ruled out while
    fewer than ``min_len`` tokens were written, and any token that would repeat an n-gram
    (n = ``no_repeat_ngram``) already in the row's history (R, t) (Paulus et al. 2018's trigram
    blocking). The searches call it only when an option is on, so the default costs nothing."""
    if t < min_len:
        log_probs[:, end] = float("-inf")
    n = no_repeat_ngram
    if n and t >= n:
        windows = history.unfold(1, n, 1)  # (R, t - n + 1, n): every n-gram so far
        prefix = history[:, t - n + 1:]  # (R, n - 1): the n-gram the next token would end
        repeats = (windows[:, :, :-1] == prefix[:, None, :]).all(-1)  # (R, W)
        rows, starts = repeats.nonzero(as_tuple=True)
        log_probs[rows, windows[rows, starts, -1]] = float("-inf")


def specials_of(model) -> Specials:
    """The model's special output ids (``model.specials``), text's by default."""
    return getattr(model, "specials", TEXT_SPECIALS)


def _banned(specials: Specials, device: torch.device) -> Tensor | None:
    """The ids a search never chooses as a (N,) tensor on ``device``, built once per search."""
    return torch.tensor(specials.banned, dtype=torch.long, device=device) if specials.banned else None


# Finished sources leave the batch once at least 1/SHRINK of it has finished: shrinking copies the
# encoder memory and decoder state, so doing it for every single finished source costs more than
# the rows it saves.
SHRINK = 4


def max_output_length(lengths: Tensor, ratio: float, extra: int) -> int:
    return int(lengths.max().item() * ratio) + extra


def _hypothesis(tokens: Tensor, weights: Tensor | None, score: float, penalty: float,
                source_len: int, end: int, gates: Tensor | None = None) -> Hypothesis:
    ids = tokens.tolist()
    length = ids.index(end) if end in ids else len(ids)
    rows = min(length + 1, len(ids))
    alignment = None if weights is None else weights[:rows, :source_len].cpu()
    return Hypothesis(ids[:length], score, score / penalty, alignment, ended=length < len(ids),
                      gates=None if gates is None else gates[:rows].cpu())


def memory_lengths(memory: Memory) -> Tensor:
    """(B,) long: the real keys of each source in an encoded memory (its mask's row sums)."""
    return memory.mask.sum(-1)


@torch.inference_mode()
def greedy_search(model, inputs: Batch, *, max_len: int, min_len: int = 0,
                  no_repeat_ngram: int = 0) -> list[list[Hypothesis]]:
    """The argmax path over the batch's inputs -> one hypothesis per source, at least
    ``min_len`` tokens long and, with ``no_repeat_ngram`` n, no n-gram twice (``constrain``).
    A finished source continues with padding at no cost; once a quarter of the batch has
    finished, the finished sources leave it, so later steps compute only the rows still decoding."""
    specials = specials_of(model)
    memory = model.encode(inputs)
    state = model.start(memory)
    lengths = memory_lengths(memory)
    batch, device = lengths.shape[0], lengths.device
    tokens = torch.full((batch, max_len), specials.pad, dtype=torch.long, device=device)  # (B, T)
    weights = gates = None
    scores = torch.zeros(batch, dtype=torch.float, device=device)
    active = torch.arange(batch, device=device)  # (B',) the sources still in the batch
    done = torch.zeros(batch, dtype=torch.bool, device=device)  # (B',)
    previous = torch.full((batch,), specials.start, dtype=torch.long, device=device)  # (B',)
    banned = _banned(specials, device)
    for t in range(max_len):
        out = model.step(previous, state, memory)
        log_probs = _next_token_log_probs(out, banned)  # (B', V)
        if min_len or no_repeat_ngram:
            constrain(log_probs, t, tokens[active, :t] if no_repeat_ngram else None, end=specials.end,
                      min_len=min_len, no_repeat_ngram=no_repeat_ngram)
        best, previous = log_probs.max(dim=-1)  # (B',)
        previous = previous.masked_fill(done, specials.pad)
        scores.index_add_(0, active, best.masked_fill(done, 0.0))
        tokens[active, t] = previous
        if out.weights is not None:
            if weights is None:
                weights = torch.zeros((batch, max_len, out.weights.shape[-1]), dtype=torch.float, device=device)
            weights[active, t] = out.weights.float()
        if out.gate is not None:
            if gates is None:
                gates = torch.zeros((batch, max_len), dtype=torch.float, device=device)
            gates[active, t] = out.gate.float()
        state = out.state
        done |= previous == specials.end
        finished, live = int(done.sum()), active.shape[0]
        if finished == live:
            break
        if finished * SHRINK >= live:
            keep = (~done).nonzero().squeeze(1)  # (B'',) positions among the rows in the batch
            active, previous, done = active[keep], previous[keep], done[keep]
            state, memory = state.index_select(keep), memory.index_select(keep)
    return [[_hypothesis(tokens[b], None if weights is None else weights[b], scores[b].item(), 1.0,
                         int(lengths[b]), specials.end, None if gates is None else gates[b])] for b in range(batch)]


@torch.inference_mode()
def beam_search(model, inputs: Batch, *, beam_size: int, max_len: int,
                length_penalty: float = 1.0, n_best: int = 1, early_stop: bool = True, min_len: int = 0,
                no_repeat_ngram: int = 0) -> list[list[Hypothesis]]:
    """Batched beam search over the batch's inputs -> n_best hypotheses per source,
    best first by score / length**length_penalty, hypotheses that ended with EOS before those
    cut off by ``max_len``; ``min_len`` and ``no_repeat_ngram`` constrain every beam as in greedy
    search (``constrain``: each beam's own history is kept only when n-grams are blocked). A
    finished beam stays in place (it can only extend with padding at no cost) so beam 1 is exactly
    greedy search, and the K beams stay sorted by total log-probability.

    A source is finished when its K beams all have (``early_stop=False``) or, by default, when its
    n_best highest-scoring beams have: the others can only lose log-probability, so this stop
    never changes the result when length_penalty is 0, and with a length penalty it is the rule
    OpenNMT-py and fairseq use (a longer, still unfinished beam could in principle overtake after
    normalisation). Finished sources leave the batch (once a quarter of it has finished): later
    steps compute only the sources still decoding, and a departed source's remaining history is
    padding with back-pointers to itself, as if it had stayed."""
    specials = specials_of(model)
    pad = specials.pad
    encoded = model.encode(inputs)
    lengths = memory_lengths(encoded)
    batch, k = lengths.shape[0], beam_size
    device = lengths.device
    memory = _for_beams(model, encoded, k)
    state = model.start(memory)
    scores = torch.zeros((batch, k), dtype=torch.float, device=device)  # (B', K) of the sources still decoding
    scores[:, 1:] = float("-inf")  # all beams start identical: keep one alive
    final_scores = scores.clone()  # (B, K)
    final_done = torch.zeros((batch, k), dtype=torch.bool, device=device)  # (B, K) ended with EOS
    deciding = n_best if early_stop else k  # the top beams that must have finished
    done = torch.zeros(batch * k, dtype=torch.bool, device=device)  # (B'*K,)
    previous = torch.full((batch * k,), specials.start, dtype=torch.long, device=device)  # (B'*K,)
    tokens = torch.full((max_len, batch * k), pad, dtype=torch.long, device=device)  # per step, in beam order
    parents = torch.arange(batch * k, device=device).repeat(max_len, 1)  # (T, B*K); a finished row: itself
    weights = gates = None
    history = tokens.new_full((batch * k, max_len), pad) if no_repeat_ngram else None  # (B'*K, T) each row's path
    offsets = (torch.arange(batch, device=device) * k)[:, None]  # (B, 1)
    active = torch.arange(batch, device=device)  # (B',) sources still decoding
    rows = torch.arange(batch * k, device=device)  # (B'*K,) their rows in the (B*K) history
    within = torch.arange(k, device=device)  # (K,)
    steps = 0
    banned = _banned(specials, device)
    for t in range(max_len):
        out = model.step(previous, state, memory)
        log_probs = _next_token_log_probs(out, banned)  # (B'*K, V)
        if min_len or no_repeat_ngram:
            constrain(log_probs, t, None if history is None else history[:, :t], end=specials.end, min_len=min_len,
                      no_repeat_ngram=no_repeat_ngram)
        vocab, live = log_probs.shape[-1], active.shape[0]
        # a finished beam may only continue with the padding output, at no cost (in place: no
        # (B*K, V) temporaries); a live beam keeps that column's own log-probability (-inf when
        # padding is banned, as for text; the end's when padding is the end, as for pointing)
        live_pad = log_probs[:, pad] if pad not in specials.banned else float("-inf")
        log_probs.masked_fill_(done[:, None], float("-inf"))
        log_probs[:, pad] = torch.where(done, 0.0, live_pad)
        candidates = log_probs.add_(scores.view(-1, 1)).view(live, k * vocab)  # (B', K*V)
        scores, flat = candidates.topk(k, dim=-1)  # (B', K)
        origin = (flat // vocab + offsets[:live]).view(-1)  # (B'*K,) rows of the previous step
        previous = (flat % vocab).view(-1)  # (B'*K,)
        tokens[t, rows], parents[t, rows] = previous, rows[origin]
        if out.weights is not None:
            if weights is None:
                weights = torch.zeros((max_len, batch * k, out.weights.shape[-1]), dtype=torch.float, device=device)
            weights[t, rows] = out.weights.float()  # weights of the step's *input* rows
        if out.gate is not None:
            if gates is None:
                gates = torch.zeros((max_len, batch * k), dtype=torch.float, device=device)
            gates[t, rows] = out.gate.float()
        if history is not None:
            history = history.index_select(0, origin)
            history[:, t] = previous
        done = done.index_select(0, origin) | (previous == specials.end) | (previous == pad)
        steps = t + 1
        finished = done.view(live, k)[:, :deciding].all(dim=-1)  # (B',) beams are sorted by score
        count = int(finished.sum())
        if count == 0 or (count < live and count * SHRINK < live):
            state = out.state.index_select(origin)
            continue
        final_scores[active], final_done[active] = scores, done.view(live, k)
        keep = (~finished).nonzero().squeeze(1)  # (B'',) among the active sources
        if keep.numel() == 0:
            break
        kept = (keep[:, None] * k + within).view(-1)  # (B''*K,) among the active rows
        active, rows, scores = active[keep], rows[kept], scores[keep]
        done, previous = done[kept], previous[kept]
        history = None if history is None else history[kept]
        state, memory = out.state.index_select(origin[kept]), memory.index_select(keep if memory.beams > 1 else kept)
    final_scores[active], final_done[active] = scores, done.view(-1, k)
    return _backtrack(tokens[:steps], parents[:steps], None if weights is None else weights[:steps],
                      final_scores, final_done, lengths, k, length_penalty, n_best, specials,
                      None if gates is None else gates[:steps])


def _for_beams(model, memory: Memory, k: int) -> Memory:
    """The memory for B*K decoder rows: a model with ``beam_shared_memory`` reads one memory row
    for all K beams of a source (memory.beams = K, nothing copied); any other model gets each
    source's row repeated K times."""
    if getattr(model, "beam_shared_memory", False):
        return replace(memory, beams=k)
    batch = memory.mask.shape[0]
    return memory.index_select(torch.arange(batch, device=memory.mask.device).repeat_interleave(k))


def _backtrack(tokens: Tensor, parents: Tensor, weights: Tensor | None, scores: Tensor, finished: Tensor,
               lengths: Tensor, k: int, alpha: float, n_best: int,
               specials: Specials = TEXT_SPECIALS, gates: Tensor | None = None) -> list[list[Hypothesis]]:
    """Follow back-pointers from each final beam: tokens (T, B*K), parents (T, B*K),
    weights (T, B*K, S), gates (T, B*K); scores and finished (B, K). The weights and gates at
    step t were produced by the parent row. Ranked by normalised score, finished beams first."""
    steps, rows = tokens.shape
    pad = specials.pad
    path_tokens = tokens.new_full((rows, steps), pad)
    path_weights = None if weights is None else weights.new_zeros((rows, steps, weights.shape[-1]))
    path_gates = None if gates is None else gates.new_zeros((rows, steps))
    index = torch.arange(rows, device=tokens.device)
    for t in range(steps - 1, -1, -1):
        path_tokens[:, t] = tokens[t].index_select(0, index)
        index = parents[t].index_select(0, index)
        if path_weights is not None:
            path_weights[:, t] = weights[t].index_select(0, index)
        if path_gates is not None:
            path_gates[:, t] = gates[t].index_select(0, index)
    real = (path_tokens != pad).sum(-1).float()  # tokens incl. EOS
    if pad == specials.end:  # the end is not told apart from padding: count it where the beam ended
        real = real + finished.reshape(-1).float()
    penalty = real.clamp_min(1.0).pow(alpha).view(-1, k)  # (B, K)
    by_score = (scores / penalty).argsort(dim=-1, descending=True, stable=True)  # (B, K)
    ended = finished & scores.isfinite()  # a -inf filler beam (tiny vocabularies) never ended
    finished_first = ended.gather(1, by_score).int().argsort(dim=-1, descending=True, stable=True)
    ranked = by_score.gather(1, finished_first)  # (B, K)
    results = []
    for b in range(scores.shape[0]):
        best = []
        for j in ranked[b, :n_best].tolist():
            row = b * k + j
            best.append(_hypothesis(path_tokens[row], None if path_weights is None else path_weights[row],
                                    scores[b, j].item(), penalty[b, j].item(), int(lengths[b]), specials.end,
                                    None if path_gates is None else path_gates[row]))
        results.append(best)
    return results
