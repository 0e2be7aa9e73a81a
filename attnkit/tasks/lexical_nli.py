"""`lexical-nli`: entailment, neutral or contradiction between a premise and a hypothesis that
differ in one word, decided by a real lexicon and by the quantifier in front of the noun.

The lexicon (attnkit/tasks/lexicon/lexicon.json) was extracted once from WordNet 3.0 by
``tools/extract_lexicon.py``: about 300 common concrete nouns with their hypernyms, and about
100 antonym pairs of common adjectives. A premise reads

    {quantifier} [{adjective}] {noun} is [not] {verb} {place} [while {distractor clause}]...

and the hypothesis repeats its main clause with one change: the noun replaced by a hypernym, a
hyponym or a sibling (a co-hyponym), the adjective by its antonym, added or dropped, the verb
negated, or the quantifier swapped. The label follows from monotonicity: "some" and "the" are
upward entailing in the noun (some poodle -> some dog), "every" and "no" downward (every dog ->
every poodle); "the" names one referent, so a sibling or an antonym contradicts it. Every label
is drawn equally often and every hypothesis differs from its premise by one word, so word
overlap alone decides nothing. An example's "combination" (the differing words and the noun) is
assigned to one split only, so test pairs combine words never seen together in training; the
``long`` split has more distractor clauses in its premises than any training premise.
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import cache
from importlib import resources
from typing import Any

from attnkit.tasks.base import Task
from attnkit.tasks.schema import FieldSpec, Schema

LABELS = ("entailment", "neutral", "contradiction")
QUANTIFIERS = ("some", "every", "no", "the")
UPWARD = {"some", "the"}  # quantifiers under which a more general noun follows
VERBS = ("sleeping", "waiting", "resting", "standing", "shaking", "falling", "moving", "turning", "glowing",
         "floating", "hiding", "sinking", "spinning", "drying")
PLACES = ("in the garden", "near the river", "on the hill", "by the road", "in the kitchen", "at the market",
          "under the bridge", "behind the house", "on the beach", "in the yard")
_SPLIT_SHARES = {"test": 10, "dev": 10}  # percent of combinations kept for each held-out split


@cache
def lexicon() -> dict[str, Any]:
    """The shipped lexicon: nouns -> hypernyms (nearest first), antonym adjective pairs."""
    text = resources.files("attnkit.tasks").joinpath("lexicon/lexicon.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def relations() -> dict[str, dict[str, list[str]]]:
    """noun -> {"hypernym": [...], "hyponym": [...], "sibling": [...]}, over the lexicon's nouns."""
    nouns: dict[str, list[str]] = lexicon()["nouns"]
    found = {word: {"hypernym": [p for p in parents if p in nouns], "hyponym": [], "sibling": []}
             for word, parents in nouns.items()}
    for word, parents in nouns.items():
        for parent in parents:
            if parent in found:
                found[parent]["hyponym"].append(word)
    for word, parents in nouns.items():
        if not parents:
            continue
        related = set(parents) | set(found[word]["hyponym"]) | {word}
        found[word]["sibling"] = sorted(other for other, theirs in nouns.items()
                                        if theirs and theirs[0] == parents[0] and other not in related
                                        and word not in theirs)
    return found


def noun_label(relation: str, quantifier: str) -> str:
    """The label of replacing the premise's noun by a noun in ``relation`` to it."""
    if relation == "sibling":
        return "contradiction" if quantifier == "the" else "neutral"
    general = relation == "hypernym"
    return "entailment" if general == (quantifier in UPWARD) else "neutral"


# premise quantifier -> hypothesis quantifier -> label (same noun, same predicate; every is taken
# to presuppose that some such thing exists, as the NLI corpora do)
QUANTIFIER_SWAPS = {
    "some": {"every": "neutral", "no": "contradiction", "the": "neutral"},
    "every": {"some": "entailment", "no": "contradiction"},
    "no": {"some": "contradiction", "every": "contradiction"},
    "the": {"some": "entailment", "no": "contradiction"},
}


def _split_of(combination: tuple[str, ...], seed: int) -> str:
    digest = hashlib.sha256(f"{seed}:{'|'.join(sorted(combination))}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % 100
    return "test" if bucket < _SPLIT_SHARES["test"] else "dev" if bucket < 20 else "train"


class LexicalNLI(Task):
    name = "lexical-nli"
    description = ("premise / hypothesis pairs differing in one word (WordNet hypernyms, siblings, antonyms, "
                   "negation, quantifiers) -> entailment, neutral or contradiction")
    tokenizer = "word"
    defaults = {
        "max_distractors": 1,  # distractor clauses after a training premise: 0..max_distractors
        "long_distractors": 4,  # the long split: max_distractors + 1 .. long_distractors
        "train_size": 20000,
        "dev_size": 1000,
        "test_size": 1000,
        "long_size": 1000,
    }

    def _resolve(self, options):
        if not 0 <= options["max_distractors"] < options["long_distractors"]:
            raise ValueError("task 'lexical-nli' needs 0 <= max_distractors < long_distractors, got "
                             f"{options['max_distractors']} and {options['long_distractors']}")
        return options

    def schema(self) -> Schema:
        return Schema({"premise": FieldSpec("text", {"tokenizer": "word"}),
                       "hypothesis": FieldSpec("text", {"tokenizer": "word"}),
                       "label": FieldSpec("label")},
                      inputs=("premise", "hypothesis"), output="label", prediction="classify",
                      metrics=("accuracy", "macro_f1"), length_of="premise")

    def key(self, example):
        return example["premise"], example["hypothesis"]

    # ---- drawing one example ---------------------------------------------------------------

    def _sample(self, rng: random.Random, split: str) -> dict:
        """Draw a label uniformly, then a change that yields it, until its combination of words
        belongs to the split (the long split draws from the test combinations)."""
        home_split = "test" if split == "long" else split
        label = rng.choice(LABELS)
        while True:
            drawn = self._change(rng, label)
            if drawn is None:
                continue
            clause, hypothesis, combination = drawn
            if _split_of(combination, self.seed) != home_split:
                continue
            low, high = ((self.options["max_distractors"] + 1, self.options["long_distractors"]) if split == "long"
                         else (0, self.options["max_distractors"]))
            premise = " ".join([clause] + [self._distractor(rng) for _ in range(rng.randint(low, high))])
            return {"premise": premise, "hypothesis": hypothesis, "label": label, "combination": combination}

    def _distractor(self, rng: random.Random) -> str:
        noun = rng.choice(sorted(lexicon()["nouns"]))
        return f"while the {noun} is {rng.choice(VERBS)} {rng.choice(PLACES)}"

    def _change(self, rng: random.Random, label: str) -> tuple[str, str, tuple[str, ...]] | None:
        """(premise clause, hypothesis, combination) for one random change giving ``label``, or
        None when the draw does not give it."""
        nouns = relations()
        noun = rng.choice(sorted(nouns))
        quantifier, verb, place = rng.choice(QUANTIFIERS), rng.choice(VERBS), rng.choice(PLACES)
        adjective = rng.choice(lexicon()["antonyms"])[rng.randrange(2)] if rng.random() < 0.5 else None
        negated = quantifier != "no" and rng.random() < 0.25

        def clause(q: str, adj: str | None, n: str, neg: bool) -> str:
            return " ".join(w for w in (q, adj, n, "is", "not" if neg else None, verb, place) if w)

        premise = clause(quantifier, adjective, noun, negated)
        kind = rng.choice(("noun", "noun", "noun", "adjective", "negation", "quantifier"))
        if kind == "noun":
            relation = rng.choice(("hypernym", "hyponym", "sibling"))
            if not nouns[noun][relation]:
                return None
            other = rng.choice(nouns[noun][relation])
            found = noun_label(relation, quantifier)  # a negated predicate leaves the noun's direction as it is
            return (premise, clause(quantifier, adjective, other, negated), (noun, other)) if found == label else None
        if kind == "adjective":
            if adjective is None or negated:
                return None
            pair = next(p for p in lexicon()["antonyms"] if adjective in p)
            opposite = pair[1 - pair.index(adjective)]
            found = "contradiction" if quantifier == "the" else "neutral"
            if rng.random() < 0.5:  # drop the adjective instead: a more general subject
                found = "entailment" if quantifier in UPWARD else "neutral"
                hypothesis, combination = clause(quantifier, None, noun, False), (adjective, noun)
            else:
                hypothesis, combination = clause(quantifier, opposite, noun, False), (adjective, opposite, noun)
            return (premise, hypothesis, combination) if found == label else None
        if kind == "negation":
            if quantifier == "no":
                return None
            found = "neutral" if quantifier == "some" else "contradiction"
            return (premise, clause(quantifier, adjective, noun, not negated), (verb, noun)) \
                if found == label else None
        if negated:
            return None
        swaps = QUANTIFIER_SWAPS[quantifier]
        other = rng.choice(sorted(swaps))
        return (premise, clause(other, adjective, noun, False), (quantifier, other, noun)) \
            if swaps[other] == label else None
