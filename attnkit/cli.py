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
from .run_lock import RunLocked
from .tasks import describe as describe_tasks
from .train import TrainingDiverged

EXIT_USER_ERROR = 2


class CommandError(Exception):
    """A mistake in how a command was called; printed as one line."""


def _decode_config(run, args) -> DecodeConfig:
    """The run's saved decode settings with --beam / --n-best over them."""
    from .evaluation import decode_config

    return decode_config(run, args.beam, getattr(args, "n_best", None), min_length=args.min_length,
                         no_repeat_ngram=args.no_repeat_ngram)


# ---- commands --------------------------------------------------------------------------------


def cmd_train(args) -> int:
    from .run import train

    config = load_config(args.config, args.set)
    run_dir = Path(args.run_dir) if args.run_dir else Path("runs") / Path(args.config).stem
    run, result = train(config, run_dir, resume=args.resume, overwrite=args.overwrite)
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun, the main process reports
        return 0
    best = result.progress.best
    print(f"trained {result.progress.step} steps ({result.stopped_because}); best dev {config.train.metric}: "
          f"{'n/a' if best is None else f'{best:.2f}'}; run directory: {run_dir}")
    return 0


def cmd_translate(args) -> int:
    from .run import open_run
    from .streaming import translate_stream

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    decode = _decode_config(run, args)
    source = open(args.input, "rb") if args.input else None  # noqa: SIM115  (closed below)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        fd = source.fileno() if source else sys.stdin.fileno()
        failed = translate_stream(run, decode, fd, out, sys.stderr, name=args.input or "stdin")
    finally:
        if source:
            source.close()
        if args.output:
            out.close()
    if failed:
        print(f"attnkit translate: {failed} line(s) could not be translated (empty output lines; see above)",
              file=sys.stderr)
        return 1
    return 0


def cmd_transcribe(args) -> int:
    from .run import open_run
    from .transcribe import transcribe

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    return _print_per_file("transcribe", *transcribe(run, args.audio, _decode_config(run, args)))


def _print_per_file(command: str, outputs: list, failures: list[str]) -> int:
    """path<TAB>text for each file an app function read, one stderr line per file it refused;
    the exit status says whether any was refused (caption, transcribe)."""
    for path, found in outputs:
        print(f"{path}\t{found.text}")
    for message in failures:
        print(f"attnkit {command}: error: {message}", file=sys.stderr)
    return EXIT_USER_ERROR if failures else 0


def cmd_predict(args) -> int:
    import json

    from .run import open_run

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    decode = _decode_config(run, args)
    names = run.schema.inputs
    examples = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        examples.append(_tsv_example(run, line, number) if args.tsv else _json_example(names, line, number))
    for prediction in run.predict(examples, decode) if examples else []:
        if args.tsv:
            print(_tsv_answer(prediction))
            continue
        found = [p.to_json() for p in prediction] if isinstance(prediction, list) else prediction.to_json()
        print(json.dumps(found, ensure_ascii=False))
    return 0


def _json_example(names, line: str, number: int) -> dict:
    import json

    try:
        example = json.loads(line)
    except json.JSONDecodeError as error:
        raise CommandError(f"stdin:{number}: not a JSON object ({error.msg})") from None
    missing = [name for name in names if not isinstance(example, dict) or name not in example]
    if missing:
        raise CommandError(f"stdin:{number}: the example lacks {', '.join(missing)} (this run reads "
                           f"{', '.join(names)})")
    return example


def _tsv_example(run, line: str, number: int) -> dict:
    """One line of the run's inputs separated by tabs (premise<TAB>hypothesis), each read by its field."""
    names = run.schema.inputs
    columns = line.rstrip("\r\n").split("\t")
    if len(columns) != len(names):
        raise CommandError(f"stdin:{number}: expected {len(names)} tab-separated column"
                           f"{'s' if len(names) > 1 else ''} ({', '.join(names)}), got {len(columns)}")
    return {name: run.fields[name].parse_input(text) for name, text in zip(names, columns, strict=True)}


def _tsv_answer(prediction) -> str:
    """label<TAB>probability for a classification; the best text<TAB>log-probability otherwise."""
    best = prediction[0] if isinstance(prediction, list) else prediction
    probabilities = getattr(best, "probabilities", None)
    if probabilities is not None:
        return f"{best.text}\t{probabilities[best.text]:.4f}"
    return f"{best.text}\t{best.score:.4f}"


def cmd_average(args) -> int:
    from .train.average import average_checkpoints, newest_step_checkpoints
    from .train.checkpoint import save_atomic

    paths = newest_step_checkpoints(Path(args.run_dir), args.last)
    averaged = average_checkpoints(paths)
    out = Path(args.run_dir) / "checkpoints" / f"{_checkpoint_name(args.out)}.pt"
    save_atomic(averaged, out)
    print(f"{out}: the average of steps {', '.join(str(step) for step in averaged['averaged'])}")
    return 0


def _checkpoint_name(name: str) -> str:
    """A checkpoint name (best, last, average, step-200), refused when it would leave checkpoints/."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or name.endswith(".pt"):
        raise CommandError(f"--out {name!r}: give a plain checkpoint name such as 'average' (written as "
                           "checkpoints/NAME.pt)")
    return name


def cmd_evaluate(args) -> int:
    from .evaluation import evaluate_run

    print(evaluate_run(Path(args.run_dir), split=args.split, data=args.data, beam=args.beam,
                       checkpoint=args.checkpoint, header=args.header, min_length=args.min_length,
                       no_repeat_ngram=args.no_repeat_ngram))
    return 0


def cmd_plot(args) -> int:
    from .microscope import is_text_generation, plot_heads, plot_inputs, plot_sources, plot_steps
    from .run import open_run

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    decode = _decode_config(run, args)
    plots = run.directory / "plots"
    if not is_text_generation(run):
        if args.steps or args.heads or args.words:
            raise CommandError("--steps, --heads and --words draw text translations; "
                               f"{run.directory} predicts by {run.schema.prediction} from "
                               f"{', '.join(run.fields[n].kind for n in run.schema.inputs)}")
        out = Path(args.out) if args.out else plots / f"{run.schema.prediction}-{_slug(' '.join(args.source))}.png"
        predictions, paths = plot_inputs(run, args.source, decode, out)
        for prediction, path in zip(predictions, paths, strict=True):
            print(f"{prediction.text}\n{path}")
        return 0
    if args.steps and len(args.source) != 1:
        raise CommandError(f"--steps draws one sentence; got {len(args.source)} sources")
    if args.steps:
        best, path = plot_steps(run, args.source[0], decode,
                                Path(args.out) if args.out else plots / f"steps-{_slug(args.source[0])}.png")
        print(f"{best.text}\n{path}")
        return 0
    kind = "alignment" if len(args.source) == 1 else "grid"
    out = Path(args.out) if args.out else plots / f"{kind}-{_slug(' '.join(args.source))}.png"
    translations, path = plot_sources(run, args.source, decode, out, words=args.words)
    print("\n".join(t.text for t in translations) + f"\n{path}")
    if args.heads:
        for written in plot_heads(run, translations[0], out):
            print(written)
    return 0


def cmd_caption(args) -> int:
    from .captioning import caption_images
    from .run import open_run

    run = open_run(Path(args.run_dir), checkpoint=args.checkpoint)
    return _print_per_file("caption", *caption_images(run, args.images, _decode_config(run, args)))


def _slug(text: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in text.lower())[:40].strip("-")
    return kept or "source"


def cmd_compare(args) -> int:
    from .compare import compare_runs, train_runs

    if args.train:
        run_dirs = train_runs([Path(c) for c in args.runs], Path(args.run_root))
    else:
        run_dirs = [Path(r) for r in args.runs]
    out = Path(args.out) if args.out else Path("runs") / "compare"
    comparison = compare_runs(run_dirs, out, split=args.split, data=args.data, metric=args.metric, beam=args.beam)
    print(comparison.files[-1].read_text(encoding="utf-8"))
    for path in comparison.files:
        print(path)
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    print(write_report(Path(args.run_dir), Path(args.out) if args.out else None, examples=args.examples,
                       split=args.split, checkpoint=args.checkpoint))
    return 0


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
    from .demo import DEMOS

    if args.threads < 1:
        raise CommandError(f"--threads must be at least 1; got {args.threads}")
    if args.name not in DEMOS:
        raise CommandError(f"no demo {args.name!r}; choose one of {', '.join(DEMOS)}")
    run_dir = Path(args.run_dir) if args.run_dir else Path("runs") / ("demo" if args.name == "dates" else
                                                                     f"demo-{args.name}")
    return DEMOS[args.name](run_dir, minutes=args.minutes, threads=args.threads)


# ---- the parser ------------------------------------------------------------------------------

# attnkit/demo.py's DEMOS, named here so that `--help` needs no torch import (a test keeps them equal)
DEMO_NAMES = ("dates", "entailment", "pointer", "ntm", "speech", "captioning", "summarisation")


def _decode_options(parser: argparse.ArgumentParser, n_best: bool = False) -> None:
    parser.add_argument("--beam", type=int, default=None, metavar="K", help="beam width (default: the run's "
                        "decode.beam_size; 1 = greedy)")
    if n_best:
        parser.add_argument("--n-best", type=int, default=None, metavar="N",
                            help="print N hypotheses per input line as 'index<TAB>text<TAB>log_prob<TAB>"
                                 "normalized_score' (index: the 0-based input line; normalized_score: what the beam "
                                 "ranked by, log_prob / length**decode.length_penalty)")
    parser.add_argument("--min-length", type=int, default=None, metavar="N", help="never end an output before N "
                        "tokens (default: the run's decode.min_output_tokens)")
    parser.add_argument("--no-repeat-ngram", type=int, default=None, metavar="N", help="never write an N-gram twice "
                        "in one output, e.g. 3 (default: the run's decode.no_repeat_ngram; 0: off)")
    parser.add_argument("--checkpoint", default="best", metavar="NAME", help="which checkpoint to load: best, "
                        "last or any checkpoints/NAME.pt (average, step-200, ...)")


def _add_compare_and_report(commands, formatter) -> None:
    """The `compare` and `report` subcommands."""
    p = commands.add_parser("compare", help="several runs: metric against source length (PNG, CSV, Markdown)",
                            formatter_class=formatter,
                            description="Evaluate several runs on the same data and draw the metric against "
                                        "source length, one line per run, training lengths shaded; writes "
                                        "compare-METRIC.png, compare.csv and compare.md (with alignment "
                                        "accuracy, AER and attention statistics per run).",
                            epilog="example:\n  attnkit compare runs/rev-none runs/rev-additive --split test,long\n"
                                   "  attnkit compare --train configs/experiments/reverse-*.yaml "
                                   "--run-root runs/experiments --split test,long --out docs/img")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories (config files with --train)")
    p.add_argument("--train", action="store_true", help="the arguments are configs: train each into "
                   "RUN_ROOT/CONFIG_NAME first")
    p.add_argument("--run-root", default="runs", help="where --train puts the runs (default: runs)")
    p.add_argument("--split", default="test", help="split(s) of each run's task, comma-joined (test, long, "
                   "test,long, ...)")
    p.add_argument("--data", help="a TSV file or 'source,target' files instead of --split")
    p.add_argument("--metric", default=None, choices=["exact_match", "bleu", "chrf", "accuracy"],
                   help="the metric to draw (default: the task's first: exact_match for text, accuracy for labels)")
    p.add_argument("--out", help="output folder (default: runs/compare)")
    p.add_argument("--beam", type=int, default=None, metavar="K", help="beam width (default: each run's own)")
    p.set_defaults(func=cmd_compare)

    p = commands.add_parser("report", help="one self-contained HTML page about a run", formatter_class=formatter,
                            description="Write one HTML page (no network: everything inline) with the training "
                                        "curves, the metric by source length, attention statistics and an "
                                        "interactive alignment viewer over dev examples.",
                            epilog="example:\n  attnkit report runs/demo --examples 20 --out demo.html")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("--out", help="HTML path (default: RUN_DIR/report.html)")
    p.add_argument("--examples", type=int, default=12, metavar="N", help="dev examples in the alignment viewer")
    p.add_argument("--split", default="dev", help="split for the length chart and statistics (default: dev)")
    p.add_argument("--checkpoint", default="best", metavar="NAME", help="which checkpoint to load: best, last or "
                   "any checkpoints/NAME.pt (average, step-200, ...)")
    p.set_defaults(func=cmd_report)


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
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --run-dir (its checkpoints, "
                   "fields and metrics) instead of refusing")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("translate", help="decode sentences from stdin", formatter_class=formatter,
                            description="Translate stdin (or --input), one source per line, to stdout (or "
                                        "--output), each line as soon as it is read. An empty line gives an "
                                        "empty line; a line that cannot be translated (not UTF-8, longer than "
                                        "decode.max_input_tokens) gives an empty line and a message on stderr "
                                        "with its line number, and the command exits with 1 at the end.",
                            epilog="example:\n  echo '14 March 2021' | attnkit translate runs/demo --beam 5")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("--input", metavar="FILE", help="read the sources from FILE instead of stdin")
    p.add_argument("--output", metavar="FILE", help="write the translations to FILE instead of stdout")
    _decode_options(p, n_best=True)
    p.set_defaults(func=cmd_translate)

    p = commands.add_parser("transcribe", help="a speech run's transcript of audio files", formatter_class=formatter,
                            description="Transcribe WAV/FLAC/OGG recordings with a speech run (resampled to its "
                                        "rate); prints path<TAB>transcript per file. A file it cannot read is named on "
                                        "stderr, the others are still transcribed, and the exit status is 2.",
                            epilog="example:\n  attnkit transcribe runs/speech-location a.wav b.flac --beam 5")
    p.add_argument("run_dir", help="a run directory written by `attnkit train` (a speech run)")
    p.add_argument("audio", nargs="+", help="audio files")
    _decode_options(p)
    p.set_defaults(func=cmd_transcribe)

    p = commands.add_parser("predict", help="any run's own output for JSON examples from stdin",
                            formatter_class=formatter,
                            description="Read one JSON example per line from stdin (the run's input parts by "
                                        "name, e.g. {\"source\": \"...\"} or {\"frames\": [[...], ...]}) and "
                                        "print one JSON line per example: the output (a label, a text or, with "
                                        "--n-best, a list of hypotheses), its scores and the attention weights.",
                            epilog="example:\n  echo '{\"source\": \"14 March 2021\"}' | attnkit predict runs/demo\n"
                                   "  attnkit predict runs/needle < examples.jsonl\n"
                                   "  printf 'the dog is sleeping\\tthe animal is sleeping\\n' | "
                                   "attnkit predict runs/nli --tsv")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("--tsv", action="store_true", help="read the run's inputs as tab-separated columns (e.g. "
                   "premise<TAB>hypothesis) and print 'label<TAB>probability' (or 'text<TAB>log_prob') per line")
    _decode_options(p, n_best=True)
    p.set_defaults(func=cmd_predict)

    p = commands.add_parser("average", help="average the last N step checkpoints into one",
                            formatter_class=formatter,
                            description="Average the parameters of the run's newest N checkpoints/step-<step>.pt "
                                        "(kept by train.keep_checkpoints) into checkpoints/NAME.pt, which every "
                                        "command loads with --checkpoint NAME.",
                            epilog="example:\n  attnkit average runs/demo --last 5\n"
                                   "  attnkit translate runs/demo --checkpoint average")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("--last", type=int, required=True, metavar="N", help="how many of the newest step checkpoints")
    p.add_argument("--out", default="average", metavar="NAME", help="checkpoint name (default: average)")
    p.set_defaults(func=cmd_average)

    p = commands.add_parser("evaluate", help="the task's metrics (BLEU, chrF, exact match, accuracy) by input length",
                            formatter_class=formatter, description="Decode a data set and score it.",
                            epilog="example:\n  attnkit evaluate runs/demo --split test --beam 5\n"
                                   "  attnkit evaluate runs/mine --data test.tsv")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("--split", default="test", help="a split of the run's task or data (test, dev, long, ...; "
                   "comma-join several: test,long)")
    p.add_argument("--data", help="a TSV file or 'source,target' files instead of --split")
    p.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                   help="--data starts with a header line to skip (default: the run's data.header)")
    _decode_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = commands.add_parser("plot", help="alignment heatmaps, beam steps and per-head maps", formatter_class=formatter,
                            description="Translate sources and draw their attention weights as heatmaps "
                                        "(source tokens across, output tokens down): one source gives one "
                                        "heatmap, several a grid; --steps draws the chosen hypothesis step by "
                                        "step; --heads adds one map per layer and head (Transformer runs).",
                            epilog="example:\n  attnkit plot runs/demo '14 March 2021' --out march.png\n"
                                   "  attnkit plot runs/demo '14 March 2021' '2 May 1999' --out grid.png\n"
                                   "  attnkit plot runs/demo '14 March 2021' --beam 5 --steps")
    p.add_argument("run_dir", help="a run directory written by `attnkit train`")
    p.add_argument("source", nargs="+", help="the source sentence(s); several give a grid. For a run with another "
                   "input (an image path, a .npy of frames) or several inputs (premise, hypothesis), the inputs of "
                   "each example in turn; one picture per example (a caption: one panel per word, its attention "
                   "over the image)")
    p.add_argument("--out", help="PNG path (default: RUN_DIR/plots/alignment-SOURCE.png, grid-..., steps-...)")
    p.add_argument("--words", action="store_true", help="merge subword pieces into words")
    p.add_argument("--steps", action="store_true", help="one panel per output step of the chosen hypothesis "
                   "(of the beam with --beam K): the weights row and the token chosen")
    p.add_argument("--heads", action="store_true", help="also draw one map per layer and head "
                   "(OUT-cross.png, OUT-self.png; models with attention_maps, i.e. Transformer runs)")
    _decode_options(p)
    p.set_defaults(func=cmd_plot)

    p = commands.add_parser("caption", help="caption image files with a captioning run", formatter_class=formatter,
                            description="Caption each image with the run's model: prints 'image<TAB>caption' per "
                                        "image. Grey or RGB images are converted to the run's channels; another "
                                        "size is letterboxed (or resized) to the run's canvas. A missing or "
                                        "unreadable file is named on stderr and the others are still captioned "
                                        "(exit status 2 when any file failed).",
                            epilog="example:\n  attnkit caption runs/captions-soft digits.png scan.jpg --beam 3\n"
                                   "  attnkit plot runs/captions-soft digits.png   (one overlay per word)")
    p.add_argument("run_dir", help="a run directory written by `attnkit train` (an image -> caption task)")
    p.add_argument("images", nargs="+", help="image files (PNG, JPEG, ... anything Pillow reads)")
    _decode_options(p)
    p.set_defaults(func=cmd_caption)

    _add_compare_and_report(commands, formatter)

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
                            description="Train a small model on embedded data on the CPU, score it and save its "
                                        "pictures. The default, dates: Bahdanau attention translating dates, "
                                        "test exact match, translations in several languages, alignment "
                                        "heatmaps. The others run one application each.",
                            epilog="example:\n  attnkit demo --run-dir runs/demo\n  attnkit demo captioning "
                                   "--minutes 3")
    p.add_argument("name", nargs="?", default="dates",
                   help=f"which demo: {', '.join(DEMO_NAMES)} (default: dates)")
    p.add_argument("--run-dir", default=None, help="where the demo's run goes, replaced each time (default: "
                                                    "runs/demo for dates, runs/demo-NAME for the others)")
    p.add_argument("--minutes", type=float, default=2.5, help="training time budget in minutes")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest for this small model "
                                                          "on a shared machine)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="attnkit: %(message)s")
    warnings.simplefilter("default")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, DataError, CommandError, ValueError, FileNotFoundError, TrainingDiverged, RunLocked) as e:
        print(f"attnkit {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"attnkit {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`attnkit config | head`): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
