"""Audio in, acoustic frames out: reading a recording and its log-mel filterbank features.

- ``read_audio(path, sample_rate, max_seconds)``: a WAV/FLAC/OGG file (soundfile) as mono float32
  samples at ``sample_rate`` (resampled with scipy's polyphase filter when the file has another
  rate); a file soundfile cannot read, a silent one, or one longer than ``max_seconds`` is refused
  with a message naming the file.
- ``LogMel``: samples (N,) -> log-mel features (L, n_mels): a Hann-windowed ``torch.stft`` (25 ms
  windows every 10 ms by default, as in Chorowski et al. 2015 sec. 4.1's 40 filterbank
  energies), the power spectrum projected on triangular mel filters from kaldi-native-fbank
  (``MelBanks.get_matrix``), then log(energy + 1e-6).

Needs the speech extra (``pip install 'attnkit[speech]'``), imported when first used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import gcd
from pathlib import Path

import numpy as np
import torch

from .base import FieldError

SILENCE_PEAK = 1e-4  # a recording whose loudest sample is below this (-80 dBFS) holds nothing to hear


def _soundfile():
    try:
        import soundfile
    except ImportError:
        raise FieldError("reading audio files needs soundfile: pip install 'attnkit[speech]'") from None
    return soundfile


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """samples (N,) at source_rate -> (N * target / source,) at target_rate (polyphase filter)."""
    if source_rate == target_rate:
        return samples
    from scipy.signal import resample_poly

    common = gcd(int(source_rate), int(target_rate))
    return resample_poly(samples, target_rate // common, source_rate // common).astype(np.float32)


def read_audio(path: str | Path, sample_rate: int, *, max_seconds: float | None = None) -> np.ndarray:
    """The recording at ``path`` as mono float32 samples (N,) in [-1, 1] at ``sample_rate``.

    Several channels are averaged; another sample rate is resampled. Refused (FieldError naming
    the file): a missing file, one that is not audio soundfile reads, an empty or silent one, one
    longer than ``max_seconds`` (checked from the header, before any sample is read)."""
    soundfile = _soundfile()
    path = Path(path)
    if not path.is_file():
        raise FieldError(f"audio file not found: {path}")
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise FieldError(f"{path} is not an audio file soundfile can read (WAV, FLAC, OGG): {error}") from None
    seconds = info.frames / info.samplerate if info.samplerate else 0.0
    if max_seconds is not None and seconds > max_seconds:
        raise FieldError(f"{path} lasts {seconds:.1f} s, longer than the {max_seconds:g} s this field takes "
                         "(option max_seconds of the frames field's audio settings); cut it into shorter "
                         "utterances first")
    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)  # (N, channels)
    samples = samples.mean(axis=1)  # (N,)
    if len(samples) == 0:
        raise FieldError(f"{path} holds no samples")
    if float(np.abs(samples).max()) < SILENCE_PEAK:
        raise FieldError(f"{path} is silent (its loudest sample is below {20 * np.log10(SILENCE_PEAK):.0f} dBFS): "
                         "nothing to transcribe")
    return resample(samples, rate, sample_rate)


def as_samples(item: np.ndarray) -> np.ndarray:
    """A waveform as float32 in [-1, 1]: int16 samples are scaled by 1/32768."""
    array = np.asarray(item)
    if array.dtype == np.int16:
        return array.astype(np.float32) / 32768.0
    return array.astype(np.float32, copy=False)


@dataclass(frozen=True)
class LogMel:
    """Log-mel filterbank features of a waveform.

    sample_rate: Hz of the samples given; n_mels: filters (features per frame); window_ms and
    hop_ms: the analysis window and the step between frames. ``__call__(samples (N,)) -> (L, n_mels)``
    float32 with L = 1 + N // hop (centred frames, reflection padding), so a frame every hop_ms.
    """

    sample_rate: int = 16000
    n_mels: int = 40
    window_ms: float = 25.0
    hop_ms: float = 10.0

    @property
    def window(self) -> int:
        return int(round(self.sample_rate * self.window_ms / 1000))

    @property
    def hop(self) -> int:
        return int(round(self.sample_rate * self.hop_ms / 1000))

    @property
    def n_fft(self) -> int:
        return 1 << (self.window - 1).bit_length()  # the window rounded up to a power of two

    @cached_property
    def filters(self) -> torch.Tensor:
        """(n_mels, n_fft // 2 + 1) triangular mel filters (kaldi-native-fbank's)."""
        try:
            import kaldi_native_fbank as knf
        except ImportError:
            raise FieldError("log-mel features need kaldi-native-fbank: pip install 'attnkit[speech]'") from None
        mel = knf.MelBanksOptions()
        mel.num_bins = self.n_mels
        frame = knf.FrameExtractionOptions()
        frame.samp_freq = float(self.sample_rate)
        frame.frame_length_ms = float(self.window_ms)
        frame.frame_shift_ms = float(self.hop_ms)
        frame.round_to_power_of_two = True
        matrix = np.asarray(knf.MelBanks(mel, frame).get_matrix(), dtype=np.float32)
        assert matrix.shape == (self.n_mels, self.n_fft // 2 + 1), matrix.shape
        return torch.from_numpy(matrix)

    def seconds(self, samples: int) -> float:
        return samples / self.sample_rate

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        waveform = torch.from_numpy(np.ascontiguousarray(as_samples(samples)))  # (N,)
        if waveform.dim() != 1 or len(waveform) == 0:
            raise FieldError(f"a waveform must be a non-empty 1-D array of samples; got shape {tuple(waveform.shape)}")
        if len(waveform) <= self.n_fft // 2:  # reflection padding needs more samples than half a window
            waveform = torch.nn.functional.pad(waveform, (0, self.n_fft // 2 + 1 - len(waveform)))
        spectrum = torch.stft(waveform, self.n_fft, hop_length=self.hop, win_length=self.window,
                              window=torch.hann_window(self.window), center=True, return_complex=True)  # (F, L)
        power = spectrum.abs().pow(2)  # (F, L)
        energies = self.filters @ power  # (n_mels, L)
        return torch.log(energies + 1e-6).T.contiguous().numpy()  # (L, n_mels)
