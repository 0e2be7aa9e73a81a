"""espeak-ng synthesis and the spoken-digits task: plausible audio, labels, splits, the cache."""

from __future__ import annotations

import numpy as np
import pytest
from speech_cases import SMALL_TASK, needs_espeak

from attnkit.tasks import get_task
from attnkit.tasks.speech_synth import SynthesisError, synthesise
from attnkit.tasks.spoken_digits import CONCATENATED, GAP_SECONDS, SpokenDigits

pytestmark = needs_espeak


def test_a_spoken_digit_string_lasts_a_plausible_time() -> None:
    one = synthesise("seven", "en-us", 170, 50, 16000)
    five = synthesise("seven three one nine four", "en-us", 170, 50, 16000)
    assert one.dtype == np.int16 and np.abs(one).max() > 1000  # audible
    assert 0.2 < len(one) / 16000 < 1.5  # one word: a few hundred milliseconds
    assert 3 * len(one) < len(five) < 8 * len(one)
    assert len(synthesise("seven", "en-us", 100, 50, 16000)) > 1.3 * len(one)  # slower speech lasts longer


def test_voices_and_pitches_change_the_sound() -> None:
    low, high = synthesise("two", "en-us", 170, 10, 16000), synthesise("two", "en-us", 170, 90, 16000)
    female = synthesise("two", "en-us+f2", 170, 50, 16000)
    assert not np.array_equal(low[: len(high)], high[: len(low)])
    assert not np.array_equal(female, synthesise("two", "en-us", 170, 50, 16000))


def test_an_unknown_voice_is_named() -> None:
    with pytest.raises(SynthesisError, match="no-such-voice"):
        synthesise("one", "no-such-voice", 170, 50, 16000)


def test_splits_labels_and_lengths(private_cache) -> None:
    task = get_task("spoken-digits", **SMALL_TASK)
    train, long = task.split("train"), task.split("test-10x")
    assert len(train) == 40 and len(task.split("concat-5x")) == 2
    for example in train:
        words = example["text"].split()
        assert 1 <= len(words) <= 3 and example["digits"] == len(words)
        assert set(words) <= {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
        assert example["audio"].dtype == np.int16
    assert all(10 <= e["digits"] <= 30 for e in long)
    mean = np.mean([len(e["audio"]) for e in train])
    assert np.mean([len(e["audio"]) for e in long]) > 4 * mean


def test_concatenated_utterances_join_test_utterances(private_cache) -> None:
    task = SpokenDigits(**SMALL_TASK)
    tests = task.split("test")
    gap = int(GAP_SECONDS * 16000)
    shortest = min(len(t["audio"]) for t in tests)
    for split in CONCATENATED:
        count = int(split[len("concat-"):-1])
        for example in task.split(split):
            first = [t for t in tests if np.array_equal(example["audio"][:len(t["audio"])], t["audio"])
                     and example["text"].startswith(t["text"])]
            assert first, "a concatenated utterance starts with a test utterance"
            assert np.all(example["audio"][len(first[0]["audio"]):][:gap] == 0)  # then the silent gap
            assert len(example["audio"]) >= count * shortest + (count - 1) * gap


def test_the_cache_is_written_once_and_read_back(private_cache) -> None:
    first = SpokenDigits(**SMALL_TASK)
    before = first.split("dev")
    files = list((private_cache / "spoken-digits").glob("*.npz"))
    assert any(first.digest() in f.name for f in files)
    again = SpokenDigits(**SMALL_TASK).split("dev")
    assert [e["text"] for e in again] == [e["text"] for e in before]
    assert all(np.array_equal(a["audio"], b["audio"]) for a, b in zip(again, before, strict=True))
    assert SpokenDigits(**{**SMALL_TASK, "train_size": 41}).digest() != first.digest()


def test_bad_task_options_are_named() -> None:
    with pytest.raises(ValueError, match="min_digits"):
        SpokenDigits(min_digits=4, max_digits=2)
    with pytest.raises(ValueError, match="min_rate"):
        SpokenDigits(min_rate=300, max_rate=200)
    with pytest.raises(ValueError, match="nope"):
        SpokenDigits(nope=1)
