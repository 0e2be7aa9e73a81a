"""Log-mel features through the frames field: shapes, the mel scale, normalisation saved with the
run, and reading audio files (formats, sample rates, and what is refused)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from speech_cases import tone, write_audio

from attnkit.fields import FieldError, FramesField, load, save_field
from attnkit.fields.audio import LogMel, read_audio

AUDIO = {"sample_rate": 16000, "n_mels": 40}


def test_log_mel_shape_is_one_frame_every_hop() -> None:
    features = LogMel()(tone(1.0, 16000))
    assert features.shape == (1 + 16000 // 160, 40) and features.dtype == np.float32
    assert LogMel(n_mels=24, hop_ms=20.0)(tone(0.5, 16000)).shape == (1 + 8000 // 320, 24)
    assert LogMel()(tone(0.005, 16000)).shape[0] >= 1  # shorter than a window still gives a frame


def test_a_higher_tone_lights_a_higher_mel_filter() -> None:
    bins = [int(LogMel()(tone(0.5, 16000, f))[10:-10].mean(0).argmax()) for f in (300.0, 1000.0, 4000.0)]
    assert bins[0] < bins[1] < bins[2]


def test_the_field_reads_waveforms_int16_and_float_alike() -> None:
    field = FramesField(audio=AUDIO)
    noise = np.random.default_rng(0).normal(0, 0.05, 6400).astype(np.float32)  # energy in every filter
    samples = tone(0.4, 16000) + noise
    field.fit([samples, tone(0.3, 16000, 800.0)])
    as_int16 = (samples * 32767).astype(np.int16)
    torch.testing.assert_close(field.encode(as_int16), field.encode(samples), atol=1e-2, rtol=0)
    assert field.dim == 40 and field.frame_seconds == pytest.approx(0.01)


def test_global_normalisation_is_saved_with_the_run(tmp_path) -> None:
    field = FramesField(normalise="global", audio=AUDIO)
    items = [tone(0.3, 16000, f) for f in (200.0, 700.0, 2500.0)]
    field.fit(items)
    encoded = torch.cat([field.encode(x) for x in items])  # (N, 40)
    torch.testing.assert_close(encoded.mean(0), torch.zeros(40), atol=1e-3, rtol=0)
    save_field(field, tmp_path / "audio")
    loaded = load(tmp_path / "audio")
    assert loaded.audio == field.audio and np.array_equal(loaded.mean, field.mean)
    torch.testing.assert_close(loaded.encode(items[1]), field.encode(items[1]))


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg"])
def test_audio_files_are_read_in_each_format(tmp_path, suffix: str) -> None:
    path = write_audio(tmp_path / f"a{suffix}", tone(0.5, 16000), 16000)
    samples = read_audio(path, 16000)
    assert abs(len(samples) - 8000) <= 8 and np.abs(samples).max() > 0.2


@pytest.mark.parametrize("rate", [8000, 44100])
def test_another_sample_rate_is_resampled(tmp_path, rate: int) -> None:
    field = FramesField(normalise="none", audio=AUDIO)
    native = field.encode(str(write_audio(tmp_path / "native.wav", tone(0.5, 16000, 500.0), 16000)))
    other = field.encode(str(write_audio(tmp_path / "other.wav", tone(0.5, rate, 500.0), rate)))
    assert abs(len(other) - len(native)) <= 1
    strongest = int(native[5:-5].mean(0).argmax())
    assert int(other[5:-5].mean(0).argmax()) == strongest  # the same tone, the same filter


def test_stereo_is_mixed_to_mono(tmp_path) -> None:
    left = tone(0.3, 16000)
    path = write_audio(tmp_path / "stereo.wav", np.stack([left, left], axis=1), 16000)
    np.testing.assert_allclose(read_audio(path, 16000), left, atol=1e-3)


def test_a_file_that_is_not_audio_is_refused_by_name(tmp_path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("these are not samples\n")
    field = FramesField(audio=AUDIO)
    with pytest.raises(FieldError, match="notes.wav.*not an audio file"):
        field.parse_input(str(path))
    with pytest.raises(FieldError, match="not found"):
        field.parse_input(str(tmp_path / "missing.wav"))


def test_silence_is_refused(tmp_path) -> None:
    path = write_audio(tmp_path / "quiet.wav", np.zeros(8000, np.float32), 16000)
    with pytest.raises(FieldError, match="quiet.wav is silent"):
        FramesField(audio=AUDIO).parse_input(str(path))


def test_a_ten_minute_file_is_refused_before_it_is_read(tmp_path) -> None:
    import soundfile

    path = tmp_path / "lecture.wav"
    with soundfile.SoundFile(str(path), "w", samplerate=8000, channels=1, subtype="PCM_16") as out:
        out.write(np.zeros(600 * 8000, np.int16))  # ten minutes, written without holding them in floats
    with pytest.raises(FieldError, match=r"lecture.wav lasts 600.0 s.*max_seconds"):
        FramesField(audio=AUDIO).parse_input(str(path))
    with pytest.raises(FieldError, match="max_seconds"):
        FramesField(audio={**AUDIO, "max_seconds": 1.0}).encode(tone(2.0, 16000))


def test_bad_audio_settings_are_named() -> None:
    with pytest.raises(FieldError, match="n_mel"):
        FramesField(audio={"n_mel": 40})
    with pytest.raises(FieldError, match="positive"):
        FramesField(audio={"hop_ms": 0})


def test_plain_frames_keep_reading_npy(tmp_path) -> None:
    np.save(tmp_path / "x.npy", np.ones((3, 2), np.float32))
    assert FramesField(audio=AUDIO).parse_input(str(tmp_path / "x.npy")).shape == (3, 2)
    assert FramesField().backdrop(np.ones((3, 2))) is None
