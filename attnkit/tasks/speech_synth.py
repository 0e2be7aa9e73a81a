"""Speech synthesis with espeak-ng, offline: text + voice + rate + pitch -> int16 samples.

Two back ends, the first that is present wins:

- ``LibraryVoice``: the espeak-ng library and voices bundled in the ``espeakng-loader`` wheel
  (``pip install 'attnkit[speech]'`` suffices), driven through ctypes: ``espeak_Initialize`` with
  retrieval output (samples handed to a callback, no sound device), ``espeak_SetVoiceByName``
  ("en-us+f2": a voice and a variant), ``espeak_SetParameter`` for the rate (words per minute) and
  the pitch (0..100), ``espeak_Synth`` + ``espeak_Synchronize``;
- ``CommandVoice``: Debian's ``espeak-ng`` program (``apt-get install espeak-ng``), its WAV read
  from stdout.

Both give the samples at ``sample_rate`` (espeak speaks at 22,050 Hz; resampled with scipy).
"""

from __future__ import annotations

import ctypes
import io
import shutil
import subprocess
from functools import cache

import numpy as np

from attnkit.fields.audio import resample

ESPEAK_RATE, ESPEAK_PITCH = 1, 3  # espeak_PARAMETER
AUDIO_OUTPUT_RETRIEVAL = 1
POS_CHARACTER = 1
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class SynthesisError(ValueError):
    """espeak-ng is missing, or refused a voice; the message says what to install or choose."""


class LibraryVoice:
    """espeak-ng through ctypes from the espeakng-loader wheel. One per process (the library
    keeps global state); ``__call__(text, voice, rate, pitch) -> (N,) int16 at espeak's rate``."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, espeakng_loader.get_data_path().encode(), 0)
        if self.rate <= 0:
            raise SynthesisError(f"espeak_Initialize failed (returned {self.rate})")
        self.chunks: list[np.ndarray] = []

        def collect(wav, count, events):  # espeak hands the samples over in pieces
            if count > 0:
                self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
            return 0

        self.callback = _CALLBACK(collect)  # kept referenced: the library holds only the pointer
        self.lib.espeak_SetSynthCallback(self.callback)

    def __call__(self, text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SynthesisError(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(ESPEAK_RATE, int(rate), 0)
        self.lib.espeak_SetParameter(ESPEAK_PITCH, int(pitch), 0)
        data = text.encode()
        self.chunks = []
        self.lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


class CommandVoice:
    """Debian's espeak-ng program: ``espeak-ng -v VOICE -s RATE -p PITCH --stdout TEXT``."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.rate = 22050

    def __call__(self, text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
        import soundfile

        done = subprocess.run([self.program, "-v", voice, "-s", str(int(rate)), "-p", str(int(pitch)), "--stdout",
                               text], capture_output=True, check=False)
        if done.returncode != 0 or not done.stdout:
            raise SynthesisError(f"{self.program} -v {voice} failed: {done.stderr.decode(errors='replace').strip()}")
        samples, self.rate = soundfile.read(io.BytesIO(done.stdout), dtype="int16")
        return samples


@cache
def espeak():
    """The first espeak-ng back end present: the espeakng-loader wheel's library, else Debian's
    program; a SynthesisError naming both when neither is."""
    try:
        return LibraryVoice()
    except ImportError:
        pass
    program = shutil.which("espeak-ng")
    if program:
        return CommandVoice(program)
    raise SynthesisError("synthesising speech needs espeak-ng: pip install 'attnkit[speech]' (the espeakng-loader "
                         "wheel bundles it), or apt-get install espeak-ng")


def synthesise(text: str, voice: str, rate: int, pitch: int, sample_rate: int) -> np.ndarray:
    """``text`` spoken by espeak-ng's ``voice`` at ``rate`` words per minute and ``pitch``
    (0..100) -> (N,) int16 samples at ``sample_rate``, leading and trailing silence trimmed."""
    engine = espeak()
    samples = engine(text, voice, rate, pitch).astype(np.float32) / 32768.0  # (N,) at engine.rate
    loud = np.flatnonzero(np.abs(samples) > 1e-3)
    if len(loud):
        samples = samples[loud[0]:loud[-1] + 1]
    samples = resample(samples, engine.rate, sample_rate)
    return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
