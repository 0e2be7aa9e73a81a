"""The `attnkit` command. Every subcommand has --help with an example; user mistakes end
with one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from . import __version__
from .attention import describe as describe_mechanisms
from .config import ConfigError, DecodeConfig, describe_fields, load_config
from .data import DataError
from .tasks import describe as describe_tasks
from .train import TrainingDiverged

EXIT_USER_ERROR = 2


class CommandError(Exception):
    """A mistake in how a command was called; printed as one line."""


def _decode_config(run, args) -> DecodeConfig:
    base = run.config.decode
    beam = args.beam if args.beam is not None else base.beam_size
    n_best = args.n_best if getattr(args, "n_best", None) is not None else min(base.n_best, beam)
    if beam < 1 or not 1 <= n_best <= beam:
        raise CommandError(f"--beam must be >= 1 and --n-best in 1..beam; got --beam {beam} --n-best {n_best}")
    return DecodeConfig(beam_size=beam, length_penalty=base.length_penalty, max_length_ratio=base.max_length_ratio,
                        max_length_extra=base.max_length_extra, n_best=n_best, batch_size=base.batch_size)


# ---- commands --------------------------------------------------------------------------------


def cmd_train(args) -> int:
    from .run import train

    config = load_config(args.config, args.set)
    run_dir = Path(args.run_dir) if args.run_dir else Path("runs") / Path(args.config).stem
    run, result = train(config, run_dir, resume=args.resume)
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun, the main process reports
        return 0
    best = result.progress.best
    print(f"trained {result.progress.step} steps ({result.stopped_because}); best dev {config.train.metric}: "
          f"{'n/a' if best is None else f'{best:.2f}'}; run directory: {run_dir}")
    return 0


def cmd_translate(args) -> int:
    from .run import open_run

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    decode = _decode_config(run, args)
    lines = [line.rstrip("\n") for line in sys.stdin]
    results = run.translate([line.strip() for line in lines], decode) if lines else []
    for i, translations in enumerate(results):
        if decode.n_best == 1:
            print(translations[0].text)
        else:
            for t in translations:
                print(f"{i}\t{t.text}\t{t.score:.4f}")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluation import evaluate_run

    print(evaluate_run(Path(args.run_dir), split=args.split, data=args.data, beam=args.beam,
                       checkpoint=args.checkpoint))
    return 0


def cmd_plot(args) -> int:
    from .run import open_run
    from .viz import plot_alignment

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    best = run.translate([args.source], _decode_config(run, args))[0][0]
    if best.alignment is None:
        raise CommandError(f"{args.run_dir} has no attention (model.style none): nothing to plot")
    out = Path(args.out) if args.out else run.directory / "plots" / f"alignment-{_slug(args.source)}.png"
    path = plot_alignment(best.alignment, best.source_tokens, best.tokens + ["</s>"], out,
                          title=f"{args.source} → {best.text}", merge_subwords=args.words)
    print(f"{best.text}\n{path}")
    return 0


def _slug(text: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in text.lower())[:40].strip("-")
    return kept or "source"


def cmd_tasks(args) -> int:
    for name, description, options in describe_tasks():
        print(f"{name}: {description}")
        print("    options: " + ", ".join(f"{k}={v}" for k, v in options.items()))
    return 0


def cmd_mechanisms(args) -> int:
    for info in describe_mechanisms():
        print(f"{info.name:15s} {info.formula}")
        print(f"{'':15s} {info.paper}")
        if info.aliases:
            print(f"{'':15s} aliases: {', '.join(info.aliases)}")
        print(f"{'':15s} options: {', '.join(info.options)}")
    return 0


def cmd_config(args) -> int:
    for key, default, help_text in describe_fields():
        print(f"{key:32s} {default:14s} {help_text}")
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(Path(args.run_dir), minutes=args.minutes)


# ---- the parser ------------------------------------------------------------------------------


def _decode_options(parser: argparse.ArgumentParser, n_best: bool = False) -> None:
    parser.add_argument("--beam", type=int, default=None, metavar="K", help="beam width (default: the run's "
                        "decode.beam_size; 1 = greedy)")
    if n_best:
        parser.add_argument("--n-best", type=int, default=None, metavar="N",
                            help="print N hypotheses per line as 'index<TAB>text<TAB>score'")
    parser.add_argument("--checkpoint", choices=["best", "last"], default="best", help="which checkpoint to load")


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="attnkit", formatter_class=formatter,
                                     description="Attention in sequence models: train, decode, evaluate, plot.",
                                     epilog="Start with `attnkit demo`; `attnkit COMMAND --help` shows examples.")
    parser.add_argument("--version", action="version", version=f"attnkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("train", help="train a model from a YAML config", formatter_class=formatter,
                            description="Train a model from a YAML config into a run directory.",
                            epilog="example:\n  attnkit train configs/dates-bahdanau-additive.yaml "
                                   "--set train.max_steps=500 --run-dir runs/dates\n"
                                   "  attnkit train configs/dates-bahdanau-additive.yaml --run-dir runs/dates "
                                   "--resume\n\n`attnkit config` lists every key.")
    p.add_argument("config", help="YAML config file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set model.hidden_dim=256 (repeatable)")
    p.add_argument("--run-dir", help="output directory (default: runs/CONFIG_NAME)")
    p.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its last checkpoint")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("translate", help="decode sentences from stdin", formatter_class=formatter,
                            description="Translate stdin, one source per line, to stdout.",
                            epilog="example:\n  echo '14 March 2021' | attnkit translate runs/demo --beam 5")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    _decode_options(p, n_best=True)
    p.set_defaults(func=cmd_translate)

    p = commands.add_parser("evaluate", help="BLEU/chrF/exact match, overall and by source length",
                            formatter_class=formatter, description="Decode a data set and score it.",
                            epilog="example:\n  attnkit evaluate runs/demo --split test --beam 5\n"
                                   "  attnkit evaluate runs/mine --data test.tsv")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("--split", default="test", help="a split of the run's task or data (test, dev, long, ...)")
    p.add_argument("--data", help="a TSV file or 'source,target' files instead of --split")
    _decode_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = commands.add_parser("plot", help="alignment heatmap of one sentence", formatter_class=formatter,
                            description="Translate one source and draw its attention weights as a heatmap "
                                        "(source tokens across, output tokens down).",
                            epilog="example:\n  attnkit plot runs/demo '14 March 2021' --out march.png")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("source", help="the source sentence")
    p.add_argument("--out", help="PNG path (default: RUN_DIR/plots/alignment-SOURCE.png)")
    p.add_argument("--words", action="store_true", help="merge subword pieces into words")
    _decode_options(p)
    p.set_defaults(func=cmd_plot)

    p = commands.add_parser("tasks", help="list the embedded tasks", description="List the embedded tasks.",
                            epilog="example:\n  attnkit tasks", formatter_class=formatter)
    p.set_defaults(func=cmd_tasks)
    p = commands.add_parser("mechanisms", help="list the attention mechanisms with formulas and papers",
                            description="List the attention family.", formatter_class=formatter,
                            epilog="example:\n  attnkit mechanisms")
    p.set_defaults(func=cmd_mechanisms)
    p = commands.add_parser("config", help="list every config key with its default and meaning",
                            description="List every config key.", formatter_class=formatter,
                            epilog="example:\n  attnkit config")
    p.set_defaults(func=cmd_config)

    p = commands.add_parser("demo", help="the main job: train Bahdanau attention on dates in ~3 minutes",
                            formatter_class=formatter,
                            description="Train a Bahdanau-attention model on the embedded dates task on the "
                                        "CPU, report test exact match, show translations in several languages "
                                        "and save alignment heatmaps.",
                            epilog="example:\n  attnkit demo --run-dir runs/demo")
    p.add_argument("--run-dir", default="runs/demo", help="where the demo's run goes (replaced each time)")
    p.add_argument("--minutes", type=float, default=2.5, help="training time budget in minutes")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="attnkit: %(message)s")
    warnings.simplefilter("default")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, DataError, CommandError, ValueError, FileNotFoundError, TrainingDiverged) as e:
        print(f"attnkit {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"attnkit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
