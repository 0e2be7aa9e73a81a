"""`attnkit plot`: one heatmap, a grid for several sources, the step-by-step strip, and per-layer,
per-head maps (drawn from synthetic arrays and from a stand-in model that offers attention_maps)."""

import numpy as np
import pytest
import torch

from attnkit.cli import main
from attnkit.config import model_config
from attnkit.microscope import has_attention_maps, plot_heads
from attnkit.models import build_model
from attnkit.run import Translation, open_run
from attnkit.viz import plot_layer_heads

PNG = b"\x89PNG\r\n\x1a\n"


def test_several_sources_give_one_grid(report_runs, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["plot", str(report_runs["attention"]), "a b c", "d e f a", "b a", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == str(out) and len(printed) == 4  # three translations, then the path


def test_beam_steps_strip_is_written(report_runs, tmp_path, capsys):
    out = tmp_path / "steps.png"
    assert main(["plot", str(report_runs["attention"]), "a b c d", "--beam", "3", "--steps", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG
    assert capsys.readouterr().out.splitlines()[-1] == str(out)


def test_steps_take_one_source_and_a_model_without_attention_is_refused(report_runs, tmp_path, capsys):
    assert main(["plot", str(report_runs["attention"]), "a b", "c d", "--steps", "--out", str(tmp_path / "x.png")]) == 2
    assert "--steps draws one sentence" in capsys.readouterr().err
    assert main(["plot", str(report_runs["none"]), "a b", "--out", str(tmp_path / "y.png")]) == 2
    assert "has no attention" in capsys.readouterr().err


def test_heads_need_a_model_with_attention_maps(report_runs, tmp_path, capsys):
    assert main(["plot", str(report_runs["attention"]), "a b", "--heads", "--out", str(tmp_path / "h.png")]) == 2
    assert "model.type transformer" in capsys.readouterr().err


def test_plot_layer_heads_from_synthetic_maps(tmp_path):
    maps = np.random.default_rng(0).dirichlet(np.ones(4), size=(2, 3, 5))  # (L=2, H=3, T=5, S=4)
    path = plot_layer_heads(maps, list("abcd"), list("vwxyz"), tmp_path / "heads.png", title="synthetic")
    assert path.read_bytes()[:8] == PNG
    with pytest.raises(ValueError, match="4-D"):
        plot_layer_heads(maps[0], list("abcd"), list("vwxyz"), tmp_path / "bad.png")
    with pytest.raises(ValueError, match="5 target and 3 source"):
        plot_layer_heads(maps, list("abc"), list("vwxyz"), tmp_path / "bad.png")


class MapsModel(torch.nn.Module):
    """Stands in for a Transformer: uniform maps of the documented shapes."""

    layers, heads = 2, 2

    def attention_maps(self, batch):
        source, target_in = batch["source"].data, batch["target"].inputs
        rows, sources, steps = source.shape[0], source.shape[1], target_in.shape[1]
        cross = torch.full((rows, self.layers, self.heads, steps, sources), 1 / sources)
        causal = torch.tril(torch.ones(steps, steps))
        own = (causal / causal.sum(-1, keepdim=True)).expand(rows, self.layers, self.heads, steps, steps)
        return {"cross": cross, "decoder_self": own}


def test_attention_maps_is_asked_of_the_class():
    model = torch.nn.Linear(2, 2)
    model.attention_maps = lambda *a: None  # an instance attribute does not count
    assert not has_attention_maps(model)
    assert has_attention_maps(MapsModel())


def test_plot_heads_writes_cross_and_self_maps(report_runs, tmp_path):
    run = open_run(report_runs["attention"])
    run.model = MapsModel()
    translation = Translation("c b a", ["c", "b", "a"], ["a", "b", "c"], 0.0, None)
    paths = plot_heads(run, translation, tmp_path / "t.png")
    assert [p.name for p in paths] == ["t-cross.png", "t-self.png"]
    assert all(p.read_bytes()[:8] == PNG for p in paths)


def test_plot_heads_with_a_real_transformer(report_runs, tmp_path):
    run = open_run(report_runs["attention"])
    config = model_config(type="transformer", hidden_dim=16, num_heads=2, ff_dim=32, dropout=0.0)
    torch.manual_seed(0)
    run.model = build_model(config, run.schema, run.fields).eval()  # over the run's text fields
    translation = Translation("c b a", ["c", "b", "a"], ["a", "b", "c"], 0.0, None)
    paths = plot_heads(run, translation, tmp_path / "real.png")
    assert [p.name for p in paths] == ["real-cross.png", "real-self.png"]
    assert all(p.read_bytes()[:8] == PNG for p in paths)
