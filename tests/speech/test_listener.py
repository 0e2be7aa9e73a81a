"""The listener family: the pyramid's lengths and masks, padding invariance, the decoder protocol,
the decode-time window, and the family's config checks."""

from __future__ import annotations

import pytest
import torch

from attnkit.config import ConfigError, config_from_dict
from attnkit.data import Batch
from attnkit.decode.search import beam_search, greedy_search
from attnkit.fields import Padded, lengths_mask
from attnkit.models.listener import Listener, ListenerOptions, window_mask
from attnkit.models.pyramid_encoder import PyramidEncoder, pair_frames, reduced_lengths


def frames_batch(lengths: list[int], dim: int = 6, seed: int = 0) -> Padded:
    torch.manual_seed(seed)
    width = max(lengths)
    data = torch.randn(len(lengths), width, dim)
    mask = lengths_mask(torch.tensor(lengths), width)
    return Padded(data * mask[..., None], torch.tensor(lengths), mask)


@pytest.mark.parametrize("levels", [0, 1, 2, 3])
def test_the_pyramid_divides_the_length_by_two_per_level(levels: int) -> None:
    encoder = PyramidEncoder(6, 8, levels=levels).eval()
    frames = frames_batch([17, 9, 1, 16])
    out = encoder(frames.data, frames.lengths)
    expected = [-(-n // 2 ** levels) for n in (17, 9, 1, 16)]  # ceil(L / 2^levels)
    assert reduced_lengths(frames.lengths, levels).tolist() == expected
    assert out.states.shape == (4, -(-17 // 2 ** levels), 8)
    assert out.mask.sum(-1).tolist() == expected
    assert torch.all(out.states[~out.mask] == 0)  # nothing past a sequence's end


def test_pairing_puts_each_state_beside_the_next() -> None:
    states = torch.arange(10.0).view(1, 5, 2)  # (1, 5, 2): 0 1 | 2 3 | ... | 8 9
    paired = pair_frames(states)
    assert paired.shape == (1, 3, 4)
    assert paired[0].tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 0]]


def test_padding_changes_nothing_in_the_encoder() -> None:
    encoder = PyramidEncoder(6, 8, levels=2).eval()
    batch = frames_batch([13, 5, 8])
    together = encoder(batch.data, batch.lengths)
    for row, length in enumerate(batch.lengths.tolist()):
        alone = encoder(batch.data[row:row + 1, :length], batch.lengths[row:row + 1])
        real = int(together.mask[row].sum())
        torch.testing.assert_close(together.states[row, :real], alone.states[0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(together.final[row], alone.final[0], atol=1e-5, rtol=1e-5)


def make_listener(attention: str = "location_aware", window: int = 0) -> Listener:
    options = ListenerOptions(hidden_dim=8, embedding_dim=4, levels=2, dropout=0.0, decode_window=window,
                              attention=config_from_dict({"model": {"type": "listener", "attention": {
                                  "name": attention, "options": {"attention_dim": 6}}}}).model.attention)
    torch.manual_seed(0)
    return Listener(options, feature_dim=6, vocab_size=9).eval()


def text_batch(frames: Padded) -> Batch:
    targets = torch.tensor([[5, 6, 7, 3], [8, 5, 3, 0], [6, 3, 0, 0]])[: len(frames.lengths)]  # EOS = 3
    inputs = torch.tensor([[2, 5, 6, 7], [2, 8, 5, 0], [2, 6, 0, 0]])[: len(frames.lengths)]  # BOS = 2
    lengths = (targets != 0).sum(-1)
    return Batch({"audio": frames, "text": Padded(targets, lengths, targets != 0, inputs)}, list(range(len(lengths))))


@pytest.mark.parametrize("attention", ["additive", "location_aware"])
def test_teacher_forcing_equals_stepping(attention: str) -> None:
    model = make_listener(attention)
    batch = text_batch(frames_batch([13, 5, 8]))
    out = model(batch)
    memory = model.encode(batch)
    state = model.start(memory)
    for t, tokens in enumerate(batch["text"].inputs.unbind(1)):
        step = model.step(tokens, state, memory)
        state = step.state
        torch.testing.assert_close(step.logits, out.logits[:, t], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(step.weights, out.weights[:, t], atol=1e-5, rtol=1e-5)
    assert out.weights.shape == (3, 4, 4)  # (B, T, ceil(13 / 4))
    assert torch.all(out.weights[1, :, 2:] == 0)  # 5 frames: 2 states


def test_greedy_and_beam_search_serve_the_listener() -> None:
    model = make_listener()
    batch = text_batch(frames_batch([13, 5, 8]))
    greedy = greedy_search(model, batch, max_len=6)
    beams = beam_search(model, batch, beam_size=3, max_len=6)
    assert len(greedy) == len(beams) == 3
    for found, states in zip(beams, [4, 2, 2], strict=True):
        assert found[0].alignment.shape[1] == states
        torch.testing.assert_close(found[0].alignment.sum(-1), torch.ones(len(found[0].alignment)))


def test_the_window_keeps_states_near_the_previous_median() -> None:
    mask = torch.ones(2, 10, dtype=torch.bool)
    previous = torch.zeros(2, 10)
    previous[0, 6] = 1.0  # median 6
    narrowed = window_mask(previous, mask, 2)
    assert narrowed[0].nonzero().flatten().tolist() == [4, 5, 6, 7, 8]
    assert narrowed[1].nonzero().flatten().tolist() == [0, 1, 2]  # no previous step yet: from state 0


def test_a_windowed_decoder_attends_only_inside_its_window() -> None:
    model = make_listener(window=1)
    batch = text_batch(frames_batch([40, 40, 40]))
    memory = model.encode(batch)
    state = model.start(memory)
    tokens = batch["text"].inputs[:, 0]
    for _ in range(4):
        step = model.step(tokens, state, memory)
        allowed = window_mask(state.extra, memory.mask, 1)
        assert torch.all(step.weights[~allowed] == 0)
        state, tokens = step.state, step.logits.argmax(-1)
    model.train()  # training attends everywhere
    assert model.step(tokens, model.start(memory), memory).weights.gt(0).all()


def test_listener_options_are_checked_at_load() -> None:
    with pytest.raises(ConfigError, match="hidden_dim"):
        config_from_dict({"model": {"type": "listener", "hidden_dim": 7}, "data": {"task": "spoken-digits"}})
    with pytest.raises(ConfigError, match="sharpening"):
        config_from_dict({"model": {"type": "listener", "attention": {"name": "location_aware",
                                                                       "options": {"sharpening": 0}}}})
