"""Users' recordings: the speech TSV and the Kaldi data directory, and their errors (file:line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from speech_cases import tone, write_audio

from attnkit.data import DataError
from attnkit.tasks.files import file_format


def recordings(folder: Path, count: int = 2) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_audio(folder / f"u{i}.wav", tone(0.3, 16000, 300.0 + 100 * i), 16000) for i in range(count)]


def test_a_tsv_of_paths_and_transcripts(tmp_path) -> None:
    recordings(tmp_path / "audio")
    tsv = tmp_path / "train.tsv"
    tsv.write_text("# path\ttranscript\naudio/u0.wav\tone two\n\naudio/u1.wav\tthree\n", encoding="utf-8")
    examples = file_format("speech").read(str(tsv), option="data.train")
    assert [e["text"] for e in examples] == ["one two", "three"]
    assert examples[0]["audio"] == str(tmp_path / "audio" / "u0.wav") and examples[1]["where"] == f"{tsv}:4"
    assert file_format("speech").schema().fields["audio"].options["audio"]["sample_rate"] == 16000


@pytest.mark.parametrize("line, message", [
    ("audio/u0.wav one two", r"train.tsv:1: expected 'path<TAB>transcript'"),
    ("audio/u0.wav\t  ", r"train.tsv:1: empty transcript"),
    ("audio/gone.wav\tone", r"train.tsv:1: audio file .*gone.wav does not exist"),
    ("notes.txt\tone", r"train.tsv:1: .*notes.txt is not an audio file"),
])
def test_tsv_errors_name_the_line(tmp_path, line: str, message: str) -> None:
    recordings(tmp_path / "audio")
    (tmp_path / "notes.txt").write_text("hello")
    tsv = tmp_path / "train.tsv"
    tsv.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        file_format("speech").read(str(tsv), option="data.train")


def kaldi_dir(folder: Path, scp: str, text: str) -> Path:
    recordings(folder)
    (folder / "wav.scp").write_text(scp, encoding="utf-8")
    (folder / "text").write_text(text, encoding="utf-8")
    return folder


def test_a_kaldi_directory(tmp_path) -> None:
    folder = kaldi_dir(tmp_path / "data", "utt1 u1.wav\nutt0 u0.wav\n", "utt0 one two\nutt1 nine\n")
    examples = file_format("kaldi").read(str(folder), option="data.train")
    assert [(Path(e["audio"]).name, e["text"]) for e in examples] == [("u1.wav", "nine"), ("u0.wav", "one two")]
    assert examples[0]["where"] == f"{folder / 'wav.scp'}:1"


@pytest.mark.parametrize("scp, text, message", [
    ("utt0 u0.wav\n", "utt0 one\nutt9 two\n", r"text:2: utterance 'utt9' has no recording"),
    ("utt0 u0.wav\nutt1 u1.wav\n", "utt0 one\n", r"wav.scp:2: utterance 'utt1' has no transcript"),
    ("utt0 sox u0.wav -t wav - |\n", "utt0 one\n", r"wav.scp:1: 'utt0' is a command"),
    ("utt0 u0.wav\nutt0 u1.wav\n", "utt0 one\n", r"wav.scp:2: utterance 'utt0' is listed twice"),
    ("utt0\n", "utt0 one\n", r"wav.scp:1: expected 'utterance-id path'"),
])
def test_kaldi_errors_name_the_file_and_line(tmp_path, scp: str, text: str, message: str) -> None:
    folder = kaldi_dir(tmp_path / "data", scp, text)
    with pytest.raises(DataError, match=message):
        file_format("kaldi").read(str(folder), option="data.train")


def test_a_directory_without_wav_scp_is_refused(tmp_path) -> None:
    with pytest.raises(DataError, match=r"data.dev: .*wav.scp does not exist"):
        file_format("kaldi").read(str(tmp_path), option="data.dev")
