"""`package-summaries`: write the one-line summary of a generated software package description.

A generated stand-in for the Debian long -> short descriptions (the demo's data; it ships as
code, so it has no licence of its own to carry). Each description introduces a package by an
invented name (syllables drawn at random, so most names are seen once: they fall outside any
vocabulary and can only be copied), says what kind of software it is and what for, adds a few
sentences of features drawn from a pool (the noise a summariser must skip; the number of
sentences sets the length), and ends saying which part of the software this package holds.
The summary names the kind and the purpose, and for documentation and bindings the package's
name, which only a model that copies can write:

    source   zorbix is a small tool for converting images . it supports png and jpeg files .
             it is written in c . this package contains the python bindings .
    target   python bindings for zorbix

The "long" split has more feature sentences than any training description (summaries of longer
texts, as See et al. 2017 §7 discuss). Each example keeps the name as metadata ("copied").
"""

from __future__ import annotations

import random

from attnkit.tasks.base import Task
from attnkit.tasks.schema import Schema, text_to_summary

SYLLABLES = ("zor", "bix", "ka", "mel", "tri", "von", "qua", "lis", "dra", "pex", "nu", "gor", "fen", "ul", "sky",
             "rho", "tam", "vex", "ji", "op", "wen", "cal", "dox", "ry", "ib", "sar", "mo", "ket", "zu", "plo")
ADJECTIVES = ("small", "fast", "simple", "powerful", "lightweight", "flexible", "portable", "modern")
KINDS = ("tool", "library", "daemon", "editor", "game", "viewer", "server", "client", "framework", "utility")
PURPOSES = ("converting images", "editing text files", "reading mail", "parsing xml documents",
            "monitoring network traffic", "managing passwords", "playing music", "drawing diagrams",
            "compressing archives", "testing web services", "sending files", "tracking time",
            "writing scientific papers", "solving puzzles", "browsing maps", "backing up disks")
FEATURES = ("it supports {a} and {b} files .", "it is written in {lang} .", "it can be used from the command line .",
            "a graphical interface is included .", "it has a plugin system .", "it runs on most unix systems .",
            "configuration is kept in a single file .", "it is released under the {licence} licence .",
            "the upstream project is maintained by volunteers .", "it reads its settings from the environment .",
            "it can talk to remote hosts over ssh .", "output can be exported as {a} .")
FORMATS = ("png", "jpeg", "pdf", "csv", "json", "yaml", "svg", "tiff", "html", "ogg")
LANGUAGES = ("c", "python", "rust", "perl", "ruby", "haskell", "go", "java")
LICENCES = ("gpl", "mit", "bsd", "apache")
# which part of the software the package holds: (how the description says it, the summary's form)
PARTS = (("the command line program", "{kind} for {purpose}"),
         ("the shared library", "{kind} for {purpose} - shared library"),
         ("the development files", "{kind} for {purpose} - development files"),
         ("the documentation", "documentation for {name}"),
         ("the python bindings", "python bindings for {name}"),
         ("the perl bindings", "perl bindings for {name}"))


class PackageSummaries(Task):
    name = "package-summaries"
    description = "summarise a generated package description in one line (text -> summary, copies names)"
    tokenizer = "word"
    defaults = {
        "min_features": 1,
        "max_features": 4,
        "long_features": 8,
        "train_size": 6000,
        "dev_size": 300,
        "test_size": 500,
        "long_size": 300,
    }

    def _resolve(self, options):
        if not 0 <= options["min_features"] <= options["max_features"] < options["long_features"]:
            raise ValueError("task 'package-summaries' needs 0 <= min_features <= max_features < long_features; got "
                             f"{options['min_features']}, {options['max_features']}, {options['long_features']}")
        if options["long_features"] > len(FEATURES):
            raise ValueError(f"option 'long_features' of task 'package-summaries' must be at most {len(FEATURES)} "
                             f"(the feature sentences there are); got {options['long_features']}")
        return options

    def schema(self) -> Schema:
        return text_to_summary("word")

    def _sample(self, rng: random.Random, split: str) -> dict:
        o = self.options
        count = o["long_features"] if split == "long" else rng.randint(o["min_features"], o["max_features"])
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        kind, purpose = rng.choice(KINDS), rng.choice(PURPOSES)
        part, summary = rng.choice(PARTS)
        a, b = rng.sample(FORMATS, 2)
        features = [f.format(a=a, b=b, lang=rng.choice(LANGUAGES), licence=rng.choice(LICENCES))
                    for f in rng.sample(FEATURES, count)]
        sentences = [f"{name} is a {rng.choice(ADJECTIVES)} {kind} for {purpose} .", *features,
                     f"this package contains {part} ."]
        return {"source": " ".join(sentences), "target": summary.format(kind=kind, purpose=purpose, name=name),
                "copied": name}
