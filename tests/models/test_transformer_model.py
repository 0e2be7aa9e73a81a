"""The Transformer: cache equivalence, causality, padding invariance, learning, decoding."""

import pytest
import torch
from text_pipeline import tensor_batch, text_model

from attnkit.attention import MultiHeadAttention
from attnkit.config import model_config
from attnkit.decode import beam_search, greedy_search

VOCAB_SRC, VOCAB_TGT = 12, 14


def tiny(**overrides) -> torch.nn.Module:
    options = dict(type="transformer", hidden_dim=16, num_heads=4, ff_dim=32, encoder_layers=2, decoder_layers=2,
                   dropout=0.0)
    options.update(overrides)
    config = model_config(**options)
    torch.manual_seed(0)
    return text_model(config, VOCAB_SRC, VOCAB_TGT).eval()


def batch():
    generator = torch.Generator().manual_seed(1)
    source = torch.randint(4, VOCAB_SRC, (3, 6), generator=generator)
    lengths = torch.tensor([6, 4, 1])
    source[1, 4:] = 0
    source[2, 1:] = 0
    target_in = torch.randint(4, VOCAB_TGT, (3, 5), generator=generator)
    return source, lengths, target_in


@pytest.mark.parametrize("overrides", [{}, {"norm": "post"}, {"positions": "learned"}, {"decoder_layers": 1},
                                       {"bias": False}])
def test_incremental_decoding_with_cache_equals_full_recomputation(overrides):
    model = tiny(**overrides)
    source, lengths, target_in = batch()
    full = model(tensor_batch(source, lengths, target_in)).logits  # (B, T, V)
    memory = model.encode(tensor_batch(source, lengths))
    state, steps = model.start(memory), []
    for t in range(target_in.shape[1]):
        out = model.step(target_in[:, t], state, memory)
        state = out.state
        steps.append(out.logits)
    assert torch.allclose(torch.stack(steps, dim=1), full, atol=1e-5)


def test_extend_equals_precompute_of_the_whole_sequence():
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, num_heads=2)
    x = torch.randn(2, 5, 8)
    cache = None
    for t in range(5):
        cache = attention.extend(cache, x[:, t:t + 1])
    whole = attention.precompute(x)
    assert torch.allclose(cache.projected, whole.projected) and torch.allclose(cache.values, whole.values)


def test_no_output_depends_on_a_later_target_token():
    model = tiny()
    source, lengths, target_in = batch()
    base = model(tensor_batch(source, lengths, target_in)).logits
    for k in range(1, target_in.shape[1]):
        changed = target_in.clone()
        changed[:, k] = (changed[:, k] + 1 - 4) % (VOCAB_TGT - 4) + 4
        logits = model(tensor_batch(source, lengths, changed)).logits
        assert torch.allclose(logits[:, :k], base[:, :k], atol=1e-6), k
        assert not torch.allclose(logits[:, k], base[:, k], atol=1e-6), k


def test_padding_changes_nothing_end_to_end():
    model = tiny()
    source, lengths, target_in = batch()
    together = model(tensor_batch(source, lengths, target_in)).logits
    for row in range(3):
        n = int(lengths[row])
        alone = model(tensor_batch(source[row:row + 1, :n], lengths[row:row + 1], target_in[row:row + 1])).logits
        assert torch.allclose(alone[0], together[row], atol=1e-5)


def test_attention_maps_are_distributions_and_decoder_self_attention_is_causal():
    model = tiny()
    source, lengths, target_in = batch()
    maps = model.attention_maps(tensor_batch(source, lengths, target_in))
    assert maps["cross"].shape == (3, 2, 4, 5, 6)
    assert maps["encoder_self"].shape == (3, 2, 4, 6, 6)
    assert maps["decoder_self"].shape == (3, 2, 4, 5, 5)
    for weights in maps.values():
        assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:-1]), atol=1e-5)
    upper = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    assert (maps["decoder_self"][..., upper] == 0).all()
    assert (maps["cross"][2, ..., 1:] == 0).all()  # the length-1 source: padding gets no weight


def test_step_weights_are_the_last_layers_cross_attention_averaged_over_heads():
    model = tiny()
    source, lengths, target_in = batch()
    memory = model.encode(tensor_batch(source, lengths))
    out = model.step(target_in[:, 0], model.start(memory), memory)
    maps = model.attention_maps(tensor_batch(source, lengths, target_in[:, :1]))
    assert torch.allclose(out.weights, maps["cross"][:, -1, :, 0].mean(1), atol=1e-6)


def test_overfits_a_tiny_batch():
    torch.manual_seed(0)
    model = tiny().train()
    source, lengths, target_in = batch()
    target_out = torch.cat([target_in[:, 1:], torch.full((3, 1), 3)], dim=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(150):
        logits = model(tensor_batch(source, lengths, target_in)).logits
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target_out)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05


def test_beam_of_one_equals_greedy_and_beams_are_sorted():
    model = tiny()
    source, lengths, _ = batch()
    greedy = greedy_search(model, tensor_batch(source, lengths), max_len=8)
    beam1 = beam_search(model, tensor_batch(source, lengths), beam_size=1, max_len=8)
    for g, b in zip(greedy, beam1, strict=True):
        assert g[0].tokens == b[0].tokens
        assert g[0].score == pytest.approx(b[0].score, abs=1e-4)
        assert torch.allclose(g[0].alignment, b[0].alignment, atol=1e-6)
    for hypotheses in beam_search(model, tensor_batch(source, lengths), beam_size=4, max_len=8, n_best=4):
        ranked = [(h.ended, h.normalized_score) for h in hypotheses]  # ended ones first
        assert ranked == sorted(ranked, reverse=True)


@pytest.mark.parametrize("early_stop", [True, False])
def test_each_beam_hypothesis_scores_as_its_teacher_forced_path(early_stop):
    """Beams reorder the self-attention caches at every step: if a cache followed the wrong beam,
    a hypothesis's score or alignment would differ from teacher forcing its own tokens."""
    model = tiny()
    with torch.no_grad():
        model.output.bias[3] += 1.0  # EOS a little likelier: hypotheses of several lengths
    source, lengths, _ = batch()
    found = beam_search(model, tensor_batch(source, lengths), beam_size=4, max_len=8, n_best=4,
                        early_stop=early_stop)
    checked = 0
    for b, hypotheses in enumerate(found):
        for h in hypotheses:
            path = h.tokens + ([3] if h.ended else [])
            with torch.no_grad():
                alone = tensor_batch(source[b:b + 1, :lengths[b]], lengths[b:b + 1], torch.tensor([[2] + path[:-1]]))
                out = model(alone, need_weights=True)
            log_probs = torch.log_softmax(out.logits[0], -1).gather(-1, torch.tensor(path)[:, None]).sum()
            assert h.score == pytest.approx(log_probs.item(), abs=1e-4)
            torch.testing.assert_close(h.alignment, out.weights[0], atol=1e-5, rtol=1e-5)
            checked += len(path) > 2
    assert checked > 0


def test_step_from_one_state_twice_gives_independent_continuations():
    """The growing self-attention cache writes in place only while nothing was appended past
    it: stepping twice from one state must not change the first continuation."""
    model = tiny()
    source, lengths, target_in = batch()
    memory = model.encode(tensor_batch(source, lengths))
    state = model.step(target_in[:, 0], model.start(memory), memory).state
    first = model.step(target_in[:, 1], state, memory)
    second = model.step(target_in[:, 2], state, memory)
    after_first = model.step(target_in[:, 3], first.state, memory).logits
    path = torch.stack([target_in[:, 0], target_in[:, 1], target_in[:, 3]], 1)
    reference = model(tensor_batch(source, lengths, path)).logits
    torch.testing.assert_close(after_first, reference[:, 2], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(first.logits, second.logits)


def test_shared_embeddings_tie_weights_and_need_one_vocabulary():
    config = model_config(type="transformer", hidden_dim=16, num_heads=4, ff_dim=32, share_embeddings=True)
    torch.manual_seed(0)
    model = text_model(config, 10, 10)
    assert model.source_embedding is model.target_embedding
    assert model.output.weight is model.target_embedding.tokens.weight
    with pytest.raises(ValueError, match="joint vocabulary"):
        text_model(config, 10, 12)


def test_a_sequence_longer_than_max_positions_is_a_clear_error():
    model = tiny(max_positions=4)
    source, lengths, target_in = batch()
    with pytest.raises(ValueError, match="max_positions"):
        model(tensor_batch(source, lengths, target_in))


def test_teacher_forced_weights_on_request_match_the_maps_and_decoding():
    model = tiny()
    source, lengths, target_in = batch()
    assert model(tensor_batch(source, lengths, target_in)).weights is None  # training: every attention fused
    weights = model(tensor_batch(source, lengths, target_in), need_weights=True).weights
    maps = model.attention_maps(tensor_batch(source, lengths, target_in))
    assert torch.allclose(weights, maps["cross"][:, -1].mean(1), atol=1e-6)


def test_beams_sharing_one_memory_row_decode_as_beams_with_copied_memory():
    """beam_shared_memory only changes where the K beams read the source from, not the result."""
    model = tiny()
    with torch.no_grad():
        model.output.bias[3] += 1.0
    source, lengths, _ = batch()
    shared = beam_search(model, tensor_batch(source, lengths), beam_size=3, max_len=8, n_best=3)
    model.beam_shared_memory = False  # K copies of every memory row, as for the RNN models
    copied = beam_search(model, tensor_batch(source, lengths), beam_size=3, max_len=8, n_best=3)
    for mine, reference in zip(shared, copied, strict=True):
        assert [h.tokens for h in mine] == [h.tokens for h in reference]
        assert [h.score for h in mine] == pytest.approx([h.score for h in reference], abs=1e-5)
        for a, b in zip(mine, reference, strict=True):
            torch.testing.assert_close(a.alignment, b.alignment, atol=1e-6, rtol=1e-5)


def test_without_bias_only_layer_norms_and_the_output_layer_keep_biases():
    with_bias, without = tiny(), tiny(bias=False)
    names = {name for name, _ in without.named_parameters() if name.endswith("bias")}
    assert names and all("norm" in name or name == "output.bias" for name in names)
    removed = sum(p.numel() for p in with_bias.parameters()) - sum(p.numel() for p in without.parameters())
    # per layer: 3E in-projection + E out-projection biases per attention, ff + E in the feed-forward
    dim, ff = 16, 32
    assert removed == 2 * (4 * dim + ff + dim) + 2 * (2 * 4 * dim + ff + dim)
