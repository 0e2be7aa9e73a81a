"""Long and bad input fails one line, clearly, never the whole job (issue 17, cases 1-4, 11-14)."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import warnings

import numpy as np
import pytest

from attnkit.cli import main
from attnkit.config import ConfigError, config_from_dict, load_config
from attnkit.data import DataError
from attnkit.run import train

TINY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0},
    "data": {"task": "copy", "max_tokens": 120,
             "task_options": {"vocab_size": 5, "min_len": 1, "max_len": 4, "train_size": 80, "dev_size": 6,
                              "test_size": 6, "long_size": 2}},
    "train": {"max_steps": 4, "eval_every": 4, "eval_sentences": 6, "progress": False, "threads": 1},
}
COMMAND = [sys.executable, "-m", "attnkit"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A copy model trained enough to answer with something for every input (60 steps)."""
    directory = tmp_path_factory.mktemp("robust") / "run"
    train(config_from_dict({**TINY, "model": {**TINY["model"], "hidden_dim": 32},
                            "train": {**TINY["train"], "max_steps": 60, "eval_every": 60, "lr": 0.01}}), directory)
    return directory


def translate(run_dir, data: bytes, *args):
    return subprocess.run([*COMMAND, "translate", str(run_dir), *args], input=data, capture_output=True, timeout=120)


def test_max_len_counts_the_tokens_the_model_sees(tmp_path, caplog):
    data = tmp_path / "train.tsv"
    data.write_text("a b\tb a\n" + "x" * 3000 + "\ty\n" + "c d\td c\n")
    spec = {**TINY, "data": {"task": None, "train": str(data), "dev": str(data), "tokenizer": "char", "max_len": 50,
                             "max_tokens": 200}}
    with caplog.at_level("WARNING", logger="attnkit"):
        train(config_from_dict(spec), tmp_path / "run")
    assert "dropped 1 training examples longer than data.max_len=50" in caplog.text
    assert f"{data}:2" in caplog.text  # the line, by file and number
    strict = {**spec, "data": {**spec["data"], "strict": True}}
    with pytest.raises(DataError, match=f"{data}:2: longer than data.max_len=50"):
        train(config_from_dict(strict), tmp_path / "strict")


def test_a_line_too_long_to_decode_is_refused_and_the_others_are_translated(run_dir):
    result = translate(run_dir, b"a b\n" + b"x " * 100_000 + b"\nc\n")  # 100,000 word tokens
    assert result.returncode == 1
    lines = result.stdout.decode().split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[0] and lines[2]  # one output line per input line
    err = result.stderr.decode()
    assert "stdin:2:" in err and "decode.max_input_tokens=1024" in err and "Traceback" not in err


def test_bad_bytes_cost_only_their_line(run_dir, tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(b"a b\n\xff\xfe c\n\nd\n")
    out = tmp_path / "out.txt"
    result = translate(run_dir, b"", "--input", str(source), "--output", str(out))
    assert result.returncode == 1
    assert f"{source}:2: not valid UTF-8 (byte 0xff" in result.stderr.decode()
    lines = out.read_text().split("\n")
    assert len(lines) == 5 and lines[1] == "" and lines[2] == "" and lines[0] and lines[3]  # empty in, empty out


def test_translate_answers_each_line_as_it_comes(run_dir):
    """A line in, its translation out, before the next line is written: usable interactively."""
    process = subprocess.Popen([*COMMAND, "translate", str(run_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        answers = []
        for line in (b"a b c\n", b"d\n"):
            process.stdin.write(line)
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 60)  # generous: start-up and first batch
            assert ready, "no translation came back while stdin stayed open"
            answers.append(process.stdout.readline())
        assert all(answer.endswith(b"\n") for answer in answers)
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_no_traceback_when_the_reader_goes_away(run_dir):
    shell = f"{sys.executable} -m attnkit evaluate {run_dir} --split test | head -c 10"
    result = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_unknown_tokenizer_option_in_a_run_is_a_clear_error(run_dir, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    path = broken / "fields" / "source" / "tokenizer" / "tokenizer.json"
    payload = json.loads(path.read_text())
    payload["options"] = {"lowercase": True}
    path.write_text(json.dumps(payload))
    assert main(["evaluate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "corrupt tokenizer file" in err and "lowercase" in err


def test_too_small_a_sentencepiece_vocabulary_is_a_clear_error(tmp_path):
    data = tmp_path / "train.tsv"
    data.write_text("".join(f"word{i} thing{i}\tother{i} stuff{i}\n" for i in range(30)))
    spec = {**TINY, "data": {"task": None, "train": str(data), "dev": str(data), "tokenizer": "sentencepiece",
                             "sentencepiece_vocab_size": 10}}
    with pytest.raises(ValueError, match="data.sentencepiece_vocab_size=10 is too small for this data"):
        train(config_from_dict(spec), tmp_path / "run")


def test_scientific_numbers_duplicate_sections_and_zero_sentences(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("train:\n  lr: 1e-3\n")
    assert load_config(good).train.lr == 0.001
    assert load_config(good, ["train.lr=2e-4"]).train.lr == 0.0002
    twice = tmp_path / "twice.yaml"
    twice.write_text("train:\n  lr: 0.01\ndata:\n  task: copy\ntrain:\n  max_steps: 3\n")
    with pytest.raises(ConfigError, match="line 5: 'train' is given twice in the same section"):
        load_config(twice)
    with pytest.raises(ConfigError, match="data.max_sentences must be positive"):
        config_from_dict({"data": {"max_sentences": 0}})


def test_evaluate_says_how_it_read_a_file_and_takes_a_header_flag(run_dir, tmp_path, capsys):
    data = tmp_path / "test.tsv"
    data.write_text("a b\tb a\nc\tc\nd e\te d\n")
    assert main(["evaluate", str(run_dir), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "(3 examples" in out and "no header line (--header skips the first line)" in out
    assert main(["evaluate", str(run_dir), "--data", str(data), "--header"]) == 0
    out = capsys.readouterr().out
    assert "(2 examples" in out and "its first line was skipped as a header" in out


def test_plot_titles_fit_inside_the_figure():
    import numpy as np

    from attnkit.viz._figure import drawing, new_figure
    from attnkit.viz.alignment import draw_heatmap

    with drawing(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = new_figure(3.0, 4.0)
        axes = figure.subplots()
        draw_heatmap(axes, np.full((4, 2), 0.5), ["Firewall", "tools"], ["Outils"] * 4,
                     title="Firewall tools → Outils de pare-feu pour la gestion des règles du noyau Linux")
        figure.canvas.draw()
        box = axes.title.get_window_extent(figure.canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= figure.bbox.x1 + 0.5


def test_plot_and_compare_on_a_classifier_run(tmp_path, capsys):
    """`attnkit plot` reads a frames -> label run's input from a .npy file, refusing a missing
    one or a text-only option by name; `compare` picks the task's own metric (accuracy) when none
    is given."""
    spec = {"model": {"type": "attention_classifier", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0},
            "data": {"task": "needle", "max_tokens": 200,
                     "task_options": {"dim": 4, "max_len": 6, "train_size": 40, "dev_size": 6, "test_size": 6,
                                      "long_size": 2}},
            "train": {"max_steps": 4, "eval_every": 4, "metric": "accuracy", "progress": False, "threads": 1}}
    run_dir = tmp_path / "needle"
    train(config_from_dict(spec), run_dir)
    assert main(["plot", str(run_dir), "x"]) == 2
    assert "cannot read frames from x" in capsys.readouterr().err
    frames = tmp_path / "frames.npy"
    np.save(frames, np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    assert main(["plot", str(run_dir), str(frames), "--steps"]) == 2
    assert "predicts by classify from frames" in capsys.readouterr().err
    out = tmp_path / "needle.png"
    assert main(["plot", str(run_dir), str(frames), str(frames), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split("\n")
    assert printed[1] == str(tmp_path / "needle-1.png") and printed[3] == str(tmp_path / "needle-2.png")
    assert printed[0] in ("red", "green", "blue", "yellow")
    assert (tmp_path / "needle-1.png").stat().st_size > 1000 and (tmp_path / "needle-2.png").is_file()
    assert main(["compare", str(run_dir), "--split", "test", "--out", str(tmp_path / "cmp")]) == 0
    assert (tmp_path / "cmp" / "compare-accuracy.png").is_file()
