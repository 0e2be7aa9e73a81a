"""Markdown tables of benchmarks/peers/work/results/*.json, with attnkit/peer ratios from the same run.

    .venv/bin/python benchmarks/peers/report.py [--tag steps] [--since "2026-11-22 22:40"] [--extra bf16=steps]
        [--seeds budget]

--seeds BASE adds, per data/model/threads, dev quality after the budget for every seed run of BASE
(tags BASE, BASE-s1, BASE-s2, ...) and each toolkit's mean; where the runs scored the test set too,
their training seconds, dev and test BLEU, and the paired-bootstrap 95% interval of every
attnkit - peer BLEU difference (significance.py), seed by seed and on average.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from significance import paired_bootstrap, read_lines

RESULTS = Path(__file__).resolve().parent / "work" / "results"
PEERS = ("joeynmt", "opennmt")


def sent_s(part: dict) -> float:
    return 1000 / part["decode_s"]  # the dev set: 1000 sentences


OUTPUTS = {"attnkit": "dev.beam{}.txt", "joeynmt": "out.beam{}.dev", "opennmt": "dev.beam{}.txt"}


def mean_length(r: dict, beam: int) -> float | None:
    """Mean output length in tokens (pieces) of a run's dev decoding, read from its output file."""
    name = f"{r['data']}-{r['model']}-t{r['threads']}-{r['tag']}-{r['toolkit']}-r{r['round']}"
    path = RESULTS.parent / "runs" / name / OUTPUTS[r["toolkit"]].format(beam)
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    return sum(len(line.split()) for line in lines) / max(len(lines), 1)


def quality(part: dict) -> str:
    if "exact_match" in part:
        return f"{part['exact_match']:.1f}"
    if "rouge_l" in part:
        return f"{part['rouge1']:.2f} / {part['rouge2']:.2f} / {part['rouge_l']:.2f}"
    return f"{part['bleu']:.2f} / {part['chrf']:.1f}"


def ratio(mine: float, theirs: float) -> str:
    return f"{mine / theirs:.2f}x" if theirs else "n/a"


def table(group: list[dict], extra: dict[str, dict] | None = None) -> list[str]:
    """The toolkits' rows, then attnkit/peer ratios; ``extra``: more attnkit rows by label (e.g. the
    same run in bf16 from another tag), with their own ratios to the peers of this group."""
    by = {r["toolkit"]: r for r in group}
    by.update({f"attnkit {label}": r for label, r in (extra or {}).items()})
    mine = by.get("attnkit")
    metric = {"reverse": "exact match %", "summaries": "ROUGE-1 / 2 / L"}.get(group[0]["data"], "BLEU / chrF")
    lines = [f"| toolkit | updates | train tgt tok/s | train peak RSS MB | greedy sent/s | beam-5 sent/s | "
             f"output length greedy / beam 5 | dev {metric} greedy | dev {metric} beam 5 | "
             "decode peak RSS MB (beam 5) | load avg (before) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in ("attnkit", *(f"attnkit {label}" for label in extra or {}), *PEERS):
        r = by.get(name)
        if r is None:
            continue
        t, g, b = r["train"], r["beam1"], r["beam5"]
        lengths = [mean_length(r, beam) for beam in (1, 5)]
        shown = " / ".join("?" if x is None else f"{x:.1f}" for x in lengths)
        lines.append(f"| {name} | {t['steps']} | {t['tok_s']:,.0f} | {t['peak_rss_mb']:,.0f} | {sent_s(g):,.0f} | "
                     f"{sent_s(b):,.0f} | {shown} | {quality(g)} | {quality(b)} | {b['peak_rss_mb']:,.0f} | "
                     f"{', '.join(str(x) for x in r['load_before'])} |")
    for label in ("attnkit", *(f"attnkit {label}" for label in extra or {})):
        mine = by.get(label)
        for name in PEERS if mine else ():
            r = by.get(name)
            if r is None:
                continue
            t, g, b = r["train"], r["beam1"], r["beam5"]
            greedy, beam = ratio(sent_s(mine["beam1"]), sent_s(g)), ratio(sent_s(mine["beam5"]), sent_s(b))
            lines.append(f"| **{label}/{name}** | | **{ratio(mine['train']['tok_s'], t['tok_s'])}** | "
                         f"{ratio(mine['train']['peak_rss_mb'], t['peak_rss_mb'])} | **{greedy}** | **{beam}** "
                         f"| | | | {ratio(mine['beam5']['peak_rss_mb'], b['peak_rss_mb'])} | |")
    return lines


def seeds_table(runs: list[dict]) -> list[str]:
    """Rows per toolkit: updates and dev quality (beam 5, greedy) per seed, then the means."""
    seeds = sorted({r.get("seed", 0) for r in runs})
    head = " | ".join(f"seed {s}: updates, beam 5 / greedy" for s in seeds)
    lines = [f"| toolkit | {head} | mean updates | mean beam 5 | mean greedy |",
             "|---|" + "---|" * (len(seeds) + 3)]
    metric = {"reverse": "exact_match", "summaries": "rouge_l"}.get(runs[0]["data"], "bleu")
    for toolkit in ("attnkit", *PEERS):
        mine = {r.get("seed", 0): r for r in runs if r["toolkit"] == toolkit}
        if not mine:
            continue
        cells = [f"{mine[s]['train']['steps']}, {mine[s]['beam5'][metric]:.2f} / {mine[s]['beam1'][metric]:.2f}"
                 if s in mine else "" for s in seeds]
        mean = [sum(r[part][metric] for r in mine.values()) / len(mine) for part in ("beam5", "beam1")]
        updates = sum(r["train"]["steps"] for r in mine.values()) / len(mine)
        lines.append(f"| {toolkit} | {' | '.join(cells)} | {updates:.0f} | {mean[0]:.2f} | {mean[1]:.2f} |")
    return lines


def differences_table(runs: list[dict]) -> list[str]:
    """Per seed and toolkit: updates, training seconds, dev/test BLEU (beam 5 / greedy); then per
    seed and peer the attnkit - peer BLEU difference (beam 5) with its paired-bootstrap interval."""
    runs = [r for r in runs if "test_beam5" in r and "detok" in r["beam5"]]
    if not runs:
        return []
    references = {split: read_lines(RESULTS.parent / "data" / runs[0]["data"] / f"{split}.ref")
                  for split in ("dev", "test")}
    lines = ["| seed | toolkit | updates | training s | dev BLEU beam 5 / greedy | test BLEU beam 5 / greedy |",
             "|---|---|---|---|---|---|"]
    by_seed = defaultdict(dict)
    for r in sorted(runs, key=lambda r: (r.get("seed", 0), ("attnkit", *PEERS).index(r["toolkit"]))):
        by_seed[r.get("seed", 0)][r["toolkit"]] = r
        t = r["train"]
        lines.append(f"| {r.get('seed', 0)} | {r['toolkit']} | {t['steps']} | {t.get('train_s', float('nan')):.0f} | "
                     f"{r['beam5']['bleu']:.2f} / {r['beam1']['bleu']:.2f} | "
                     f"{r['test_beam5']['bleu']:.2f} / {r['test_beam1']['bleu']:.2f} |")
    lines += ["", "| seed | attnkit - peer (beam 5) | dev: difference [95% interval], p | "
              "test: difference [95% interval], p |", "|---|---|---|---|"]
    means = defaultdict(list)
    for seed, toolkits in sorted(by_seed.items()):
        mine = toolkits.get("attnkit")
        for peer in PEERS:
            theirs = toolkits.get(peer)
            if mine is None or theirs is None:
                continue
            cells = []
            for split, key in (("dev", "beam5"), ("test", "test_beam5")):
                d = paired_bootstrap(read_lines(mine[key]["detok"]), read_lines(theirs[key]["detok"]),
                                     references[split])
                means[(peer, split)].append(d["delta"])
                cells.append(f"{d['delta']:+.2f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}], p {d['p']:.3f}")
            lines.append(f"| {seed} | attnkit - {peer} | {cells[0]} | {cells[1]} |")
    for peer in PEERS:
        if means[(peer, "dev")]:
            dev, test = (sum(means[(peer, s)]) / len(means[(peer, s)]) for s in ("dev", "test"))
            lines.append(f"| mean of {len(means[(peer, 'dev')])} | attnkit - {peer} | {dev:+.2f} | {test:+.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tag", action="append", default=None, help="only these tags (repeatable)")
    parser.add_argument("--since", default=None, help="only results dated at or after 'YYYY-MM-DD HH:MM'")
    parser.add_argument("--extra", action="append", default=[], metavar="TAG=BASE",
                        help="attnkit rows of TAG join the tables of BASE (e.g. bf16=steps), ratios to BASE's peers")
    parser.add_argument("--seeds", default=None, metavar="BASE",
                        help="a table of dev quality over the seed runs of tag BASE (BASE, BASE-s1, ...)")
    args = parser.parse_args()
    if args.seeds:
        by_setting = defaultdict(list)
        for path in sorted(RESULTS.glob("*.json")):
            r = json.loads(path.read_text())
            if (r["tag"] == args.seeds or r["tag"].startswith(args.seeds + "-s")) and (
                    not args.since or r["date"] >= args.since):
                by_setting[(r["data"], r["model"], r["threads"])].append(r)
        for (data, model, threads), runs in sorted(by_setting.items()):
            print(f"\n#### {data} / {model} / {threads} thread(s) / {args.seeds}: dev quality per seed\n")
            print("\n".join(seeds_table(runs)))
            extra = differences_table(runs)
            if extra:
                print(f"\n#### {data} / {model} / {threads} thread(s) / {args.seeds}: clocks, test set, "
                      "differences\n")
                print("\n".join(extra))
        return
    extras = dict(item.split("=", 1) for item in args.extra)
    groups, extra_rows = defaultdict(list), defaultdict(dict)
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text())
        if args.since and r["date"] < args.since:
            continue
        if r["tag"] in extras and r["toolkit"] == "attnkit":
            extra_rows[(extras[r["tag"]], r["data"], r["model"], r["threads"], r["round"])][r["tag"]] = r
            continue
        if args.tag and r["tag"] not in args.tag:
            continue
        groups[(r["tag"], r["data"], r["model"], r["threads"], r["round"])].append(r)
    for key, group in sorted(groups.items()):
        tag, data, model, threads, round_ = key
        when = min(r["date"] for r in group)
        budget = f", budget {group[0]['minutes']} min of training" if group[0].get("minutes") else ""
        print(f"\n#### {data} / {model} / {threads} thread(s) / {tag}{budget} (round {round_}, {when})\n")
        print("\n".join(table(group, extra_rows.get(key))))


if __name__ == "__main__":
    main()
