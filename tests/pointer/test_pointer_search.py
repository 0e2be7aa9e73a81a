"""The pointer network through the shared search: specials (0 starts, ends and pads), the allowed
mask (no point twice; the end only after every point when the output is complete), beam 1 is
greedy, the teacher-forced distribution is the decoder's, and the loss ignores -100 padding but
not the end (0)."""

import json

import numpy as np
import pytest
import torch

from attnkit.config import DecodeConfig, TrainConfig, model_config
from attnkit.data import collate
from attnkit.decode import PointingPredictor, beam_search, greedy_search
from attnkit.fields import IGNORE_INDEX, FramesField, PositionsField
from attnkit.models import build_model
from attnkit.models.pointer import allowed_outputs
from attnkit.tasks import get_task
from attnkit.train.objectives import Objective, PointerCrossEntropy

SIZES = {"train_size": 40, "dev_size": 5, "test_size": 5, "long_size": 5}


def setup(name="tsp", seed=0, **task_options):
    task = get_task(name, min_n=4, max_n=7, **SIZES, **task_options)
    schema = task.schema()
    fields = {"points": FramesField(normalise="none"), "target": PositionsField(**schema.fields["target"].options)}
    examples = task.split("train")
    fields["points"].fit([e["points"] for e in examples])
    torch.manual_seed(seed)
    model = build_model(model_config(type="pointer", embedding_dim=8, hidden_dim=16), schema, fields).eval()
    encoded = [{n: fields[n].encode(e[n]) for n in fields} for e in examples[:6]]
    return task, schema, fields, model, examples[:6], collate(fields, encoded)


@pytest.mark.parametrize("name", ["tsp", "hull", "sort_points"])
def test_greedy_never_repeats_a_point_and_completes_when_asked(name):
    task, schema, fields, model, examples, batch = setup(name)
    found = greedy_search(model, batch, max_len=int(batch["points"].lengths.max()) + 1)
    for example, (h,) in zip(examples, found, strict=True):
        n = len(example["points"])
        positions = [t - 1 for t in h.tokens]
        assert len(set(positions)) == len(positions) and all(0 <= p < n for p in positions)
        assert h.ended
        if name != "hull":
            assert sorted(positions) == list(range(n))
        assert h.alignment.shape == (len(positions) + 1, n + 1)
        torch.testing.assert_close(h.alignment.sum(-1), torch.ones(len(positions) + 1))


def test_beam_one_is_greedy_and_beams_score_at_least_greedy():
    task, schema, fields, model, examples, batch = setup("tsp")
    max_len = int(batch["points"].lengths.max()) + 1
    greedy = greedy_search(model, batch, max_len=max_len)
    beam1 = beam_search(model, batch, beam_size=1, max_len=max_len, length_penalty=0.0)
    beam4 = beam_search(model, batch, beam_size=4, max_len=max_len, length_penalty=0.0)
    for (g,), (b,), (w,) in zip(greedy, beam1, beam4, strict=True):
        assert g.tokens == b.tokens and g.score == pytest.approx(b.score, abs=1e-5)
        assert w.score >= g.score - 1e-5 and sorted(w.tokens) == sorted(g.tokens)


def test_greedy_path_is_the_teacher_forced_argmax():
    task, schema, fields, model, examples, batch = setup("tsp")
    (h,) = greedy_search(model, batch, max_len=10)[0]
    example = {"points": examples[0]["points"], "target": [t - 1 for t in h.tokens]}
    forced = collate(fields, [{n: fields[n].encode(example[n]) for n in fields}])
    with torch.no_grad():
        logits = model(forced).logits[0]  # (T, S + 1)
    assert logits.argmax(-1).tolist() == [*h.tokens, 0]
    log_probs = torch.log_softmax(logits, -1)
    assert float(log_probs.gather(1, torch.tensor([*h.tokens, 0])[:, None]).sum()) == pytest.approx(h.score, abs=1e-4)


def test_allowed_outputs():
    mask = torch.tensor([[True, True, True, False]])  # end, 2 real points, padding
    chosen = torch.tensor([[False, True, False, False]])
    assert allowed_outputs(mask, chosen, distinct=True, complete=True).tolist() == [[False, False, True, False]]
    assert allowed_outputs(mask, chosen, distinct=True, complete=False).tolist() == [[True, False, True, False]]
    assert allowed_outputs(mask, chosen, distinct=False, complete=False).tolist() == [[True, True, True, False]]
    done = torch.tensor([[False, True, True, False]])
    assert allowed_outputs(mask, done, distinct=True, complete=True).tolist() == [[True, False, False, False]]


def test_loss_ignores_padding_but_scores_the_end():
    logits = torch.randn(2, 3, 5, requires_grad=True)
    target = PositionsField(of="points").collate([[1, 0], [2]])  # data [[2, 1, 0], [3, 0, -100]]
    assert target.data.tolist() == [[2, 1, 0], [3, 0, IGNORE_INDEX]]
    scored = PointerCrossEntropy("target")(logits, {"target": target})
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 5), target.data.reshape(-1))
    torch.testing.assert_close(scored.loss, expected)
    assert int(scored.units) == 5
    scored.loss.backward()
    assert logits.grad[1, 2].abs().sum() == 0  # the padded position gets no gradient
    assert Objective("point", "target", TrainConfig()).main.ignore_index == IGNORE_INDEX


def test_predictor_presents_positions_and_metrics_read_them():
    task, schema, fields, model, examples, batch = setup("tsp")
    predictor = PointingPredictor(DecodeConfig(beam_size=3), schema)
    found = predictor(model, batch)
    shown = predictor.present(found[0], fields, examples[0])
    assert json.loads(shown.text) == shown.positions
    assert sorted(shown.positions) == list(range(len(examples[0]["points"])))
    assert np.array_equal(shown.points, examples[0]["points"])
    columns, rows, matrix = shown.heatmap()
    assert columns[0] == "end" and rows[-1] == "end" and matrix.shape == (len(rows), len(columns))


def test_a_pointing_draws_its_steps(tmp_path):
    task, schema, fields, model, examples, batch = setup("hull")
    predictor = PointingPredictor(DecodeConfig(), schema)
    shown = predictor.present(predictor(model, batch)[0], fields, examples[0])
    path = shown.draw(tmp_path / "hull.png", title="a hull")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from attnkit.viz.pointer import plot_pointer

    with pytest.raises(ValueError, match="point outside"):
        plot_pointer(examples[0]["points"], [99], None, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="distributions must be"):
        plot_pointer(examples[0]["points"], [0], torch.ones(1, 2), tmp_path / "bad.png")
