"""Extract the small English lexicon that the `lexical-nli` task ships (attnkit/tasks/lexicon/).

Run once, by hand, where Debian's `wordnet-base` is installed (apt-get install wordnet-base):

    python tools/extract_lexicon.py [/usr/share/wordnet] [attnkit/tasks/lexicon/lexicon.json]

It reads WordNet 3.0's database files and keeps, under a few concrete noun categories, the
single-word nouns whose most frequent sense lies in the category and which occur in WordNet's
sense-tagged corpus (so the words are common), with every kept word's kept hypernyms; and the
antonym pairs of common adjectives. The output is plain JSON:

    {"nouns": {word: [hypernym words, nearest first]}, "categories": [...],
     "antonyms": [[adjective, adjective], ...], "source": "..."}

WordNet's licence is copied beside it (attnkit/tasks/lexicon/WORDNET-LICENSE).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

CATEGORIES = ("animal", "vehicle", "fruit", "vegetable", "furniture", "garment", "tool", "musical_instrument",
              "building", "vessel")
MAX_DEPTH = 5  # hypernym steps from a category root
WORD = re.compile(r"^[a-z]{3,12}$")


def read_synsets(path: Path) -> dict[str, tuple[list[str], list[str], list[tuple[str, str]]]]:
    """data.POS -> offset: (lemmas, hypernym offsets, antonym (source/target, offset) pointers)."""
    synsets = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue  # the licence header
        fields = line.split(" | ")[0].split()
        offset, count = fields[0], int(fields[3], 16)
        lemmas = [fields[4 + 2 * i].lower() for i in range(count)]
        rest = fields[4 + 2 * count:]
        pointers = int(rest[0])
        hypernyms, antonyms = [], []
        for i in range(pointers):
            symbol, target, _, source_target = rest[1 + 4 * i:5 + 4 * i]
            if symbol in ("@", "@i"):
                hypernyms.append(target)
            elif symbol == "!":
                antonyms.append((source_target, target))
        synsets[offset] = (lemmas, hypernyms, antonyms)
    return synsets


def read_index(path: Path) -> dict[str, tuple[int, str]]:
    """index.POS -> lemma: (tagged sense count, offset of its most frequent sense)."""
    index = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        lemma, synset_count, pointer_count = fields[0], int(fields[2]), int(fields[3])
        tagged = int(fields[5 + pointer_count])
        offsets = fields[6 + pointer_count:6 + pointer_count + synset_count]
        index[lemma] = (tagged, offsets[0])
    return index


def ancestors(offset: str, synsets, depth: int = 0) -> list[tuple[int, str]]:
    """(steps, offset) of every hypernym of ``offset``, nearest first."""
    found, frontier, seen = [], [offset], {offset}
    steps = 0
    while frontier:
        steps += 1
        nxt = []
        for current in frontier:
            for parent in synsets[current][1]:
                if parent not in seen:
                    seen.add(parent)
                    found.append((steps, parent))
                    nxt.append(parent)
        frontier = nxt
    return found


def nouns(wordnet: Path) -> tuple[dict[str, list[str]], list[str]]:
    synsets, index = read_synsets(wordnet / "data.noun"), read_index(wordnet / "index.noun")
    roots = {index[name][1]: name.replace("_", " ") for name in CATEGORIES}
    kept: dict[str, str] = {}  # word -> its first-sense offset
    for lemma, (tagged, offset) in index.items():
        if not WORD.match(lemma) or tagged < 1:
            continue
        up = ancestors(offset, synsets)
        if offset in roots or any(o in roots and steps <= MAX_DEPTH for steps, o in up):
            kept[lemma] = offset
    by_offset: dict[str, list[str]] = {}
    for word, offset in kept.items():
        by_offset.setdefault(offset, []).append(word)
    lexicon = {}
    for word, offset in sorted(kept.items()):
        if len(by_offset[offset]) > 1:
            continue  # synonyms of another kept word: their relation would be "same", not hypernymy
        parents = [w for _, o in ancestors(offset, synsets) for w in sorted(by_offset.get(o, []))]
        lexicon[word] = parents
    return lexicon, [name.replace("_", " ") for name in CATEGORIES]


def antonyms(wordnet: Path) -> list[list[str]]:
    synsets, index = read_synsets(wordnet / "data.adj"), read_index(wordnet / "index.adj")
    pairs = set()
    for lemma, (tagged, offset) in index.items():
        if not WORD.match(lemma) or tagged < 2:
            continue
        lemmas, _, pointers = synsets[offset]
        if lemma not in lemmas:
            continue
        source = f"{lemmas.index(lemma) + 1:02x}"
        for source_target, target in pointers:
            if source_target[:2] != source or target not in synsets:
                continue
            other = synsets[target][0][int(source_target[2:], 16) - 1].split("(")[0]
            if WORD.match(other) and other in index and index[other][0] >= 2:
                pairs.add(tuple(sorted((lemma, other))))
    return [list(pair) for pair in sorted(pairs)]


def main(argv: list[str]) -> int:
    wordnet = Path(argv[1] if len(argv) > 1 else "/usr/share/wordnet")
    out = Path(argv[2] if len(argv) > 2 else "attnkit/tasks/lexicon/lexicon.json")
    if not (wordnet / "data.noun").is_file():
        print(f"no WordNet database in {wordnet}: apt-get install wordnet-base", file=sys.stderr)
        return 1
    lexicon, categories = nouns(wordnet)
    data = {"source": "WordNet 3.0 (Princeton University), via Debian's wordnet-base; see WORDNET-LICENSE",
            "categories": categories, "nouns": lexicon, "antonyms": antonyms(wordnet)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: {len(lexicon)} nouns, {len(data['antonyms'])} antonym pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
