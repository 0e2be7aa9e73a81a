"""Shared pieces of the speech tests: skip without the speech extra, a private synthesis cache,
and (speech_cases.py) helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("soundfile", reason="the speech extra (pip install 'attnkit[speech]') is not installed")
pytest.importorskip("kaldi_native_fbank", reason="the speech extra (pip install 'attnkit[speech]') is not installed")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch) -> Path:
    """Every test synthesises into one cache of the session's own (not the user's ~/.cache)."""
    cache = tmp_path_factory.getbasetemp() / "speech-cache"
    monkeypatch.setenv("ATTNKIT_CACHE", str(cache))
    return cache
