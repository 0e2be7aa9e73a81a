"""Greedy and beam search: greedy is the argmax path, beam 1 is greedy, beams are sorted and
distinct, alignments have one row per output token + EOS, padding and batching change nothing,
the key side is computed once per source, and beam search beats greedy where it should."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
import torch
from text_pipeline import decode_sources, source_batch, tensor_batch, text_model

from attnkit.config import DecodeConfig, model_config
from attnkit.decode import beam_search, greedy_search
from attnkit.fields import BOS, EOS, PAD
from attnkit.models import Memory, StepOutput

VOCAB = 14
SOURCES = [[4, 5, 6, 7, 8, 9], [10, 4], [5, 6, 7], [11, 12, 13, 4, 5]]
MECHANISMS = [("additive", {}), ("general", {}), ("dot", {}),
              ("location_aware", {"kernel_size": 3, "channels": 2}), ("local_m", {"window": 2}),
              ("local_p", {"window": 2}), ("hard", {}), ("multihead", {"num_heads": 2})]
STYLES = ([("none", "gru", "additive", {}), ("none", "lstm", "additive", {})]
          + [(style, "gru", name, opts) for style in ("bahdanau", "luong") for name, opts in MECHANISMS]
          + [("bahdanau", "lstm", "additive", {}), ("luong", "lstm", "general", {})])
IDS = ["-".join(s[:3]) for s in STYLES]
MAX_LEN = 12


def make_model(style: str, cell: str, name: str, options: dict, seed: int = 0,
               eos_bias: float = 0.8) -> torch.nn.Module:
    """An untrained model in eval mode. The properties below hold for any weights; the
    output bias favours EOS a little so that some hypotheses end before MAX_LEN."""
    # the options first: validating them builds the mechanism once, which draws from torch's RNG
    config = model_config(style=style, cell=cell, embedding_dim=8, hidden_dim=16, dropout=0.3,
                          attention={"name": name, "options": dict(options)})
    torch.manual_seed(seed)
    model = text_model(config, VOCAB, VOCAB).eval()
    with torch.no_grad():
        model.output.bias[EOS] += eos_bias
    return model


def batch_of(sources):
    """The input-only batch of ``sources`` and its padded source (B, S) and lengths (B,)."""
    batch = source_batch(sources)
    return batch, batch["source"].data, batch["source"].lengths


def forced(model, source, lengths, b, path):
    """Teacher forcing row b of the padded source alone on the output ``path`` (EOS included)."""
    return model(tensor_batch(source[b:b + 1, :lengths[b]], lengths[b:b + 1], torch.tensor([[BOS] + path[:-1]])))


@pytest.mark.parametrize("style,cell,name,options", STYLES, ids=IDS)
def test_greedy_output_is_the_argmax_path(style, cell, name, options):
    model = make_model(style, cell, name, options)
    inputs, source, lengths = batch_of(SOURCES)
    found = greedy_search(model, inputs, max_len=MAX_LEN)
    for b, (hypothesis,) in enumerate(found):
        ended = len(hypothesis.tokens) < MAX_LEN
        path = hypothesis.tokens + ([EOS] if ended else [])
        with torch.no_grad():
            out = forced(model, source, lengths, b, path)
        logits = out.logits[0].clone()
        logits[:, [PAD, BOS]] = float("-inf")
        assert logits.argmax(-1).tolist() == path
        log_probs = torch.log_softmax(out.logits[0], -1).gather(-1, torch.tensor(path)[:, None]).sum()
        assert hypothesis.score == pytest.approx(log_probs.item(), abs=1e-4)
        if style == "none":
            assert hypothesis.alignment is None
        else:
            assert hypothesis.alignment.shape == (len(path), int(lengths[b]))
            torch.testing.assert_close(hypothesis.alignment, out.weights[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("style,cell,name,options", STYLES, ids=IDS)
def test_beam_size_one_equals_greedy(style, cell, name, options):
    model = make_model(style, cell, name, options)
    inputs, source, lengths = batch_of(SOURCES)
    greedy = greedy_search(model, inputs, max_len=MAX_LEN)
    beam = beam_search(model, inputs, beam_size=1, max_len=MAX_LEN)
    assert any(len(g[0].tokens) < MAX_LEN for g in greedy), "some hypothesis should end with EOS"
    for (g,), (b,) in zip(greedy, beam, strict=True):
        assert b.tokens == g.tokens
        assert b.score == pytest.approx(g.score, abs=1e-5)
        if g.alignment is None:
            assert b.alignment is None
        else:
            torch.testing.assert_close(b.alignment, g.alignment)


@pytest.mark.parametrize("style,cell,name,options", STYLES, ids=IDS)
def test_beams_sorted_distinct_with_full_alignments(style, cell, name, options):
    model = make_model(style, cell, name, options)
    inputs, source, lengths = batch_of(SOURCES)
    found = beam_search(model, inputs, beam_size=4, max_len=MAX_LEN, length_penalty=0.7, n_best=4)
    greedy = greedy_search(model, inputs, max_len=MAX_LEN)
    for b, hypotheses in enumerate(found):
        assert len(hypotheses) == 4
        ranked = [(h.ended, h.normalized_score) for h in hypotheses]  # ended ones first
        assert ranked == sorted(ranked, reverse=True)
        assert all(math.isfinite(h.normalized_score) for h in hypotheses)
        assert len({tuple(h.tokens) for h in hypotheses}) == 4, "n-best hypotheses must differ"
        for h in hypotheses:
            ended = len(h.tokens) < MAX_LEN
            length = len(h.tokens) + int(ended)
            assert h.normalized_score == pytest.approx(h.score / length ** 0.7, rel=1e-5)
            assert PAD not in h.tokens and BOS not in h.tokens and EOS not in h.tokens
            if style == "none":
                assert h.alignment is None
                continue
            assert h.alignment.shape == (length, int(lengths[b]))
            torch.testing.assert_close(h.alignment.sum(-1), torch.ones(length))
        # a beam of 4 keeps the greedy path among its candidates or finds a better one
        assert hypotheses[0].score >= greedy[b][0].score - 1e-4 or any(
            h.tokens == greedy[b][0].tokens for h in hypotheses)


@pytest.mark.parametrize("style,cell,name,options", STYLES[2:], ids=IDS[2:])
def test_each_beam_hypothesis_carries_its_own_alignment(style, cell, name, options):
    """Re-scoring each n-best hypothesis by teacher forcing gives its score and its alignment:
    the alignment history followed the beam it belongs to."""
    model = make_model(style, cell, name, options)
    inputs, source, lengths = batch_of(SOURCES[:2])
    found = beam_search(model, inputs, beam_size=3, max_len=MAX_LEN, n_best=3)
    for b, hypotheses in enumerate(found):
        for h in hypotheses:
            path = h.tokens + ([EOS] if len(h.tokens) < MAX_LEN else [])
            with torch.no_grad():
                out = forced(model, source, lengths, b, path)
            torch.testing.assert_close(h.alignment, out.weights[0], atol=1e-5, rtol=1e-5)
            log_probs = torch.log_softmax(out.logits[0], -1).gather(-1, torch.tensor(path)[:, None]).sum()
            assert h.score == pytest.approx(log_probs.item(), abs=1e-4)


@pytest.mark.parametrize("beam", [1, 3])
@pytest.mark.parametrize("style,cell,name,options", STYLES, ids=IDS)
def test_padding_and_batching_change_nothing(style, cell, name, options, beam):
    """A source decoded alone equals the same source decoded inside a padded batch."""
    model = make_model(style, cell, name, options)
    config = DecodeConfig(beam_size=beam, n_best=beam)
    together = decode_sources(model, SOURCES, config)
    for source, batched in zip(SOURCES, together, strict=True):
        (alone,) = decode_sources(model, [source], config)
        assert [h.tokens for h in alone] == [h.tokens for h in batched]
        for a, b in zip(alone, batched, strict=True):
            assert a.score == pytest.approx(b.score, abs=1e-4)
            if a.alignment is not None:
                torch.testing.assert_close(a.alignment, b.alignment, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("search", ["greedy", "beam"])
@pytest.mark.parametrize("name,options", MECHANISMS, ids=[m[0] for m in MECHANISMS])
def test_key_side_is_precomputed_once_per_batch(name, options, search, monkeypatch):
    model = make_model("bahdanau", "gru", name, options, eos_bias=-10.0)  # never ends early
    calls = []
    original = model.attention.precompute

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(model.attention, "precompute", counting)
    inputs, source, lengths = batch_of(SOURCES)
    if search == "greedy":
        found = greedy_search(model, inputs, max_len=MAX_LEN)
    else:
        found = beam_search(model, inputs, beam_size=3, max_len=MAX_LEN)
    assert all(len(h[0].tokens) == MAX_LEN for h in found)  # MAX_LEN decoder steps ran
    assert calls == [source.shape + (16,)]  # once, for the whole batch


# ---- a hand-built model where beam search must beat greedy -----------------------------------

A, B = 4, 5  # two symbols; vocabulary: PAD, UNK, BOS, EOS, A, B
# next-token probabilities given the previous token (the "model" is a bigram table):
#   after BOS: A 0.6, B 0.4              greedy takes A
#   after A:   EOS 0.4, A 0.35, B 0.25   so greedy ends with A EOS: 0.6 * 0.4 = 0.24
#   after B:   EOS 0.9, A 0.05, B 0.05   but B EOS has 0.4 * 0.9 = 0.36 > 0.24
TABLE = {BOS: {A: 0.6, B: 0.4}, A: {EOS: 0.4, A: 0.35, B: 0.25}, B: {EOS: 0.9, A: 0.05, B: 0.05},
         EOS: {EOS: 1.0}}


@dataclass
class ToyState:
    def index_select(self, index):
        return self


class BigramModel:
    """encode / start / step over the fixed TABLE; attends uniformly to the real source."""

    def encode(self, batch):
        source = batch["source"]
        mask = torch.arange(source.data.shape[1])[None, :] < source.lengths[:, None]
        return Memory(states=source.data[..., None].float(), final=None, mask=mask)

    def start(self, memory):
        return ToyState()

    def step(self, tokens, state, memory):
        logits = torch.full((tokens.shape[0], 6), float("-inf"))
        for row, token in enumerate(tokens.tolist()):
            for nxt, p in TABLE.get(token, {EOS: 1.0}).items():
                logits[row, nxt] = math.log(p)
        weights = memory.mask.float() / memory.mask.sum(-1, keepdim=True)
        return StepOutput(logits, state, weights)


def test_beam_finds_the_sequence_greedy_misses():
    inputs = tensor_batch(torch.tensor([[4, 5, 4], [5, 4, 0]]), torch.tensor([3, 2]))
    greedy = greedy_search(BigramModel(), inputs, max_len=5)
    assert greedy[0][0].tokens == [A]
    assert greedy[0][0].score == pytest.approx(math.log(0.24))
    beam = beam_search(BigramModel(), inputs, beam_size=2, max_len=5, length_penalty=0.0, n_best=2)
    for hypotheses in beam:
        assert [h.tokens for h in hypotheses] == [[B], [A]]
        assert [h.score for h in hypotheses] == pytest.approx([math.log(0.36), math.log(0.24)])
    # alignments: one row per output token + EOS, uniform over the real source only
    torch.testing.assert_close(beam[0][0].alignment, torch.full((2, 3), 1 / 3))
    torch.testing.assert_close(beam[1][0].alignment, torch.full((2, 2), 1 / 2))


@pytest.mark.parametrize("alpha,expected", [(0.0, [[B], [A], [A, A]]), (2.0, [[B], [A, A], [A]])])
def test_length_penalty_ranks_the_n_best_list(alpha, expected):
    """Beam 3. Step 1 keeps B EOS (0.36), A EOS (0.24), A A (0.6 * 0.35 = 0.21); step 2 extends
    A A with EOS (0.21 * 0.4 = 0.084), and every beam has ended. Ranked by log p / length**alpha
    (length counts EOS): alpha 0 keeps the raw order; alpha 2 gives B -1.022/4 = -0.255,
    A A -2.477/9 = -0.275, A -1.427/4 = -0.357: the longer A A overtakes A."""
    beam = beam_search(BigramModel(), tensor_batch(torch.tensor([[4]]), torch.tensor([1])), beam_size=3, max_len=5,
                       length_penalty=alpha, n_best=3)
    assert [h.tokens for h in beam[0]] == expected
    raw = {(B,): math.log(0.36), (A,): math.log(0.24), (A, A): math.log(0.084)}
    for h in beam[0]:
        assert h.score == pytest.approx(raw[tuple(h.tokens)])
        assert h.normalized_score == pytest.approx(raw[tuple(h.tokens)] / (len(h.tokens) + 1) ** alpha)


class CountingBigram(BigramModel):
    def __init__(self):
        self.steps = 0

    def step(self, tokens, state, memory):
        self.steps += 1
        return super().step(tokens, state, memory)


def test_early_stop_ends_a_source_when_its_best_beam_has_ended():
    """Beam 3 after step 2 holds B EOS (0.36, ended), A EOS (0.24, ended) and A A (0.21): the best
    beam has ended, so early stop is done after 2 steps; waiting for every beam takes a third step
    (A A EOS). The best hypothesis is the same."""
    inputs = tensor_batch(torch.tensor([[4]]), torch.tensor([1]))
    early, full = CountingBigram(), CountingBigram()
    found_early = beam_search(early, inputs, beam_size=3, max_len=5, length_penalty=0.0)
    found_full = beam_search(full, inputs, beam_size=3, max_len=5, length_penalty=0.0, early_stop=False)
    assert (early.steps, full.steps) == (2, 3)
    assert found_early[0][0].tokens == found_full[0][0].tokens == [B]
    assert found_early[0][0].score == pytest.approx(math.log(0.36))
    # n_best 3 needs the three best beams ended: as many steps as waiting for all
    counted = CountingBigram()
    assert [h.tokens for h in beam_search(counted, inputs, beam_size=3, max_len=5, length_penalty=0.0,
                                          n_best=3)[0]] == [[B], [A], [A, A]]
    assert counted.steps == 3


@pytest.mark.parametrize("style,cell,name,options", STYLES[2:8], ids=IDS[2:8])
@pytest.mark.parametrize("seed", [0, 1])
def test_early_stop_keeps_the_best_hypotheses_without_length_penalty(style, cell, name, options, seed):
    """Unfinished beams only lose log-probability, so once the n_best highest-scoring beams have
    ended, nothing can overtake them: with length_penalty 0 early stop changes no result."""
    model = make_model(style, cell, name, options, seed=seed, eos_bias=1.5)
    inputs, source, lengths = batch_of(SOURCES)
    kwargs = dict(beam_size=4, max_len=MAX_LEN, length_penalty=0.0, n_best=2)
    early = beam_search(model, inputs, **kwargs)
    full = beam_search(model, inputs, early_stop=False, **kwargs)
    for mine, reference in zip(early, full, strict=True):
        assert [h.tokens for h in mine] == [h.tokens for h in reference]
        assert [h.score for h in mine] == pytest.approx([h.score for h in reference], abs=1e-5)


def test_hypotheses_cut_by_the_length_limit_rank_after_ended_ones():
    """A hypothesis that never produced EOS is marked ended=False and ranks last, whatever its
    normalised score."""
    model = make_model("bahdanau", "gru", "additive", {}, seed=3, eos_bias=0.5)  # seed 3: mixed lists
    inputs, source, lengths = batch_of(SOURCES)
    overtaken = 0
    for hypotheses in beam_search(model, inputs, beam_size=4, max_len=4, n_best=4, early_stop=False,
                                  length_penalty=2.0):
        assert all(h.ended == (len(h.tokens) < 4) for h in hypotheses)
        ended = [h.ended for h in hypotheses]
        assert ended == sorted(ended, reverse=True)
        cut = [h.normalized_score for h in hypotheses if not h.ended]
        overtaken += bool(cut) and max(cut) > hypotheses[0].normalized_score
    assert overtaken > 0, "the case where the rule matters must occur"
