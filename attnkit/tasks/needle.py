"""`needle`: find the one informative frame in a sequence of noise and name its class.

A non-text task (frames -> label) with a known answer to where attention should look: each
example is a sequence of ``min_len..max_len`` random vectors of ``dim`` features drawn from
N(0, noise^2), one of which (the needle, at a uniformly drawn position) is a class prototype
scaled by ``signal`` plus the same noise. The label is the prototype's class. A model that
attends to the needle is right whatever the length; one that averages the sequence loses the
needle in the noise as sequences grow, which the "long" split (lengths up to ``long_max_len``)
shows. Each example keeps the needle's position as its "alignment" metadata.
"""

from __future__ import annotations

import random

import numpy as np

from attnkit.tasks.base import Task
from attnkit.tasks.schema import FieldSpec, Schema

CLASS_NAMES = ("red", "green", "blue", "yellow", "black", "white", "orange", "purple", "grey", "brown")


class Needle(Task):
    name = "needle"
    description = "name the class of the one signal frame hidden in a sequence of noise vectors (frames -> label)"
    defaults = {
        "dim": 8,
        "classes": 4,
        "min_len": 5,
        "max_len": 20,
        "long_max_len": None,  # None: 3 * max_len
        "signal": 5.0,
        "noise": 1.0,
        "train_size": 4000,
        "dev_size": 500,
        "test_size": 500,
        "long_size": 500,
    }

    def _resolve(self, options):
        options = dict(options)
        if options["long_max_len"] is None:
            options["long_max_len"] = 3 * options["max_len"]
        if not 2 <= options["classes"] <= len(CLASS_NAMES):
            raise ValueError(f"option 'classes' of task 'needle' must be in 2..{len(CLASS_NAMES)}, "
                             f"got {options['classes']}")
        if not 1 <= options["min_len"] <= options["max_len"] < options["long_max_len"]:
            raise ValueError("task 'needle' needs 1 <= min_len <= max_len < long_max_len, got "
                             f"{options['min_len']}, {options['max_len']}, {options['long_max_len']}")
        if options["dim"] < 1 or options["signal"] <= 0 or options["noise"] < 0:
            raise ValueError("task 'needle' needs dim >= 1, signal > 0 and noise >= 0")
        # the class prototypes: random unit vectors, the same for every split of this seed
        generator = np.random.default_rng(random.Random(f"attnkit.tasks:needle:{self.seed}").getrandbits(64))
        prototypes = generator.standard_normal((options["classes"], options["dim"]))
        self._prototypes = prototypes / np.linalg.norm(prototypes, axis=1, keepdims=True)
        return options

    def schema(self) -> Schema:
        return Schema({"frames": FieldSpec("frames", {"normalise": "global"}), "label": FieldSpec("label")},
                      inputs=("frames",), output="label", prediction="classify", metrics=("accuracy",))

    def key(self, example):
        return None  # random real vectors never repeat

    def _sample(self, rng: random.Random, split: str) -> dict:
        o = self.options
        length = rng.randint(o["max_len"] + 1, o["long_max_len"]) if split == "long" else rng.randint(
            o["min_len"], o["max_len"])
        generator = np.random.default_rng(rng.getrandbits(64))
        frames = generator.normal(0.0, o["noise"], (length, o["dim"])).astype(np.float32)  # (L, D)
        label, position = rng.randrange(o["classes"]), rng.randrange(length)
        frames[position] += (o["signal"] * self._prototypes[label]).astype(np.float32)
        return {"frames": frames, "label": CLASS_NAMES[label], "alignment": (position,)}
