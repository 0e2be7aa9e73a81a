"""`attnkit demo captioning` end to end on a tiny task: trains, scores by digits, writes one
overlay picture per shown canvas and the report."""

from caption_cases import TASK

from attnkit.demo import DEMOS

TINY = {"model": {"channels": 4, "blocks": 1, "grid_height": 1, "grid_width": 4, "annotation_dim": 8,
                  "embedding_dim": 8, "hidden_dim": 16, "max_caption_length": 4},
        "data": {"task_options": {**TASK, "dev_size": 8, "test_size": 8}, "max_tokens": 400},
        "train": {"max_steps": 10, "eval_every": 10, "eval_sentences": 8}}


def test_the_demo_trains_scores_and_draws(tmp_path, capsys):
    assert DEMOS["captioning"] is not None
    run_dir = tmp_path / "demo"
    assert DEMOS["captioning"](run_dir, minutes=1.0, overrides=TINY) == 0
    out = capsys.readouterr().out
    assert "trained 10 steps" in out and "| digits | examples | exact match |" in out
    plots = sorted((run_dir / "plots").glob("demo-*.png"))
    assert [p.name for p in plots] == ["demo-0.png", "demo-1.png", "demo-2.png", "demo-3.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in plots)
    assert (run_dir / "report.html").is_file() and str(run_dir / "report.html") in out
