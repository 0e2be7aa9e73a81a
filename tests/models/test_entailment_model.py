"""The entailment family: conditional encoding, attention, word-by-word and two-way variants over
premise and hypothesis token ids; padding invariance; weights the predictor cuts and labels."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attnkit.config import ConfigError, DecodeConfig, model_config
from attnkit.data import collate
from attnkit.decode import make_predictor
from attnkit.fields import build_field
from attnkit.models import FamilyError, build_model
from attnkit.tasks import get_task, text_to_text

TASK = get_task("lexical-nli", train_size=60, dev_size=10, test_size=10, long_size=5)
SCHEMA = TASK.schema()


def fitted_fields():
    fields = {name: build_field(spec.kind, **spec.options) for name, spec in SCHEMA.fields.items()}
    train = TASK.split("train")
    fields["premise"].fit([e["premise"] for e in train] + [e["hypothesis"] for e in train])
    fields["hypothesis"].share(fields["premise"])
    fields["label"].fit([e["label"] for e in train])
    return fields


FIELDS = fitted_fields()


def model(variant, **values):
    torch.manual_seed(0)
    options = model_config("entailment", variant=variant, embedding_dim=12, hidden_dim=10, dropout=0.0, **values)
    return build_model(options, SCHEMA, FIELDS).eval()


def batch(examples):
    encoded = [{name: FIELDS[name].encode(e[name]) for name in ("premise", "hypothesis", "label")} for e in examples]
    return collate(FIELDS, encoded)


EXAMPLES = TASK.split("train")[:6]


@pytest.mark.parametrize(("variant", "weights_dims"), [("conditional", None), ("attention", 2),
                                                       ("word_by_word", 3), ("two_way", 3)])
def test_each_variant_gives_logits_and_weights_of_its_shape(variant, weights_dims):
    b = batch(EXAMPLES)
    out = model(variant)(b)
    assert out.logits.shape == (6, 3)
    if weights_dims is None:
        assert out.weights is None
        return
    weights = out.weights
    premise, hypothesis = b["premise"], b["hypothesis"]
    expected = (6, premise.data.shape[1]) if weights_dims == 2 else (6, hypothesis.data.shape[1],
                                                                      premise.data.shape[1])
    assert weights.shape == expected
    rows = weights if weights_dims == 3 else weights[:, None]
    assert torch.allclose(rows.sum(-1), torch.ones(rows.shape[:2]), atol=1e-5)
    assert (rows.masked_select(~premise.mask[:, None, :].expand_as(rows)) == 0).all()


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(["conditional", "attention", "word_by_word", "two_way"]),
       st.lists(st.integers(0, 59), min_size=2, max_size=5, unique=True))
def test_an_answer_does_not_depend_on_the_padding_of_its_batch(variant, picks):
    net = model(variant)
    examples = [TASK.split("train")[i] for i in picks]
    together = net(batch(examples)).logits
    for row, example in enumerate(examples):
        alone = net(batch([example])).logits[0]
        assert torch.allclose(together[row], alone, atol=1e-5)


def test_two_way_reads_both_directions_with_one_set_of_parameters():
    one, two = model("word_by_word"), model("two_way")
    extra = {n for n, _ in two.named_parameters()} - {n for n, _ in one.named_parameters()}
    assert extra == set()  # only the output layer is wider
    assert two.output.in_features == 2 * one.output.in_features


def test_hard_attention_asks_for_reinforce_over_every_hypothesis_word():
    net = model("word_by_word", attention={"name": "hard"}).train()
    b = batch(EXAMPLES)
    sampled = net(b).aux["reinforce"]
    assert sampled.log_prob.shape == b["hypothesis"].mask.shape
    assert torch.equal(sampled.mask, b["hypothesis"].mask)
    assert (sampled.log_prob <= 0).all()


def test_the_family_refuses_a_task_with_one_input_and_options_are_checked_at_load():
    with pytest.raises(FamilyError, match=r"text, text -> label.*cannot serve this task: it has text -> text"):
        build_model(model_config("entailment"), text_to_text("word"), FIELDS)
    with pytest.raises(ConfigError, match="variant"):
        model_config("entailment", variant="bidirectional")
    with pytest.raises(ConfigError, match="windw is not an option of attention 'additive'"):
        model_config("entailment", attention={"name": "additive", "options": {"windw": 3}})


def test_the_predictor_cuts_word_by_word_weights_to_both_lengths_and_labels_their_rows():
    net = model("word_by_word")
    predictor = make_predictor(SCHEMA, DecodeConfig())
    b = batch(EXAMPLES)
    found = predictor(net, b)
    for example, answer in zip(EXAMPLES, found, strict=True):
        shown = predictor.present(answer, FIELDS, example)
        columns, rows, weights = shown.heatmap()
        assert columns == example["premise"].split() and rows == example["hypothesis"].split()
        assert weights.shape == (len(rows), len(columns))
        assert shown.text in ("entailment", "neutral", "contradiction")
        assert abs(sum(shown.probabilities.values()) - 1) < 1e-5
        assert len(shown.to_json()["attention"]) == len(rows)
