"""The shared search's decoding options, for every text generator: a minimum length (the end is
ruled out before it), n-gram blocking (no n-gram twice in one output), and the per-token gates a
copying model reports, which follow each hypothesis's own path."""

from __future__ import annotations

import pytest
import torch
from text_pipeline import source_batch, text_model

from attnkit.config import ConfigError, DecodeConfig, config_from_dict, model_config
from attnkit.decode import beam_search, greedy_search
from attnkit.decode.search import constrain
from attnkit.fields import EOS

VOCAB = 12
SOURCES = [[4, 5, 6, 7, 8, 9], [10, 4], [5, 6, 7], [11, 4, 5, 6]]


def _model(eos_bias: float = 0.0, seed: int = 0):
    config = model_config(style="bahdanau", cell="gru", embedding_dim=8, hidden_dim=16, dropout=0.0,
                          attention={"name": "additive"})
    torch.manual_seed(seed)
    model = text_model(config, VOCAB, VOCAB).eval()
    with torch.no_grad():
        model.output.bias[EOS] += eos_bias
        model.output.bias[5] += 3.0  # an untrained model that loves one word repeats itself
    return model


def _trigrams(tokens: list[int]) -> list[tuple[int, ...]]:
    return [tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)]


def _search(beam: int, **options):
    model, inputs = _model(), source_batch(SOURCES)
    if beam == 1:
        return greedy_search(model, inputs, max_len=15, **options)
    return beam_search(model, inputs, beam_size=beam, n_best=beam, max_len=15, **options)


@pytest.mark.parametrize("beam", [1, 3])
def test_without_blocking_the_outputs_repeat_and_with_it_no_trigram_comes_twice(beam: int) -> None:
    plain = [h.tokens for hyps in _search(beam) for h in hyps]
    assert any(len(set(_trigrams(t))) < len(_trigrams(t)) for t in plain)  # the test can fail
    blocked = [h.tokens for hyps in _search(beam, no_repeat_ngram=3) for h in hyps]
    for tokens in blocked:
        assert len(set(_trigrams(tokens))) == len(_trigrams(tokens)), tokens


@pytest.mark.parametrize("beam", [1, 3])
def test_with_unigram_blocking_no_token_comes_twice(beam: int) -> None:
    for hyps in _search(beam, no_repeat_ngram=1):
        for h in hyps:
            assert len(set(h.tokens)) == len(h.tokens)


@pytest.mark.parametrize("beam", [1, 3])
def test_min_len_never_ends_early(beam: int) -> None:
    model, inputs = _model(eos_bias=8.0), source_batch(SOURCES)  # the end wins at every step
    if beam == 1:
        plain, kept = greedy_search(model, inputs, max_len=10), greedy_search(model, inputs, max_len=10, min_len=4)
    else:
        plain = beam_search(model, inputs, beam_size=beam, max_len=10)
        kept = beam_search(model, inputs, beam_size=beam, max_len=10, min_len=4)
    assert all(len(hyps[0].tokens) == 0 for hyps in plain)
    assert all(len(hyps[0].tokens) == 4 and hyps[0].ended for hyps in kept)  # then it ends at once


def test_off_by_default_the_results_are_unchanged() -> None:
    model, inputs = _model(), source_batch(SOURCES)
    for a, b in zip(beam_search(model, inputs, beam_size=3, max_len=15),
                    beam_search(model, inputs, beam_size=3, max_len=15, min_len=0, no_repeat_ngram=0), strict=True):
        assert a[0].tokens == b[0].tokens and a[0].score == b[0].score


def test_constrain_by_hand() -> None:
    history = torch.tensor([[4, 5, 6, 4, 5], [4, 5, 6, 7, 8]])  # row 1 ends in "4 5", seen before "6"
    log_probs = torch.zeros(2, 10)
    constrain(log_probs, 5, history, end=EOS, min_len=6, no_repeat_ngram=3)
    assert torch.isinf(log_probs[:, EOS]).all()  # 5 tokens < min_len 6
    assert torch.isinf(log_probs[0, 6]) and torch.isfinite(log_probs[0, [4, 5, 7, 8, 9]]).all()
    assert torch.isfinite(log_probs[1, [4, 5, 6, 7, 8, 9]]).all()


def test_the_options_are_validated_config_keys() -> None:
    decode = config_from_dict({"decode": {"min_output_tokens": 2, "no_repeat_ngram": 3}}).decode
    assert (decode.min_output_tokens, decode.no_repeat_ngram) == (2, 3)
    with pytest.raises(ConfigError, match="no_repeat_ngram"):
        config_from_dict({"decode": {"no_repeat_ngram": -1}})
    assert DecodeConfig().no_repeat_ngram == 0 and DecodeConfig().min_output_tokens == 0


class _Gated:
    """Wraps a text model: each step reports gate = (previous token) / 100, so a hypothesis's
    gates show which path's steps they came from."""

    def __init__(self, model):
        self.model = model
        self.output_scales_with_input, self.max_output_length = True, None

    def encode(self, batch):
        return self.model.encode(batch)

    def start(self, memory):
        return self.model.start(memory)

    def step(self, tokens, state, memory):
        out = self.model.step(tokens, state, memory)
        out.gate = tokens.float() / 100
        return out


@pytest.mark.parametrize("beam", [1, 3])
def test_the_gates_follow_each_hypothesis_path(beam: int) -> None:
    model, inputs = _Gated(_model(eos_bias=1.0)), source_batch(SOURCES)
    found = (greedy_search(model, inputs, max_len=8) if beam == 1
             else beam_search(model, inputs, beam_size=beam, n_best=beam, max_len=8))
    for hyps in found:
        for h in hyps:
            previous = [2, *h.tokens]  # BOS first
            assert h.gates.shape[0] == h.alignment.shape[0]
            torch.testing.assert_close(h.gates, torch.tensor(previous[:h.gates.shape[0]]).float() / 100)
