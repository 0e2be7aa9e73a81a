"""show_attend_tell: the generation protocol matches teacher forcing, a tiny batch is learnt by
heart, hard attention asks for REINFORCE (or uses the expected context), and the doubly
stochastic term is what eq. 14 says."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnkit.config import DecodeConfig, TrainConfig, model_config
from attnkit.data import collate
from attnkit.decode import GenerationPredictor, beam_search, greedy_search
from attnkit.fields import ImageField, TextField
from attnkit.models import AttentionCoverage, FamilyError, build_model
from attnkit.tasks.schema import FieldSpec, Schema, text_to_text
from attnkit.train import Objective
from attnkit.train.objectives import DoublyStochastic

SCHEMA = Schema({"image": FieldSpec("image", {"channels": 1}),
                 "caption": FieldSpec("text", {"tokenizer": "word", "generated": True})},
                inputs=("image",), output="caption", prediction="generate", metrics=("exact_match",))
CAPTIONS = ["one two", "two", "three one two", "one"]


def tiny_images() -> list[np.ndarray]:
    images = []
    for i in range(len(CAPTIONS)):
        image = np.zeros((8, 16), dtype=np.uint8)
        image[:, 4 * i:4 * i + 4] = 255  # a bar in a different place for each caption
        images.append(image)
    return images


def fields_and_batch():
    fields = {"image": ImageField(channels=1), "caption": TextField("word", generated=True)}
    fields["image"].fit(tiny_images())
    fields["caption"].fit(CAPTIONS)
    encoded = [{"image": fields["image"].encode(i), "caption": fields["caption"].encode(c)}
               for i, c in zip(tiny_images(), CAPTIONS, strict=True)]
    return fields, collate(fields, encoded)


def captioner(fields, **values):
    options = model_config("show_attend_tell", channels=4, blocks=1, grid_height=2, grid_width=4, annotation_dim=8,
                           embedding_dim=8, hidden_dim=16, dropout=0.0, **values)
    torch.manual_seed(0)
    return build_model(options, SCHEMA, fields)


def test_greedy_search_follows_the_teacher_forced_argmax_step_by_step():
    fields, batch = fields_and_batch()
    model = captioner(fields).eval()
    found = greedy_search(model, batch, max_len=5)
    for row, hypotheses in enumerate(found):
        tokens = hypotheses[0].tokens
        inputs = torch.tensor([[2, *tokens]])  # BOS + the found words
        single = collate(fields, [{"image": fields["image"].encode(tiny_images()[row]), "caption": tokens}])
        single.parts["caption"].inputs = inputs
        out = model(single)
        assert out.logits.shape[:2] == (1, len(tokens) + 1) and out.weights.shape == (1, len(tokens) + 1, 8)
        assert torch.allclose(out.weights.sum(-1), torch.ones(1, len(tokens) + 1))
        argmax = out.logits[0].argmax(-1).tolist()
        assert argmax[:len(tokens)] == tokens
        assert torch.allclose(hypotheses[0].alignment, out.weights[0, :hypotheses[0].alignment.shape[0]], atol=1e-5)


def test_a_tiny_batch_is_learnt_by_heart_and_beam_search_reads_it_back():
    fields, batch = fields_and_batch()
    model = captioner(fields)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    loss_of = Objective("generate", "caption", TrainConfig())
    for _ in range(150):
        scored = loss_of(model(batch), batch)
        optimizer.zero_grad()
        scored.loss.backward()
        optimizer.step()
    assert scored.report.item() < 0.05
    model.eval()
    found = beam_search(model, batch, beam_size=3, max_len=6)
    assert [fields["caption"].decode(h[0].tokens)[0] for h in found] == CAPTIONS


def test_the_output_bound_comes_from_the_family_not_the_images_pixels():
    fields, batch = fields_and_batch()
    model = captioner(fields, max_caption_length=2).eval()
    predictor = GenerationPredictor(DecodeConfig(max_length_ratio=0.0, max_length_extra=0), SCHEMA)
    assert model.max_output_length == 3
    assert all(len(h[0].tokens) <= 3 for h in predictor(model, batch))  # the ratio would allow 0 words


def test_hard_attention_asks_for_reinforce_or_uses_the_expected_context():
    fields, batch = fields_and_batch()
    sampled = captioner(fields, attention={"name": "hard", "options": {}}).train()
    out = sampled(batch)
    assert set(out.aux) == {"reinforce"} and out.aux["reinforce"].log_prob.shape == out.weights.shape[:2]
    assert torch.equal(out.weights.max(-1).values, torch.ones(out.weights.shape[:2]))  # one-hot samples
    expected = captioner(fields, attention={"name": "hard", "options": {}}, hard_expected_rate=1.0).train()
    out = expected(batch)
    assert out.aux == {}
    assert torch.allclose(out.weights.sum(-1), torch.ones(out.weights.shape[:2])) and out.weights.max() < 1
    loss = Objective("generate", "caption", TrainConfig())(sampled(batch), batch).loss
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in sampled.attention.parameters())


def test_the_doubly_stochastic_term_is_lambda_sum_over_cells_of_one_minus_coverage_squared():
    weights = torch.tensor([[[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]])  # (1, T=3, S=3)
    mask = torch.tensor([[True, True, False]])  # the last step is padding
    # coverage per cell: 1, 1, 0 -> (0^2 + 0^2 + 1^2) = 1
    assert DoublyStochastic(2.0)(AttentionCoverage(weights, mask), None).item() == pytest.approx(2.0)
    fields, batch = fields_and_batch()
    model = captioner(fields, doubly_stochastic=True)
    config = TrainConfig(doubly_stochastic_weight=0.5)
    out = model(batch)
    with_term = Objective("generate", "caption", config)(out, batch).loss
    without = Objective("generate", "caption", config).main(out.logits, batch).loss
    coverage = (out.weights * batch["caption"].mask[..., None]).sum(1)  # (B, S)
    assert with_term.item() == pytest.approx(without.item() + 0.5 * (1 - coverage).pow(2).sum(-1).mean().item(),
                                             rel=1e-5)


def test_a_text_task_is_refused_naming_the_family():
    fields, _ = fields_and_batch()
    with pytest.raises(FamilyError, match="show_attend_tell"):
        build_model(model_config("show_attend_tell"), text_to_text("char"), fields)
