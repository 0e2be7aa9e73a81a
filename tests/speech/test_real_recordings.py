"""Real human recordings, end to end: Debian's klettres-data (letters spoken by people, 44.1 kHz
stereo Ogg Vorbis) read through the speech TSV, turned into features, a tiny listener trained on
them for a few updates, and `attnkit transcribe` run on them. Skipped without the package
(.ci/run installs it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from attnkit.cli import main
from attnkit.fields import FramesField

KLETTRES = Path("/usr/share/klettres/en_GB/alpha")
pytestmark = pytest.mark.skipif(not KLETTRES.is_dir(),
                                reason="Debian's klettres-data is not installed (apt-get install klettres-data)")


def letters() -> list[Path]:
    return sorted(KLETTRES.glob("*.ogg"))[:8]


def test_real_recordings_become_features() -> None:
    field = FramesField(audio={"sample_rate": 16000, "n_mels": 40})
    features = [field._array(str(path)) for path in letters()]
    assert all(f.shape[1] == 40 and 20 <= f.shape[0] <= 400 and np.isfinite(f).all() for f in features)
    field.fit([str(p) for p in letters()])
    assert np.isfinite(field.std).all() and field.std.min() > 0


def test_a_tiny_model_trains_on_real_recordings_and_transcribes_them(tmp_path, capsys) -> None:
    tsv = tmp_path / "letters.tsv"
    tsv.write_text("".join(f"{p}\t{p.stem}\n" for p in letters()), encoding="utf-8")
    config = {"model": {"type": "listener", "hidden_dim": 16, "embedding_dim": 8, "levels": 2, "dropout": 0.0},
              "data": {"task": None, "format": "speech", "train": str(tsv), "dev": str(tsv), "max_len": 1000},
              "decode": {"max_input_tokens": 2000},
              "train": {"max_steps": 3, "eval_every": 3, "eval_sentences": 4, "metric": "cer", "progress": False,
                        "threads": 1}}
    path = tmp_path / "letters.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    run = tmp_path / "run"
    assert main(["train", str(path), "--run-dir", str(run)]) == 0
    assert main(["transcribe", str(run), *map(str, letters()[:2]), "--beam", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()[-2:]
    assert [line.split("\t")[0] for line in lines] == [str(p) for p in letters()[:2]]
