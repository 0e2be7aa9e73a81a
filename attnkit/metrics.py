"""Quality metrics for decoded output: BLEU and chrF (sacrebleu), exact match, and every one of
them broken down by source-length bucket (Bahdanau 2015, Fig. 2: quality against length).

All scores are on a percent scale (0..100), but the tour lengths (tour_length,
optimal_tour_length: in the unit square's units). One hypothesis per reference; hypotheses and
references are detokenised strings, as sacrebleu expects. A leaf module: imports nothing from
attnkit.

    >>> bleu(["the cat sat on the mat"], ["the cat sat on the mat"]).value
    100.0
    >>> exact_match(["a", "b", "c", "d"], ["a", "b", "c", "x"]).value
    75.0
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import BLEU, CHRF


@dataclass(frozen=True)
class Score:
    """One corpus-level score.

    name: the metric's registry name ("bleu", "chrf", "exact_match").
    value: the score on a percent scale, 0..100.
    signature: sacrebleu's reproducibility signature ("" for metrics that have none).
    """

    name: str
    value: float
    signature: str = ""

    def __str__(self) -> str:
        text = f"{LABELS.get(self.name, self.name)} = {self.value:.2f}"
        return f"{text} ({self.signature})" if self.signature else text


def _check_pair(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    """Raise a ValueError for mismatched or empty hypothesis/reference lists."""
    if len(hypotheses) != len(references):
        raise ValueError(f"got {len(hypotheses)} hypotheses but {len(references)} references; "
                         "every hypothesis needs exactly one reference, in the same order")
    if not hypotheses:
        raise ValueError("no hypotheses to score: the hypothesis and reference lists are empty")


# ---- corpus metrics ------------------------------------------------------------------------

def bleu(hypotheses: Sequence[str], references: Sequence[str], *, tokenize: str = "13a") -> Score:
    """Corpus BLEU (sacrebleu.metrics.BLEU, default settings but ``tokenize``), 0..100.

    Hypotheses shorter than four tokens have no 4-gram and score 0 without smoothing help;
    BLEU is meant for corpora, not single short strings (use exact_match or chrf there).
    """
    _check_pair(hypotheses, references)
    if tokenize not in BLEU.TOKENIZERS:
        raise ValueError(f"unknown BLEU tokenize={tokenize!r}; sacrebleu knows {', '.join(BLEU.TOKENIZERS)}")
    metric = BLEU(tokenize=tokenize)
    result = metric.corpus_score(list(hypotheses), [list(references)])
    return Score("bleu", float(result.score), str(metric.get_signature()))


def bleu_multi(hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, order: int = 4,
               tokenize: str = "13a") -> Score:
    """Corpus BLEU-``order`` (n-grams up to ``order``, as BLEU-1..4 in captioning papers) of each
    hypothesis against all of its references (one list per hypothesis, of any length >= 1), 0..100."""
    if len(hypotheses) != len(references):
        raise ValueError(f"got {len(hypotheses)} hypotheses but {len(references)} reference lists")
    if not hypotheses:
        raise ValueError("no hypotheses to score: the hypothesis and reference lists are empty")
    if any(not refs for refs in references):
        raise ValueError("every hypothesis needs at least one reference")
    if not 1 <= order <= 4:
        raise ValueError(f"BLEU order must be 1..4; got {order!r}")
    widest = max(len(refs) for refs in references)
    streams = [[refs[k] if k < len(refs) else None for refs in references] for k in range(widest)]  # None: no more
    metric = BLEU(tokenize=tokenize, max_ngram_order=order)
    result = metric.corpus_score(list(hypotheses), streams)
    return Score(f"bleu{order}", float(result.score), str(metric.get_signature()))


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """Corpus chrF (sacrebleu.metrics.CHRF, default settings: character 6-grams, beta 2), 0..100."""
    _check_pair(hypotheses, references)
    metric = CHRF()
    result = metric.corpus_score(list(hypotheses), [list(references)])
    return Score("chrf", float(result.score), str(metric.get_signature()))


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """Percent of hypotheses equal to their reference after stripping outer whitespace, 0..100."""
    _check_pair(hypotheses, references)
    hits = sum(h.strip() == r.strip() for h, r in zip(hypotheses, references, strict=True))
    return Score("exact_match", 100.0 * hits / len(hypotheses), "")


def accuracy(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """Percent of predicted labels equal to the reference label (a classifier's exact match)."""
    _check_pair(hypotheses, references)
    right = sum(h == r for h, r in zip(hypotheses, references, strict=True))
    return Score("accuracy", 100.0 * right / len(references) if references else 0.0)


def _bleu_of_order(order: int) -> Callable[[Sequence[str], Sequence[str]], Score]:
    def score(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
        _check_pair(hypotheses, references)
        return bleu_multi(hypotheses, [[r] for r in references], order=order)
    score.__doc__ = f"Corpus BLEU-{order} (n-grams up to {order}) against one reference each, 0..100."
    return score


def per_class_f1(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """F1 (0..100) of every label that occurs in the references or the predictions:
    2 * precision * recall / (precision + recall), 0 when a label is never right."""
    _check_pair(hypotheses, references)
    found = {}
    for label in sorted(set(references) | set(hypotheses)):
        right = sum(h == r == label for h, r in zip(hypotheses, references, strict=True))
        predicted, actual = sum(h == label for h in hypotheses), sum(r == label for r in references)
        found[label] = 200.0 * right / (predicted + actual) if right else 0.0
    return found


def macro_f1(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """The mean over the reference labels of each label's F1 (per_class_f1), 0..100."""
    f1 = per_class_f1(hypotheses, references)
    labels = sorted(set(references))
    return Score("macro_f1", sum(f1[label] for label in labels) / len(labels) if labels else 0.0)


# ---- pointing: outputs are index lists into the input points ("[3, 0, 5]"), scored with the points

def _indices(text: str) -> list[int]:
    """A pointer output or reference as written ("[3, 0, 5]") -> [3, 0, 5]; [] if unreadable."""
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [int(v) for v in value] if isinstance(value, list) else []


def _with_points(name: str, hypotheses: Sequence[str], references: Sequence[str], inputs) -> list:
    _check_pair(hypotheses, references)
    if inputs is None or len(inputs) != len(hypotheses):
        raise ValueError(f"metric {name!r} needs the input points of every hypothesis (inputs=)")
    return [(np.asarray(p, dtype=np.float64), _indices(h), _indices(r))
            for p, h, r in zip(inputs, hypotheses, references, strict=True)]


def polygon_area(points, order: Sequence[int]) -> float:
    """The shoelace area of the polygon through points[order] (absolute; 0 below 3 points)."""
    if len(order) < 3:
        return 0.0
    x, y = np.asarray(points, dtype=np.float64)[list(order)].T
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def closed_tour_length(points, order: Sequence[int]) -> float:
    """The length of the closed tour through points[order], back to its first point."""
    if len(order) < 2:
        return 0.0
    path = np.asarray(points, dtype=np.float64)[list(order)]
    return float(np.linalg.norm(path - np.roll(path, -1, axis=0), axis=1).sum())


def _valid(order: list[int], n: int) -> bool:
    return len(set(order)) == len(order) and all(0 <= i < n for i in order)


def _complete(order: list[int], n: int) -> list[int]:
    """A predicted tour as a permutation: its first visits in order, then the cities it missed."""
    seen = list(dict.fromkeys(i for i in order if 0 <= i < n))
    return seen + [i for i in range(n) if i not in set(seen)]


def hull_area(hypotheses: Sequence[str], references: Sequence[str], inputs=None) -> Score:
    """Area coverage (Vinyals et al. 2015): the mean over examples of the area of the predicted
    polygon over the true hull's area, in percent. A prediction of fewer than 3 points or with a
    repeated or out-of-range index covers 0."""
    rows = _with_points("hull_area", hypotheses, references, inputs)
    ratios = [(polygon_area(p, h) / max(polygon_area(p, r), 1e-12)) if _valid(h, len(p)) else 0.0
              for p, h, r in rows]
    return Score("hull_area", 100.0 * float(np.mean(ratios)))


def tour_length(hypotheses: Sequence[str], references: Sequence[str], inputs=None) -> Score:
    """The mean length of the predicted closed tours (not a percent; Vinyals et al. 2015's TSP
    figure). A tour that misses cities or repeats one is completed first (its first visits in
    order, then the missed cities by index), so every tour visits all cities."""
    rows = _with_points("tour_length", hypotheses, references, inputs)
    return Score("tour_length", float(np.mean([closed_tour_length(p, _complete(h, len(p))) for p, h, _ in rows])))


def tour_ratio(hypotheses: Sequence[str], references: Sequence[str], inputs=None) -> Score:
    """The mean of predicted tour length over the reference (optimal) tour's, in percent
    (100 = optimal); tours completed as in tour_length."""
    rows = _with_points("tour_ratio", hypotheses, references, inputs)
    ratios = [closed_tour_length(p, _complete(h, len(p))) / max(closed_tour_length(p, r), 1e-12) for p, h, r in rows]
    return Score("tour_ratio", 100.0 * float(np.mean(ratios)))


def optimal_tour_length(hypotheses: Sequence[str], references: Sequence[str], inputs=None) -> Score:
    """The mean length of the reference tours (the optimum the tours are compared with)."""
    rows = _with_points("optimal_tour_length", hypotheses, references, inputs)
    return Score("optimal_tour_length", float(np.mean([closed_tour_length(p, r) for p, _, r in rows])))


def _step_errors(hypothesis: str, reference: str) -> int:
    """Bits that differ between two step words (e.g. '0110' and '0100': 1); every character
    beyond the shorter word counts too (a marker '*' against '0110': 4)."""
    differ = sum(a != b for a, b in zip(hypothesis, reference, strict=False))
    return differ + abs(len(hypothesis) - len(reference))


def bit_errors(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """Bit errors per sequence (Graves et al. 2014 §4: "cost per sequence" in bits), averaged
    over the sequences. Each string is space-separated steps of 0/1 characters (a bits field's
    text); steps are compared in order, bit by bit, and every bit of a missing or extra step
    counts as an error. Not a percent, and lower is better (see LOWER_IS_BETTER).

        >>> bit_errors(["0110 1111", "01"], ["0100 1111", "01 11"]).value
        1.5
    """
    _check_pair(hypotheses, references)
    total = 0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        h, r = hypothesis.split(), reference.split()
        total += sum(_step_errors(a, b) for a, b in zip(h, r, strict=False))
        total += sum(len(step) for step in (h[len(r):] if len(h) > len(r) else r[len(h):]))
    return Score("bit_errors", total / len(references))


def _jiwer():
    try:
        import jiwer
    except ImportError:
        raise ValueError("the cer and wer metrics need jiwer: pip install 'attnkit[speech]'") from None
    return jiwer


def cer(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """Character error rate (jiwer.cer): character substitutions + deletions + insertions over the
    reference characters of the whole corpus (spaces count), in percent; lower is better, and it
    may pass 100 when a hypothesis is much longer than its reference.

        >>> round(cer(["one two"], ["one too"]).value, 2)  # one substitution in 7 characters
        14.29
    """
    _check_pair(hypotheses, references)
    return Score("cer", 100.0 * float(_jiwer().cer(list(references), list(hypotheses))))


def wer(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """Word error rate (jiwer.wer): word substitutions + deletions + insertions over the reference
    words of the whole corpus, in percent; lower is better.

        >>> wer(["one two three", "four"], ["one too three", "four five"]).value  # 2 errors in 5 words
        40.0
    """
    _check_pair(hypotheses, references)
    return Score("wer", 100.0 * float(_jiwer().wer(list(references), list(hypotheses))))
# ---- summaries ---------------------------------------------------------------------------------

ROUGE_TYPES = {"rouge1": "rouge1", "rouge2": "rouge2", "rouge_l": "rougeL"}


def rouge(hypotheses: Sequence[str], references: Sequence[str], *, kind: str = "rouge_l") -> Score:
    """The mean ROUGE F1 of each hypothesis against its reference (the rouge-score package, a
    re-implementation of ROUGE-1.5.5: lower-cased, non-alphanumerics dropped, no stemming),
    0..100; ``kind``: rouge1, rouge2 (unigram, bigram overlap) or rouge_l (longest common
    subsequence, summary-level lines not split). Needs pip install 'attnkit[summarisation]'."""
    _check_pair(hypotheses, references)
    if kind not in ROUGE_TYPES:
        raise ValueError(f"unknown ROUGE kind {kind!r}; choose one of {', '.join(ROUGE_TYPES)}")
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise ImportError("ROUGE needs the rouge-score package: pip install 'attnkit[summarisation]'") from None
    scorer = rouge_scorer.RougeScorer([ROUGE_TYPES[kind]], use_stemmer=False)
    total = sum(scorer.score(r, h)[ROUGE_TYPES[kind]].fmeasure for h, r in zip(hypotheses, references, strict=True))
    return Score(kind, 100.0 * total / len(hypotheses), f"rouge-score {ROUGE_TYPES[kind]} F1, no stemming")


# metrics that need an optional package: name -> (module, the extra that installs it)
NEEDS = {name: ("rouge_score", "summarisation") for name in ROUGE_TYPES}


def check_available(names: Sequence[str]) -> None:
    """Raise a ValueError naming the pip extra when a metric in ``names`` needs a package that is
    not installed (checked before training, not at the first evaluation; the command line prints
    it as one line)."""
    import importlib.util

    for name in names:
        if name in NEEDS and importlib.util.find_spec(NEEDS[name][0]) is None:
            module, extra = NEEDS[name]
            raise ValueError(f"metric {name!r} needs the {module} package: pip install 'attnkit[{extra}]'")


def repeated_trigrams(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """The share of the hypotheses' word trigrams that repeat a trigram earlier in the same
    hypothesis (See et al. 2017 §7.2's duplicated n-grams), 0..100, less is better; references
    are not read (they are checked to pair up)."""
    _check_pair(hypotheses, references)
    total = repeated = 0
    for hypothesis in hypotheses:
        words = hypothesis.split()
        seen: set[tuple[str, ...]] = set()
        for i in range(len(words) - 2):
            trigram = tuple(words[i:i + 3])
            repeated += trigram in seen
            seen.add(trigram)
            total += 1
    return Score("repeated_trigrams", 100.0 * repeated / total if total else 0.0)


METRICS: dict[str, Callable[..., Score]] = {
    **{f"bleu{n}": _bleu_of_order(n) for n in range(1, 5)},
    "bleu": bleu,
    "chrf": chrf,
    "exact_match": exact_match,
    "accuracy": accuracy,
    "hull_area": hull_area,
    "tour_length": tour_length,
    "tour_ratio": tour_ratio,
    "optimal_tour_length": optimal_tour_length,
    "macro_f1": macro_f1,
}
# the metrics that also read each example's input (the points a pointer pointed into)
INPUT_METRICS = frozenset({"hull_area", "tour_length", "tour_ratio", "optimal_tour_length"})
# the metrics where less is better (a model selected on them keeps its lowest score)
LOWER_IS_BETTER = frozenset({"tour_length", "tour_ratio", "bit_errors", "repeated_trigrams"})

LABELS: dict[str, str] = {"bleu": "BLEU", "chrf": "chrF", "exact_match": "exact match", "accuracy": "accuracy",
                          "macro_f1": "macro F1",
                          "hull_area": "area coverage (%)", "tour_length": "tour length",
                          "tour_ratio": "tour / optimal (%)", "optimal_tour_length": "optimal tour length"}
METRICS["bit_errors"] = bit_errors
METRICS.update({"cer": cer, "wer": wer})  # speech recognition (issue 13)
LOWER_IS_BETTER = LOWER_IS_BETTER | {"cer", "wer"}
LABELS.update({"cer": "CER (%)", "wer": "WER (%)"})
LABELS["bit_errors"] = "bit errors per sequence"
LABELS.update({f"bleu{n}": f"BLEU-{n}" for n in range(1, 5)})
METRICS.update({name: lambda h, r, kind=name: rouge(h, r, kind=kind) for name in ROUGE_TYPES})
METRICS["repeated_trigrams"] = repeated_trigrams
LABELS.update({"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rouge_l": "ROUGE-L",
               "repeated_trigrams": "repeated trigrams (%)"})


# the metrics that score each hypothesis against all of its references when examples have several
MULTI_REFERENCE = {f"bleu{n}": n for n in range(1, 5)}


def compute(name: str, hypotheses: Sequence[str], references: Sequence[str], inputs: Sequence | None = None,
            reference_sets: Sequence[Sequence[str]] | None = None) -> Score:
    """The metric ``name`` (a key of METRICS) of hypotheses against references; the metrics in
    INPUT_METRICS also read ``inputs``, each hypothesis's input item (e.g. its points); those in
    MULTI_REFERENCE score against ``reference_sets`` (every reference of each hypothesis) when given."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}")
    if reference_sets is not None and name in MULTI_REFERENCE:
        _check_pair(hypotheses, references)
        return bleu_multi(hypotheses, reference_sets, order=MULTI_REFERENCE[name])
    if name in INPUT_METRICS:
        return METRICS[name](hypotheses, references, inputs)
    return METRICS[name](hypotheses, references)


# ---- by source length ------------------------------------------------------------------------

@dataclass(frozen=True)
class BucketScore:
    """The score of the sentences whose source length lies in [low, high] (both inclusive).

    count: how many sentences fell in the bucket; score: None when count is 0.
    """

    low: int
    high: int
    count: int
    score: Score | None

    @property
    def centre(self) -> float:
        """The middle of the length range, the x position of this bucket on a length plot."""
        return (self.low + self.high) / 2


_NICE_WIDTHS = (1, 2, 5)


def default_buckets(source_lengths: Sequence[int], *, max_buckets: int = 8) -> list[tuple[int, int]]:
    """Equal-width length ranges with round edges that cover every length in at most max_buckets.

    The width is the smallest of 1, 2, 5, 10, 20, 50, 100, ... that needs no more than
    max_buckets buckets; edges sit on multiples of it, so widths of 10 give 1-10, 11-20, ...
    and widths of 5 give 1-5, 6-10, .... Buckets run from the one holding the shortest length
    to the one holding the longest; buckets in between may be empty. A length of 0 (an empty
    source) widens the first bucket down to 0.
    """
    if not source_lengths:
        raise ValueError("no source lengths to bucket")
    if max_buckets < 1:
        raise ValueError(f"max_buckets must be at least 1, got {max_buckets}")
    shortest, longest = min(source_lengths), max(source_lengths)
    if shortest < 0:
        raise ValueError(f"source lengths must be >= 0, got {shortest}")
    scale = 1
    while True:
        for nice in _NICE_WIDTHS:
            width = nice * scale
            first, last = _bucket_index(shortest, width), _bucket_index(longest, width)
            if last - first + 1 <= max_buckets:
                ranges = [(k * width + 1, (k + 1) * width) for k in range(first, last + 1)]
                ranges[0] = (min(ranges[0][0], shortest), ranges[0][1])  # an empty source: length 0
                return ranges
        scale *= 10


def _bucket_index(length: int, width: int) -> int:
    """Which width-sized bucket (1..width is index 0; length 0 also goes there) holds length."""
    return max(length - 1, 0) // width


def _check_buckets(buckets: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Validate user buckets: low <= high, no two overlapping. Returns them sorted by low."""
    ordered = sorted((int(low), int(high)) for low, high in buckets)
    for low, high in ordered:
        if low > high:
            raise ValueError(f"bucket ({low}, {high}) is empty: low must be <= high (both inclusive)")
    for (low_a, high_a), (low_b, high_b) in zip(ordered, ordered[1:], strict=False):
        if low_b <= high_a:
            raise ValueError(f"buckets ({low_a}, {high_a}) and ({low_b}, {high_b}) overlap; "
                             "each length must belong to at most one bucket")
    return ordered


def by_length(source_lengths: Sequence[int], hypotheses: Sequence[str], references: Sequence[str],
              *, metric: str = "exact_match", buckets: Sequence[tuple[int, int]] | None = None,
              inputs: Sequence | None = None) -> list[BucketScore]:
    """The metric computed separately on each source-length bucket, in increasing length order.

    source_lengths[i] is the length (in tokens, however the caller counts them) of the source
    of hypotheses[i]. buckets are inclusive (low, high) ranges; by default default_buckets().
    Each bucket's score is the corpus-level metric of its own sentences (so BLEU per bucket is
    corpus BLEU of that bucket, not an average of sentence scores). An empty bucket has count 0
    and score None. With user buckets, sentences outside every bucket are left out.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    _check_pair(hypotheses, references)
    if len(source_lengths) != len(hypotheses):
        raise ValueError(f"got {len(source_lengths)} source lengths but {len(hypotheses)} hypotheses; "
                         "give one source length per hypothesis")
    ranges = default_buckets(source_lengths) if buckets is None else _check_buckets(buckets)
    rows = []
    for low, high in ranges:
        members = [i for i, n in enumerate(source_lengths) if low <= n <= high]
        score = compute(metric, [hypotheses[i] for i in members], [references[i] for i in members],
                        None if inputs is None else [inputs[i] for i in members]) if members else None
        rows.append(BucketScore(low, high, len(members), score))
    return rows


def curve(rows: Sequence[BucketScore]) -> list[tuple[float, float]]:
    """(bucket centre, value) points of the non-empty buckets: a line for plot_metric_by_length."""
    return [(row.centre, row.score.value) for row in rows if row.score is not None]


# ---- tables ------------------------------------------------------------------------------

def _cell(row: BucketScore, digits: int) -> str:
    return "–" if row.score is None else f"{row.score.value:.{digits}f}"


def format_table(rows: Sequence[BucketScore] | Mapping[str, Sequence[BucketScore]], *,
                 digits: int = 1, length_header: str = "source length") -> str:
    """A Markdown table of bucket scores: one line per bucket, '–' for an empty bucket.

    rows: one run's by_length() result, or {run name: by_length() result} for a comparison
    (one metric column per run; all runs must use the same buckets).

        | source length | count | exact match |
        |---|---:|---:|
        | 1-10 | 12 | 91.7 |
    """
    runs = dict(rows) if isinstance(rows, Mapping) else {"": list(rows)}
    if not runs or any(not r for r in runs.values()):
        raise ValueError("no bucket scores to tabulate")
    first = next(iter(runs.values()))
    spans = [(row.low, row.high) for row in first]
    for name, run in runs.items():
        if [(row.low, row.high) for row in run] != spans:
            raise ValueError(f"run {name!r} uses different length buckets from the first run; "
                             "pass the same buckets= to by_length for every run")
    metric = next((row.score.name for run in runs.values() for row in run if row.score), "score")
    label = LABELS.get(metric, metric)
    columns = [label if name == "" else f"{name} ({label})" for name in runs]
    lines = [f"| {length_header} | count | " + " | ".join(columns) + " |",
             "|---|---:|" + "---:|" * len(columns)]
    for i, row in enumerate(first):
        span = str(row.low) if row.low == row.high else f"{row.low}-{row.high}"
        cells = [_cell(run[i], digits) for run in runs.values()]
        lines.append(f"| {span} | {row.count} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
