"""The pointer-generator (See et al. 2017): extended ids for the source's unknown words, a final
distribution that sums to 1 with p_gen in [0, 1], teacher forcing equal to step-by-step
decoding, and copying a word no vocabulary has."""

from __future__ import annotations

import pytest
import torch

from attnkit.config import DecodeConfig, model_config
from attnkit.data import collate, encode_examples
from attnkit.decode import make_predictor, predict_all
from attnkit.fields import EOS, UNK, TextField
from attnkit.models import build_model, get_family
from attnkit.models.pointer_generator import extended_source_ids, extended_target_ids
from attnkit.tasks.schema import text_to_summary

V = 10


def test_extended_source_ids_number_distinct_unknown_words_by_first_appearance() -> None:
    words = torch.tensor([[5, -7, 9, -7, -3, 0], [-3, 4, 0, 0, 0, 0]])  # row 2: 2 real tokens
    mask = torch.tensor([[True] * 6, [True, True, False, False, False, False]])
    ids, slots = extended_source_ids(words, mask, V)
    assert ids.tolist() == [[5, V, 9, V, V + 1, 0], [V, 4, 0, 0, 0, 0]]
    assert slots == 2


def test_extended_targets_copy_what_the_source_holds_and_keep_unk_otherwise() -> None:
    source_words = torch.tensor([[5, -7, -3]])
    source_ids, _ = extended_source_ids(source_words, torch.ones(1, 3, dtype=torch.bool), V)
    target_words = torch.tensor([[-3, 6, -99, EOS]])
    target_ids = torch.tensor([[UNK, 6, UNK, EOS]])
    got = extended_target_ids(target_words, target_ids, source_words, source_ids, torch.ones(1, 3, dtype=torch.bool))
    assert got.tolist() == [[V + 1, 6, UNK, EOS]]


TRAIN = [{"source": "the tool zork converts images .", "target": "zork image tool"},
         {"source": "a library for maps by quux .", "target": "map library for quux"}]


def _setup(**options):
    options = {"embedding_dim": 8, "hidden_dim": 8, "dropout": 0.0, **options}
    config = model_config("pointer_generator", **options)
    schema = get_family("pointer_generator").prepare_schema(config, text_to_summary("word"))
    source, target = TextField(**schema.fields["source"].options), TextField(**schema.fields["target"].options)
    source.fit([e[n] for e in TRAIN for n in ("source", "target")])
    target.share(source)
    fields = {"source": source, "target": target}
    torch.manual_seed(0)
    model = build_model(config, schema, fields).eval()
    return model, schema, fields


def test_the_family_keeps_unknown_words_and_shares_one_vocabulary() -> None:
    family = get_family("pointer_generator")
    config = model_config("pointer_generator")
    schema = family.prepare_schema(config, text_to_summary("word"))
    assert schema.fields["source"].options["keep_oov"] and schema.fields["target"].options["keep_oov"]
    assert family.joint_fields(config, schema) == [("source", "target")]
    plain = family.prepare_schema(model_config("pointer_generator", copy=False), text_to_summary("word"))
    assert "keep_oov" not in plain.fields["source"].options


def _batch(fields, pairs):
    return collate(fields, encode_examples(fields, [{"source": s, "target": t} for s, t in pairs]))


@pytest.mark.parametrize("style", ["bahdanau", "luong"])
def test_the_mixture_is_a_distribution_and_p_gen_a_probability(style: str) -> None:
    model, _, fields = _setup(style=style, attention={"name": "coverage"})
    batch = _batch(fields, [("the blorp tool converts frob .", "blorp frob tool"), ("maps by quux", "quux maps")])
    out = model(batch)
    assert out.logits.shape[-1] == model.vocab_size + 2  # row 1's unknown words blorp and frob; row 2 has none
    torch.testing.assert_close(out.logits.exp().sum(-1), torch.ones(out.logits.shape[:2]))
    memory = model.encode(batch)
    step = model.step(torch.full((2,), 2), model.start(memory), memory)
    assert step.gate.shape == (2,) and bool(((step.gate >= 0) & (step.gate <= 1)).all())
    torch.testing.assert_close(step.logits.exp().sum(-1), torch.ones(2))


def test_teacher_forcing_equals_step_by_step_decoding() -> None:
    model, _, fields = _setup(attention={"name": "coverage"})
    batch = _batch(fields, [("the blorp tool converts frob .", "blorp frob tool"), ("maps by quux", "quux maps")])
    out = model(batch)
    memory = model.encode(batch)
    state = model.start(memory)
    inputs = batch["target"].inputs  # (B, T)
    for t in range(inputs.shape[1]):
        step = model.step(inputs[:, t], state, memory)
        torch.testing.assert_close(step.logits, out.logits[:, t], atol=1e-5, rtol=1e-5)
        state = step.state
    # the unknown target words are scored as the source's extended ids
    assert out.targets[0, 0].item() == model.vocab_size  # blorp: the first unknown word of row 1
    assert out.targets[0, 1].item() == model.vocab_size + 1  # frob


def test_the_coverage_loss_is_asked_for_by_name() -> None:
    model, _, fields = _setup(coverage_loss=True, attention={"name": "coverage"})
    out = model(_batch(fields, [("maps by quux", "quux maps")]))
    assert set(out.aux) == {"coverage"} and out.aux["coverage"].weights.shape[:2] == out.logits.shape[:2]


def test_a_field_without_unknown_words_is_refused_naming_it() -> None:
    model, _, _ = _setup()
    plain = TextField("word")
    plain.fit(["a b"])
    batch = collate({"source": plain}, [{"source": plain.encode("a b")}])
    with pytest.raises(ValueError, match="keep_oov"):
        model.encode(batch)


def test_copying_writes_a_word_outside_the_vocabulary() -> None:
    """Forced by hand: p_gen = 0 and all attention on the unknown word; greedy search writes it and
    the predictor turns its extended id back into the source's spelling, with p_gen 0 beside it."""
    model, schema, fields = _setup()
    with torch.no_grad():
        model.switch.weight.zero_()
        model.switch.bias.fill_(-30.0)  # p_gen ~ 0: copy
    examples = [{"source": "maps by frobnicate"}]
    predictor = make_predictor(schema, DecodeConfig(max_output_tokens=1))
    model.attention.forward = _attend_to_last(model.attention.forward)
    found = predict_all(model, predictor, {"source": fields["source"]}, encode_examples({"source": fields["source"]},
                        examples), sort_by="source", batch_size=1)
    presented = predictor.present(found[0], fields, examples[0])[0]
    assert presented.tokens == ["frobnicate"] and float(presented.gates[0]) < 1e-6


def _attend_to_last(forward):
    def attend(query, keys, values=None, mask=None, **kwargs):
        out = forward(query, keys, values, mask, **kwargs)
        weights = torch.zeros_like(out.weights)
        weights[:, -1] = 1.0
        out.weights = weights
        return out
    return attend
