"""`attnkit transcribe` and `attnkit plot` on a speech run (a tiny one, trained for a few updates
on a small spoken-digits task), and bad audio refused with one clear line."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from matplotlib.image import imread
from speech_cases import SMALL_TASK, needs_espeak, tone, write_audio

from attnkit.cli import main

pytestmark = needs_espeak


@pytest.fixture(scope="module")
def speech_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech-run")
    config = {"model": {"type": "listener", "hidden_dim": 16, "embedding_dim": 8, "levels": 2, "dropout": 0.0,
                        "attention": {"name": "location_aware", "options": {"kernel_size": 5, "channels": 2}}},
              "data": {"task": "spoken-digits", "task_options": SMALL_TASK, "max_len": 1000},
              "decode": {"max_input_tokens": 3000, "max_output_tokens": 40},
              "train": {"max_steps": 2, "eval_every": 2, "eval_sentences": 3, "metric": "cer", "progress": False,
                        "threads": 1}}
    path = folder / "speech.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATTNKIT_CACHE", str(tmp_path_factory.getbasetemp() / "speech-cache"))
        assert main(["train", str(path), "--run-dir", str(folder / "run")]) == 0
    return folder / "run"


def test_transcribe_prints_path_and_text(speech_run, tmp_path, capsys) -> None:
    audio = [write_audio(tmp_path / f"{name}.wav", tone(0.6, rate, 300.0), rate)
             for name, rate in (("a", 16000), ("b", 22050))]
    assert main(["transcribe", str(speech_run), *map(str, audio), "--beam", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(p) for p in audio]


def test_plot_draws_the_alignment_over_the_spectrogram(speech_run, tmp_path, capsys) -> None:
    audio = write_audio(tmp_path / "a.wav", tone(1.0, 16000, 500.0), 16000)
    out = tmp_path / "a.png"
    assert main(["plot", str(speech_run), str(audio), "--out", str(out)]) == 0
    image = imread(out)
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("not audio"), "is not an audio file"),
    (lambda p: write_audio(p, np.zeros(16000, np.float32), 16000), "is silent"),
    (lambda p: write_audio(p, np.zeros(61 * 8000, np.float32), 8000), "longer than the 60 s"),
])
def test_bad_audio_is_one_clear_line(speech_run, tmp_path, capsys, make, message) -> None:
    path = tmp_path / "bad.wav"
    make(path)
    assert main(["transcribe", str(speech_run), str(path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error and str(path) in error


def test_a_text_run_is_not_asked_to_transcribe(tmp_path, capsys) -> None:
    assert main(["transcribe", str(tmp_path / "missing"), "a.wav"]) == 2
    assert "run directory not found" in capsys.readouterr().err


def test_the_report_shows_alignments_over_spectrograms(speech_run) -> None:
    assert main(["report", str(speech_run), "--examples", "2"]) == 0
    page = (speech_run / "report.html").read_text(encoding="utf-8")
    assert "Alignments over the input" in page and page.count('<img src="data:image/png') >= 3


def test_the_speech_demo_runs_end_to_end_and_draws(tmp_path, monkeypatch, capsys) -> None:
    from attnkit import demo_speech
    from attnkit.demo import DEMOS

    assert DEMOS["speech"] is demo_speech.run_speech_demo
    small = {**demo_speech.DEMO_CONFIG,
             "model": {**demo_speech.DEMO_CONFIG["model"], "hidden_dim": 16, "embedding_dim": 8, "levels": 2},
             "data": {**demo_speech.DEMO_CONFIG["data"], "task_options": SMALL_TASK},
             "decode": {"max_input_tokens": 3000, "max_output_tokens": 30},
             "train": {**demo_speech.DEMO_CONFIG["train"], "max_steps": 2, "eval_every": 2, "eval_sentences": 3,
                       "progress": False}}
    monkeypatch.setattr(demo_speech, "DEMO_CONFIG", small)
    assert demo_speech.run_speech_demo(tmp_path / "demo", minutes=1.0) == 0
    out = capsys.readouterr().out
    assert "test: CER" in out and "concat-2x: CER" in out
    pictures = sorted((tmp_path / "demo" / "plots").glob("speech-*.png"))
    assert len(pictures) == 5 and all(p.stat().st_size > 5000 for p in pictures)  # 3 test + 2 concat-2x utterances


def test_a_bad_file_costs_only_itself(speech_run, tmp_path, capsys) -> None:
    """The readable recordings around a refused one are still transcribed, in order; the refused
    one is named on stderr and the exit status says something failed."""
    good = [write_audio(tmp_path / f"{name}.wav", tone(0.6, 16000, 300.0), 16000) for name in ("a", "c")]
    bad = tmp_path / "b.wav"
    bad.write_text("not audio")
    assert main(["transcribe", str(speech_run), str(good[0]), str(bad), str(good[1])]) == 2
    captured = capsys.readouterr()
    assert [line.split("\t")[0] for line in captured.out.splitlines()] == [str(p) for p in good]
    assert str(bad) in captured.err and "is not an audio file" in captured.err
