"""A run directory: everything needed to pick a trained model up again by pointing at it.

    RUN_DIR/run.json               the run format and the task's schema (fields, inputs, output,
                                   prediction kind, metrics)
    RUN_DIR/config.yaml            the validated config
    RUN_DIR/fields/<name>/         each fitted field (field.json; a text field's tokenizer and
                                   vocabulary)
    RUN_DIR/checkpoints/best.pt    best dev score; last.pt: everything to resume
    RUN_DIR/metrics.jsonl          one line per evaluation
    RUN_DIR/plots/                 heatmaps written by `attnkit plot` and the demo

Nothing here asks which model family, task or field kind it holds: the schema names the fields,
the family registry builds the model, the predictor registry decodes it.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

from . import __version__
from .config import Config, ConfigError, DecodeConfig, config_from_dict, save_config, to_dict
from .data import DataError, encode_examples
from .decode import Classification, Translation
from .decode.scoring import SplitResult, best_of, predict_examples, score_split
from .fields import Field, FieldError, build_field, load, save_field
from .metrics import check_available
from .models import build_model, get_family
from .run_lock import RunLock
from .tasks import Schema, get_task
from .tasks.files import file_format
from .train import Objective, Trainer, TrainResult, init_world, load_checkpoint, shutdown
from .train.distributed import barrier

log = logging.getLogger("attnkit")

RUN_FORMAT = 2
RUN_FILE = "run.json"

__all__ = ["Classification", "Run", "RunError", "Translation", "load_splits", "open_run", "prepare_run", "schema_for",
           "train"]


class RunError(ValueError):
    """A run directory that is missing, incomplete or in the way; the message says which."""


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"train.device is {name!r} but CUDA is not available here; use auto or cpu")
    return torch.device(name)


# ---- data ------------------------------------------------------------------------------------


def read_files(spec: str, config: Config, split: str, header: bool | None = None) -> list[dict]:
    """A file spec of format data.format (text: 'data.tsv' or 'src.txt,tgt.txt') -> examples
    (``header`` None: the config's data.header). Long training examples are dropped later,
    counted in the model's tokens (drop_long)."""
    read = file_format(config.data.format).read
    return read(spec, option=f"data.{split}", header=config.data.header if header is None else header,
                strict=config.data.strict)


def drop_long(fields: Mapping[str, Field], examples: list[dict], encoded: list[dict], limit: int,
              strict: bool, what: str = "training", option: str = "data.max_len") -> tuple[list[dict], list[dict]]:
    """The examples (raw and encoded) whose every part is at most ``limit`` long in its field's
    own units (tokens as the model sees them, frames); the others are dropped with one warning,
    or, with ``strict``, refused naming the first one (file:line for users' files)."""
    keep, dropped = [], []
    for i, item in enumerate(encoded):
        (dropped if any(fields[n].length(v) > limit for n, v in item.items()) else keep).append(i)
    if dropped:
        where = [examples[i].get("where", f"{what} example {i + 1}") for i in dropped[:5]]
        if strict:
            raise DataError(f"{where[0]}: longer than {option}={limit} tokens; data.strict rejects it")
        log.warning("dropped %d %s examples longer than %s=%d (in the model's tokens): %s%s", len(dropped), what,
                    option, limit, ", ".join(where), ", ..." if len(dropped) > 5 else "")
    return [examples[i] for i in keep], [encoded[i] for i in keep]


def load_splits(config: Config) -> dict[str, list[dict]]:
    """The examples the config names: a task's splits, or files for train/dev/test."""
    data = config.data
    if data.task is not None:
        task = get_task(data.task, **data.task_options)
        return {name: task.split(name) for name in task.split_names}
    splits = {"train": read_files(data.train, config, "train")}
    for split in ("dev", "test"):
        spec = getattr(data, split)
        if spec:
            splits[split] = read_files(spec, config, split)
    if "dev" not in splits:
        cut = max(1, min(500, len(splits["train"]) // 20))
        splits["dev"], splits["train"] = splits["train"][:cut], splits["train"][cut:]
        log.warning("no data.dev given: holding out the first %d training pairs as dev data", cut)
    return splits


def schema_for(config: Config) -> Schema:
    """The task's schema (users' files: text -> text), with data.tokenizer,
    data.sentencepiece_vocab_size and data.vocab_size applied to its text fields, then whatever
    field options the model family needs (``Family.prepare_schema``)."""
    data = config.data
    schema = get_task(data.task, **data.task_options).schema() if data.task else file_format(data.format).schema()
    for name, spec in schema.fields.items():
        if spec.kind != "text":
            continue
        tokenizer = spec.options.get("tokenizer", "word") if data.tokenizer == "auto" else data.tokenizer
        options = {"vocab_size": data.sentencepiece_vocab_size} if tokenizer == "sentencepiece" else {}
        schema = schema.with_options(name, tokenizer=tokenizer, tokenizer_options=options)
        if data.vocab_size is not None:
            schema = schema.with_options(name, max_vocab=data.vocab_size)
    return get_family(config.model.type).prepare_schema(config.model, schema)


# ---- the run ---------------------------------------------------------------------------------


@dataclass
class Run:
    """A run directory opened: its config, schema, fitted fields and (once built) the model."""

    directory: Path
    config: Config
    schema: Schema
    fields: dict[str, Field]
    model: nn.Module | None = None
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def build_model(self) -> nn.Module:
        self.model = build_model(self.config.model, self.schema, self.fields)
        return self.model.to(self.device)

    @property
    def input_name(self) -> str:
        return self.schema.inputs[0]

    @property
    def input_field(self) -> Field:
        return self.fields[self.schema.inputs[0]]

    @property
    def output_field(self) -> Field:
        return self.fields[self.schema.output]

    def encode(self, examples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Each example encoded by the run's fields (inputs and output)."""
        return encode_examples(self.fields, examples)

    def predict(self, examples: Sequence[Mapping[str, Any]], decode: DecodeConfig | None = None) -> list[Any]:
        """Each example's prediction (generation: its n-best list of Translations, best first;
        classification: a Classification), from its input parts."""
        return predict_examples(self.model, self.schema, self.fields, examples, decode or self.config.decode,
                                self.device)

    def score(self, examples: Sequence[Mapping[str, Any]], decode: DecodeConfig | None = None) -> SplitResult:
        """Predict ``examples`` and score them with the task's metrics."""
        return score_split(self.model, self.schema, self.fields, examples, decode or self.config.decode, self.device)

    def translate(self, texts: Sequence[str], decode: DecodeConfig | None = None) -> list[list[Translation]]:
        """Decode each text (the run's one text input); returns the n-best list of each, best first."""
        return self.predict([{self.input_name: text} for text in texts], decode)

    def save_fields(self) -> None:
        for name, part in self.fields.items():
            save_field(part, self.directory / "fields" / name)


def fit_fields(config: Config, schema: Schema, train_examples: Sequence[Mapping[str, Any]]) -> dict[str, Field]:
    """Build every field of the schema and fit it on its training items; fields the model family
    wants joint (shared embeddings) are fitted once on all their items together."""
    fields = {name: build_field(spec.kind, **spec.options) for name, spec in schema.fields.items()}
    joint = get_family(config.model.type).joint_fields(config.model, schema)
    grouped = {name for group in joint for name in group}
    for group in joint:
        first = fields[group[0]]
        first.fit([example[name] for name in group for example in train_examples])
        for name in group[1:]:
            fields[name].share(first)
    for name, part in fields.items():
        if name not in grouped:
            part.fit([example[name] for example in train_examples])
    return fields


def prepare_run(config: Config, directory: Path, splits: dict[str, list[dict]], schema: Schema) -> Run:
    """Fit the fields on the training data and save them with the config and the schema."""
    directory.mkdir(parents=True, exist_ok=True)
    save_config(config, directory / "config.yaml")
    fields = fit_fields(config, schema, splits["train"])
    run = Run(directory, config, schema, fields, device=pick_device(config.train.device))
    run.save_fields()
    payload = {"format": RUN_FORMAT, "attnkit": __version__, "schema": schema.to_dict()}
    (directory / RUN_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return run


def _check_metric(config: Config, schema: Schema) -> None:
    metric = config.train.metric
    if metric != "loss" and metric not in schema.metrics:
        raise ConfigError(f"train.metric is {metric!r}, which this task does not measure; choose one of "
                          f"{', '.join(schema.metrics)} or loss")


RUN_FILES = ("checkpoints", "metrics.jsonl", "fields", RUN_FILE, "config.yaml", "train.log")
# What a resumed run may change: how it trains and decodes, never what it is.
RESUMABLE = ("train.", "decode.")


def _check_start(directory: Path, resume: bool, overwrite: bool) -> None:
    """Refuse to resume what cannot be resumed, or to train over a run without --overwrite."""
    last = directory / "checkpoints" / "last.pt"
    present = [name for name in RUN_FILES if (directory / name).exists()]
    if resume and not last.exists():
        if not present:
            raise RunError(f"--resume: {directory} holds no run to continue (no {last}); start one without --resume")
        raise RunError(f"--resume: {last} does not exist, so this run cannot be continued; start it again with "
                       "--overwrite (its checkpoints and metrics are replaced) or train into another --run-dir")
    if not resume and present:
        if not overwrite:
            raise RunError(f"{directory} already holds a run ({', '.join(present)}); continue it with --resume, "
                           "replace it with --overwrite, or choose another --run-dir")
        for name in present:
            path = directory / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _check_resumed_config(config: Config, directory: Path) -> None:
    """A resumed run keeps its model and data: only train.* and decode.* keys may change."""
    saved = _flat(to_dict(open_run(directory, checkpoint=None).config))
    changed = [(key, saved.get(key), value) for key, value in _flat(to_dict(config)).items()
               if saved.get(key) != value and not key.startswith(RESUMABLE)]
    if changed:
        key, before, after = changed[0]
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise RunError(f"--resume: {key} is {before!r} in {directory} but {after!r} now{more}; a resumed run keeps "
                       "its model and data (only train.* and decode.* may change). Start a new run for another "
                       "model, or resume with the run's own config.yaml")


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, Mapping) and key != "options" and key != "task_options":
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _remove_stale_temporaries(directory: Path) -> None:
    """Half-written checkpoints a killed save left behind (.last.pt.*.tmp)."""
    for stale in (directory / "checkpoints").glob(".*.tmp"):
        stale.unlink(missing_ok=True)


def train(config: Config, directory: Path, *, resume: bool = False,
          overwrite: bool = False) -> tuple[Run, TrainResult]:
    """Train the model the config describes into ``directory`` (continue it with ``resume``;
    replace a run already there with ``overwrite``). The directory is locked meanwhile."""
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    schema = schema_for(config)
    family = get_family(config.model.type)
    family.check_schema(config.model, schema)
    _check_metric(config, schema)
    if family.needs_mixed_batches(config.model) and config.data.bucket_by != "none":
        log.warning("model.type %s normalises over the batch (batch norm) but data.bucket_by is %s: every "
                    "batch holds one output length, which evaluation's running statistics do not match; set "
                    "data.bucket_by: none", config.model.type, config.data.bucket_by)
    check_available(schema.metrics)  # an optional metric package missing fails now, not at the first evaluation
    device = pick_device(config.train.device)
    world = init_world(device)
    if world.size > 1 and device.type == "cuda":
        device = torch.device("cuda", world.local_rank)
    try:
        if world.main:
            _check_start(directory, resume, overwrite)
            with RunLock(directory):
                if resume:
                    _check_resumed_config(config, directory)
                return _train(config, directory, schema, resume, device, world)
        return _train(config, directory, schema, resume, device, world)
    finally:
        shutdown(world)


def _train(config: Config, directory: Path, schema: Schema, resume: bool, device: torch.device,
           world) -> tuple[Run, TrainResult]:
    splits = load_splits(config)
    if world.main and not resume:
        run = prepare_run(config, directory, splits, schema)
    barrier(world)  # under torchrun the main process writes the run directory before the others read it
    if resume or not world.main:
        run = open_run(directory, checkpoint=None)
        run.config = config
    if world.main and resume:
        save_config(config, directory / "config.yaml")  # what the run now trains with (e.g. more steps)
        _remove_stale_temporaries(directory)
    run.device = device
    torch.manual_seed(config.train.seed)
    model = run.build_model()
    train_examples, train_encoded = drop_long(run.fields, splits["train"], run.encode(splits["train"]),
                                              config.data.max_len, config.data.strict)
    if not train_examples:
        raise DataError(f"no training example is within data.max_len={config.data.max_len} tokens")
    dev = splits["dev"][: config.train.eval_sentences]
    dev_examples, dev_encoded = drop_long(run.fields, dev, run.encode(dev), config.decode.max_input_tokens, False,
                                          "dev", "decode.max_input_tokens")
    # float32 even for bf16 training: greedy steps are small, and autocast's casts made them slower
    dev_decode = DecodeConfig(batch_size=256)

    def evaluate(model: nn.Module) -> dict[str, float]:
        result = score_split(model, run.schema, run.fields, dev_examples, dev_decode, device)
        return {name: score.value for name, score in result.scores.items()}

    output = run.schema.output
    inputs = list(run.schema.inputs)
    sort_by = [output, *inputs] if config.data.bucket_by == "target" else [*inputs, output]
    search = "greedy search, " if run.schema.prediction == "generate" else ""
    label = f" ({search}{len(dev_examples)} examples)"
    if world.main:
        _start_up_summary(run, model, len(splits["train"]), len(train_examples), label, resume)
    trainer = Trainer(model, train_encoded, dev_encoded, config.train, config.data,
                      directory, evaluate, fields=run.fields, objective=Objective(run.schema.prediction, output,
                                                                                  config.train),
                      sort_by=sort_by, device=device, world=world, eval_label=label,
                      attention_images=_attention_images(run, dev_examples[:3], device))
    if resume:
        trainer.resume()
    result = trainer.fit()
    barrier(world)  # every rank finished (the main process's last save too) before the group goes away
    run.model = model
    return run, result


def _attention_images(run: Run, examples: list[dict], device: torch.device):
    """For TensorBoard: a function drawing the attention of ``examples`` (decoded greedily) as
    (name, image array) pairs; a prediction without attention draws nothing."""
    from matplotlib.image import imread

    from .viz import plot_alignment

    def draw(model: nn.Module) -> list:
        images = []
        for i, prediction in enumerate(predict_examples(model, run.schema, run.fields, examples, DecodeConfig(),
                                                        device)):
            best = best_of(prediction)
            if best.heatmap() is None:
                continue
            columns, rows, matrix = best.heatmap()
            path = plot_alignment(matrix, columns, rows, run.directory / "plots" / f"tensorboard-{i}.png",
                                  title=best.text)
            images.append((f"dev-{i}", imread(path)))
        return images

    return draw


def _start_up_summary(run: Run, model: nn.Module, read: int, kept: int, dev_label: str, resume: bool) -> None:
    """What this training run is, printed and written at the top of RUN_DIR/train.log: the data
    as read and kept, each field as built (vocabulary sizes), the model's size, where it runs."""
    config = run.config
    data = config.data.task or config.data.train
    dropped = (f" ({read - kept:,} of {read:,} dropped: longer than data.max_len={config.data.max_len})"
               if read > kept else "")
    lines = [f"attnkit {__version__} {'resumes' if resume else 'trains'} {run.directory}",
             f"data: {data}: {kept:,} training examples{dropped}; dev evaluation: {dev_label.strip(' ()')}"]
    lines += [f"field {name}: {part.describe()}" for name, part in run.fields.items()]
    parameters = sum(p.numel() for p in model.parameters())
    lines += [f"model: {config.model.type}, {parameters:,} parameters",
              f"device: {run.device}, {torch.get_num_threads()} CPU threads, precision {config.train.precision}"]
    for line in lines:
        print(line)
    with open(run.directory / "train.log", "a" if resume else "w", encoding="utf-8") as log:
        log.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()


def _read_format(directory: Path) -> dict:
    path = directory / RUN_FILE
    if not path.is_file():
        if (directory / "source_tokenizer").is_dir():
            raise RunError(f"{directory} was written by an earlier attnkit (run format 1: source_tokenizer/, "
                           f"target_tokenizer/); this attnkit reads run format {RUN_FORMAT} (fields/, run.json). "
                           "Train the run again with this version.")
        raise RunError(f"{directory} is incomplete: it has no {RUN_FILE}")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("format") != RUN_FORMAT:
            raise RunError(f"{path}: run format {payload.get('format')!r}; this attnkit reads format {RUN_FORMAT}")
        return payload
    except (ValueError, AttributeError) as error:
        if isinstance(error, RunError):
            raise
        raise RunError(f"{path} is corrupt: {error}") from None


def open_run(directory: Path, *, checkpoint: str | None = "best") -> Run:
    """Load a run directory; with ``checkpoint`` ("best" or "last") the model weights too."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RunError(f"run directory not found: {directory} (train one with `attnkit train CONFIG "
                       "--run-dir DIR`)")
    config_path = directory / "config.yaml"
    if not config_path.is_file():
        raise RunError(f"{directory} is not an attnkit run directory: it has no config.yaml")
    payload = _read_format(directory)
    config = config_from_dict(yaml.safe_load(config_path.read_text(encoding="utf-8")), str(config_path))
    try:
        schema = Schema.from_dict(payload["schema"])
        fields = {name: load(directory / "fields" / name) for name in schema.fields}
    except (KeyError, TypeError, FieldError, DataError) as error:
        raise RunError(f"{directory} is incomplete: {error}") from None
    run = Run(directory, config, schema, fields, device=pick_device(config.train.device))
    if checkpoint is not None:
        path = directory / "checkpoints" / f"{checkpoint}.pt"
        if not path.is_file():
            raise RunError(f"{directory} has no {checkpoint} checkpoint yet ({path}); train it first")
        run.build_model().load_state_dict(load_checkpoint(path, run.device)["model"])
        run.model.eval()
    return run
