"""ROUGE-1/2/L F1 and the repeated-trigram rate on hand-worked cases; the package-summaries task
(summaries whose names only copying can write) and the summaries file format; the copying plot."""

from __future__ import annotations

import pytest

from attnkit.metrics import LOWER_IS_BETTER, METRICS, compute
from attnkit.tasks import get_task
from attnkit.tasks.files import FILE_FORMATS, read_text_pairs
from attnkit.viz import plot_copying
from attnkit.viz.copying import copied_rows


def test_rouge_by_hand() -> None:
    # "the cat sat" vs "the cat ran away": 2 shared unigrams, P 2/3, R 2/4 -> F 4/7; 1 shared bigram of
    # 2 and 3 -> F 2/5; LCS "the cat" = 2 -> as ROUGE-1
    hypothesis, reference = ["the cat sat"], ["the cat ran away"]
    assert compute("rouge1", hypothesis, reference).value == pytest.approx(100 * 4 / 7)
    assert compute("rouge2", hypothesis, reference).value == pytest.approx(100 * 2 / 5)
    assert compute("rouge_l", hypothesis, reference).value == pytest.approx(100 * 4 / 7)
    # order matters to L only: "b a" vs "a b": ROUGE-1 100, LCS 1 of 2 -> 50
    assert compute("rouge1", ["b a"], ["a b"]).value == pytest.approx(100.0)
    assert compute("rouge_l", ["b a"], ["a b"]).value == pytest.approx(50.0)
    assert compute("rouge_l", ["x y", "a b"], ["a b", "a b"]).value == pytest.approx(50.0)  # the mean of 0 and 100


def test_repeated_trigrams_by_hand() -> None:
    # "a b c a b c": trigrams abc bca cab abc, one repeat; "x y z": one trigram; "q": none -> 1 of 5
    assert compute("repeated_trigrams", ["a b c a b c", "x y z", "q"], ["", "", ""]).value == pytest.approx(20.0)
    assert compute("repeated_trigrams", ["a b"], ["a b"]).value == 0.0
    assert "repeated_trigrams" in LOWER_IS_BETTER and {"rouge1", "rouge2", "rouge_l"} <= set(METRICS)


def test_the_package_summaries_task_needs_copying_for_names() -> None:
    task = get_task("package-summaries", train_size=200, dev_size=20, test_size=20, long_size=10)
    train, long = task.split("train"), task.split("long")
    assert task.schema().metrics[0] == "rouge_l"
    for example in train:
        assert example["copied"] in example["source"].split()
        if example["target"].startswith(("documentation", "python", "perl")):
            assert example["target"].split()[-1] == example["copied"]
    sources = {e["source"] for e in train}
    assert not sources & {e["source"] for e in task.split("test")}
    assert min(len(e["source"].split()) for e in long) > max(len(e["source"].split()) for e in train) - 12
    with pytest.raises(ValueError, match="max_features"):
        get_task("package-summaries", max_features=9, long_features=8)


def test_users_summaries_are_read_as_text_pairs_scored_by_rouge(tmp_path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text("long\tshort\na long text here\ttext\n", encoding="utf-8")
    examples = read_text_pairs(str(path), option="data.train", header=True)
    assert examples == [{"source": "a long text here", "target": "text", "where": f"{path}:2"}]
    assert FILE_FORMATS["summaries"].schema().metrics == ("rouge_l", "rouge1", "rouge2", "repeated_trigrams")


def test_the_copying_plot_marks_copied_rows(tmp_path) -> None:
    weights = [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]
    path = plot_copying(weights, ["zork", "tool"], ["zork", "tool", "</s>"], [0.1, 0.9, 0.7], tmp_path / "c.png")
    assert path.stat().st_size > 1000
    assert copied_rows([0.1, 0.9, 0.7]) == [True, False, False]
    with pytest.raises(ValueError, match="p_gen"):
        plot_copying(weights, ["zork", "tool"], ["zork", "tool", "</s>"], [0.1, 0.9], tmp_path / "d.png")


def test_the_report_carries_p_gen_per_output_row_and_draws_coverage() -> None:
    import torch

    from attnkit.decode import Translation
    from attnkit.report.writer import _examples

    alignment = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    copied = Translation("zork", ["zork"], ["zork", "tool"], -0.5, alignment, gates=torch.tensor([0.1, 0.9]))
    plain = Translation("zork", ["zork"], ["zork", "tool"], -0.5, alignment)
    examples = _examples([[copied], [plain]], ["zork", "zork"])
    assert examples[0].row_values == {"p_gen": [0.1, 0.9]} and examples[1].row_values == {}
    assert copied.to_json()["p_gen"] == [0.1, 0.9] and "p_gen" not in plain.to_json()
    from importlib import resources

    page = resources.files("attnkit.report").joinpath("template.html").read_text(encoding="utf-8")
    assert "row_values" in page and "covered += ex.weights[u][s]" in page


def test_a_missing_rouge_package_is_named_before_training(monkeypatch) -> None:
    import importlib.util

    from attnkit.metrics import check_available

    check_available(["rouge_l", "bleu"])  # installed here: nothing to say
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "rouge_score" else real(name, *a))
    with pytest.raises(ValueError, match=r"attnkit\[summarisation\]"):
        check_available(["bleu", "rouge_l"])
    check_available(["bleu", "exact_match"])
