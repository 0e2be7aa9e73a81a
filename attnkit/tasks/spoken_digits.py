"""`spoken-digits`: recognise digit strings spoken by espeak-ng, written as their words' characters.

The seeds' speech-recognition task (Chorowski et al. 2015's question, offline): does attention keep
its place on utterances much longer than any seen in training? Each utterance is a string of
``min_digits`` to ``max_digits`` digits ("three seven one"), synthesised by espeak-ng
(``tasks/speech_synth.py``) with a voice drawn from ``voices`` and a variant from ``variants``
("en-us+f2"), a speaking rate (words per minute) in [min_rate, max_rate] and a pitch in
[min_pitch, max_pitch], plus white noise at a signal-to-noise ratio in [min_snr_db, max_snr_db].
The label is the words' characters; the model reads log-mel frames (the frames field's audio
settings) and writes characters.

Splits: train, dev and test draw from that distribution; ``long`` holds max_digits + 1 to
2 * max_digits digits; ``test-2x``, ``test-5x`` and ``test-10x`` are synthesised utterances with
2, 5 and 10 times the digits of a training draw; ``concat-2x``, ``concat-5x``, ``concat-10x`` join
2, 5 and 10 utterances of the test split end to end, with 100 ms of silence between them
(Chorowski's test: 10x longer utterances by concatenation). ``length_size`` sets the size of
each of the six (default: half of ``long_size``); ``long_size`` of long.

Synthesis runs once: every split is cached as one .npz under ``$ATTNKIT_CACHE`` (default
~/.cache/attnkit) named by a digest of the options and the seed, so training, evaluation and
plots of one configuration share it. Examples hold the waveform (N,) int16 at ``sample_rate``.
Needs espeak-ng (``pip install 'attnkit[speech]'``, or Debian's espeak-ng).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import numpy as np

from attnkit.tasks.base import Example, Task
from attnkit.tasks.schema import FieldSpec, Schema

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FACTORS = (2, 5, 10)
SYNTHESISED = tuple(f"test-{k}x" for k in FACTORS)
CONCATENATED = tuple(f"concat-{k}x" for k in FACTORS)
GAP_SECONDS = 0.1
CACHE_VERSION = 1


def cache_directory() -> Path:
    """Where synthesised splits are kept: $ATTNKIT_CACHE, else ~/.cache/attnkit."""
    return Path(os.environ.get("ATTNKIT_CACHE") or Path.home() / ".cache" / "attnkit")


def add_noise(samples: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """int16 samples (N,) plus white noise at ``snr_db`` below the signal's power -> int16 (N,)."""
    signal = samples.astype(np.float32) / 32768.0
    power = float(np.mean(signal ** 2)) or 1e-8
    noisy = signal + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), signal.shape).astype(np.float32)
    return (np.clip(noisy, -1.0, 1.0) * 32767).astype(np.int16)


class SpokenDigits(Task):
    name = "spoken-digits"
    description = ("recognise digit strings spoken by espeak-ng voices (log-mel frames -> the words' characters); "
                   "test sets 2x, 5x and 10x longer than training, synthesised and concatenated")
    split_names = ("train", "dev", "test", "long", *SYNTHESISED, *CONCATENATED)
    defaults = {
        "min_digits": 1,
        "max_digits": 5,
        "voices": "en-us,en,en-gb-scotland,en-gb-x-rp,en-029",
        "variants": ",m1,m2,m3,m4,f1,f2,f3,f4",
        "min_rate": 140,
        "max_rate": 200,
        "min_pitch": 30,
        "max_pitch": 70,
        "min_snr_db": 20.0,
        "max_snr_db": 40.0,
        "sample_rate": 16000,
        "train_size": 3000,
        "dev_size": 200,
        "test_size": 200,
        "long_size": 100,
        "length_size": None,
    }
    option_types = {"length_size": int}

    def _resolve(self, options):
        o = dict(options)
        checks = [
            (1 <= o["min_digits"] <= o["max_digits"], "1 <= min_digits <= max_digits"),
            (0 < o["min_rate"] <= o["max_rate"], "0 < min_rate <= max_rate"),
            (0 <= o["min_pitch"] <= o["max_pitch"] <= 100, "0 <= min_pitch <= max_pitch <= 100"),
            (o["min_snr_db"] <= o["max_snr_db"], "min_snr_db <= max_snr_db"),
            (o["sample_rate"] >= 8000, "sample_rate >= 8000"),
            (o["length_size"] is None or o["length_size"] >= 0, "length_size >= 0"),
            (bool(o["voices"].strip(",")), "at least one voice"),
        ]
        for ok, needed in checks:
            if not ok:
                raise ValueError(f"task 'spoken-digits' needs {needed}; got {o}")
        if o["length_size"] is None:
            o["length_size"] = o["long_size"] // 2
        return o

    def schema(self) -> Schema:
        audio = {"sample_rate": self.options["sample_rate"], "n_mels": 40}
        return Schema({"audio": FieldSpec("frames", {"normalise": "global", "audio": audio}),
                       "text": FieldSpec("text", {"tokenizer": "char", "generated": True})},
                      inputs=("audio",), output="text", prediction="generate", metrics=("cer", "wer", "exact_match"))

    def key(self, example):
        return None  # voices, rates, pitches and noise make every utterance new

    def split_size(self, split: str) -> int:
        if split in SYNTHESISED or split in CONCATENATED:
            return self.options["length_size"]
        return super().split_size(split)

    # ---- drawing one utterance -----------------------------------------------------------------

    def _sample(self, rng: random.Random, split: str) -> Example:
        o = self.options
        low, high = o["min_digits"], o["max_digits"]
        if split == "long":
            count = rng.randint(high + 1, 2 * high)
        elif split in SYNTHESISED:
            count = int(split[len("test-"):-1]) * rng.randint(low, high)
        else:
            count = rng.randint(low, high)
        return self.utterance(rng, " ".join(DIGIT_WORDS[rng.randrange(10)] for _ in range(count)))

    def utterance(self, rng: random.Random, text: str) -> Example:
        """``text`` spoken by a voice, rate and pitch drawn with ``rng``, with noise."""
        from attnkit.tasks.speech_synth import synthesise

        o = self.options
        variants = o["variants"].split(",")
        voice = rng.choice([v for v in o["voices"].split(",") if v])
        variant = rng.choice(variants)
        voice = f"{voice}+{variant}" if variant else voice
        rate, pitch = rng.randint(o["min_rate"], o["max_rate"]), rng.randint(o["min_pitch"], o["max_pitch"])
        snr = rng.uniform(o["min_snr_db"], o["max_snr_db"])
        samples = synthesise(text, voice, rate, pitch, o["sample_rate"])
        samples = add_noise(samples, snr, np.random.default_rng(rng.getrandbits(64)))
        return {"audio": samples, "text": text, "voice": voice, "rate": rate, "pitch": pitch,
                "snr_db": round(snr, 1), "digits": len(text.split())}

    def concatenate(self, rng: random.Random, pool: list[Example], count: int) -> Example:
        """``count`` utterances of ``pool`` drawn with ``rng``, joined with GAP_SECONDS of silence."""
        chosen = [pool[rng.randrange(len(pool))] for _ in range(count)]
        gap = np.zeros(int(GAP_SECONDS * self.options["sample_rate"]), dtype=np.int16)
        pieces = [piece for e in chosen for piece in (e["audio"], gap)][:-1]
        return {"audio": np.concatenate(pieces), "text": " ".join(e["text"] for e in chosen),
                "voice": "+".join(sorted({e["voice"] for e in chosen})), "digits": sum(e["digits"] for e in chosen)}

    # ---- generating every split once, then the cache ----------------------------------------------

    def _generate(self) -> dict[str, list[Example]]:
        path = cache_directory() / "spoken-digits" / f"{self.digest()}.npz"
        if path.is_file():
            return load_splits(path)
        splits = {}
        for split in self.split_names:  # each from its own seeded generator, as the base class does
            if split not in CONCATENATED:
                rng = random.Random(f"attnkit.tasks:{self.name}:{self.seed}:{split}")
                splits[split] = [self._sample(rng, split) for _ in range(self.split_size(split))]
        pool = splits["test"]
        for split in CONCATENATED:
            rng = random.Random(f"attnkit.tasks:{self.name}:{self.seed}:{split}")
            count = int(split[len("concat-"):-1])
            splits[split] = [self.concatenate(rng, pool, count) for _ in range(self.split_size(split))] if pool else []
        save_splits(path, splits)
        return splits

    def digest(self) -> str:
        """What names this configuration's cache file: the options, the seed, the cache version."""
        text = json.dumps({"options": self.options, "seed": self.seed, "version": CACHE_VERSION}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def save_splits(path: Path, splits: dict[str, list[Example]]) -> None:
    """Every split's waveforms concatenated in one int16 array, with offsets and the rest as JSON
    (written to a temporary name first, so a killed run leaves no half file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    examples = [(name, e) for name, split in splits.items() for e in split]
    audio = [e["audio"] for _, e in examples]
    offsets = np.cumsum([0] + [len(a) for a in audio])
    meta = [{"split": name, **{k: v for k, v in e.items() if k != "audio"}} for name, e in examples]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, audio=np.concatenate(audio) if audio else np.zeros(0, np.int16), offsets=offsets,
                 meta=np.frombuffer(json.dumps({"splits": list(splits), "examples": meta}).encode(), dtype=np.uint8))
    temporary.replace(path)


def load_splits(path: Path) -> dict[str, list[Example]]:
    """What ``save_splits`` wrote."""
    with np.load(path) as data:
        audio, offsets = data["audio"], data["offsets"]
        meta = json.loads(data["meta"].tobytes().decode())
    splits: dict[str, list[Example]] = {name: [] for name in meta["splits"]}
    for i, info in enumerate(meta["examples"]):
        split = info.pop("split")
        splits[split].append({"audio": audio[offsets[i]:offsets[i + 1]], **info})
    return splits
