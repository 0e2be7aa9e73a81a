"""The NTM family and its LSTM baseline on bits tasks: shapes, weightings, batching that is
exact (no loop over the batch, padding changes nothing), clear errors, and learning a toy copy."""

from __future__ import annotations

import pytest
import torch

from attnkit.config import model_config
from attnkit.data import collate
from attnkit.fields import build_field
from attnkit.models import FamilyError, build_model, get_family
from attnkit.tasks import get_task
from attnkit.train.objectives import BitCrossEntropy

SMALL = {"ntm": {"controller_dim": 16, "memory_slots": 12, "memory_width": 6},
         "bits_lstm": {"hidden_dim": 16, "layers": 1}}


def _setup(family: str, **task_options):
    task = get_task("bit-copy", **{"width": 4, "min_len": 1, "max_len": 4, "train_size": 16, "dev_size": 2,
                                   "test_size": 2, "long_size": 2, "length_size": 2, "test_lengths": "5",
                                   **task_options})
    schema = task.schema()
    fields = {n: build_field(s.kind, **s.options) for n, s in schema.fields.items()}
    torch.manual_seed(0)
    model = build_model(model_config(family, **SMALL[family]), schema, fields)
    return task, fields, model


def _batch(fields, examples):
    return collate(fields, [{n: f.encode(e[n]) for n, f in fields.items()} for e in examples])


def test_the_ntm_answers_at_every_slot_and_returns_each_heads_weightings() -> None:
    task, fields, model = _setup("ntm")
    examples = task.split("train")[:4]
    batch = _batch(fields, examples)
    out = model(batch)
    assert out.logits.shape == (4, batch["target"].data.shape[1], 4)
    steps = batch["input"].data.shape[1]
    assert set(out.weights) == {"write", "read"}
    for weights in out.weights.values():
        assert weights.shape == (4, steps, 12)
        assert torch.allclose(weights.sum(-1), torch.ones(4, steps), atol=1e-5)


@pytest.mark.parametrize("family", ["ntm", "bits_lstm"])
def test_a_batch_gives_what_each_example_gives_alone(family: str) -> None:
    """Batched over rows of different lengths (padding after the shorter ones) equals one at a
    time: the batch is computed together, with nothing leaking between rows."""
    task, fields, model = _setup(family)
    model.eval()
    examples = task.split("train")[:4]
    together = model(_batch(fields, examples), need_weights=False).logits
    for row, example in enumerate(examples):
        alone = model(_batch(fields, [example]), need_weights=False).logits[0]
        torch.testing.assert_close(together[row, : len(alone)], alone, atol=1e-5, rtol=1e-4)


def test_the_ntm_runs_far_beyond_its_training_lengths_without_nan() -> None:
    task, fields, model = _setup("ntm", test_lengths="11")  # 11 steps > the 12 - 1 it could hold apart
    out = model(_batch(fields, task.split("len11")))
    assert torch.isfinite(out.logits).all() and all(torch.isfinite(w).all() for w in out.weights.values())


def test_a_target_that_does_not_match_the_answer_slots_is_refused() -> None:
    task, fields, model = _setup("ntm")
    example = dict(task.split("train")[0])
    example["target"] = example["target"] + " 0000"
    with pytest.raises(ValueError, match="answer slots"):
        model(_batch(fields, [example]))


def test_the_families_refuse_a_text_task_and_bad_options() -> None:
    schema = get_task("copy").schema()
    with pytest.raises(FamilyError, match="ntm"):
        get_family("ntm").check_schema(model_config("ntm"), schema)
    from attnkit.config import ConfigError

    with pytest.raises(ConfigError, match="shift_range"):
        model_config("ntm", memory_slots=4, shift_range=2)


@pytest.mark.parametrize("family", ["ntm", "bits_lstm"])
def test_each_family_learns_a_tiny_copy(family: str) -> None:
    """60 Adam updates on batches of 16 copies of length 1..2 cut the bit cross-entropy by more
    than half (a loop that learned nothing would leave it near 8 bits * ln 2 per step)."""
    task, fields, model = _setup(family, min_len=1, max_len=2, train_size=64)
    batch = _batch(fields, task.split("train")[:16])
    loss = BitCrossEntropy("target")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    first = loss(model(batch).logits, batch).loss.item()
    for _ in range(60):
        optimizer.zero_grad()
        scored = loss(model(batch).logits, batch)
        scored.loss.backward()
        optimizer.step()
    assert scored.loss.item() < 0.5 * first
