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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

from . import __version__
from .config import Config, ConfigError, DecodeConfig, config_from_dict, save_config
from .data import DataError, encode_examples
from .decode import Classification, Translation
from .decode.scoring import SplitResult, predict_examples, score_split
from .fields import Field, FieldError, build_field, load, save_field
from .models import build_model, get_family
from .tasks import Schema, get_task, text_to_text
from .tasks.files import read_text_pairs
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


def read_files(spec: str, config: Config, split: str) -> list[dict]:
    """'data.tsv' or 'src.txt,tgt.txt' -> examples; training data is length-filtered."""
    return read_text_pairs(spec, option=f"data.{split}", header=config.data.header, strict=config.data.strict,
                           max_len=config.data.max_len if split == "train" else None)


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
    """The task's schema (users' files: text -> text), with data.tokenizer and
    data.sentencepiece_vocab_size applied to its text fields."""
    data = config.data
    schema = get_task(data.task, **data.task_options).schema() if data.task else text_to_text("word")
    for name, spec in schema.fields.items():
        if spec.kind != "text":
            continue
        tokenizer = spec.options.get("tokenizer", "word") if data.tokenizer == "auto" else data.tokenizer
        options = {"vocab_size": data.sentencepiece_vocab_size} if tokenizer == "sentencepiece" else {}
        schema = schema.with_options(name, tokenizer=tokenizer, tokenizer_options=options)
    return schema


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


def train(config: Config, directory: Path, *, resume: bool = False) -> tuple[Run, TrainResult]:
    """Train the model the config describes into ``directory`` (continue it with resume)."""
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    last = directory / "checkpoints" / "last.pt"
    if resume and not last.exists():
        raise RunError(f"--resume: {last} does not exist; start the run without --resume")
    if not resume and last.exists():
        raise RunError(f"{directory} already holds a run; continue it with --resume or choose another "
                       "--run-dir")
    schema = schema_for(config)
    get_family(config.model.type).check_schema(config.model, schema)
    _check_metric(config, schema)
    splits = load_splits(config)
    device = pick_device(config.train.device)
    world = init_world(device)
    if world.size > 1 and device.type == "cuda":
        device = torch.device("cuda", world.local_rank)
    if world.main and not resume:
        run = prepare_run(config, directory, splits, schema)
    barrier(world)  # under torchrun the main process writes the run directory before the others read it
    if resume or not world.main:
        run = open_run(directory, checkpoint=None)
        run.config = config
    run.device = device
    torch.manual_seed(config.train.seed)
    model = run.build_model()
    dev_examples = splits["dev"][: config.train.eval_sentences]
    # float32 even for bf16 training: greedy steps are small, and autocast's casts made them slower
    dev_decode = DecodeConfig(batch_size=256)

    def evaluate(model: nn.Module) -> dict[str, float]:
        result = score_split(model, run.schema, run.fields, dev_examples, dev_decode, device)
        return {name: score.value for name, score in result.scores.items()}

    output = run.schema.output
    inputs = list(run.schema.inputs)
    sort_by = [output, *inputs] if config.data.bucket_by == "target" else [*inputs, output]
    trainer = Trainer(model, run.encode(splits["train"]), run.encode(dev_examples), config.train, config.data,
                      directory, evaluate, fields=run.fields, objective=Objective(run.schema.prediction, output,
                                                                                  config.train),
                      sort_by=sort_by, device=device, world=world)
    if resume:
        trainer.resume()
    try:
        result = trainer.fit()
        barrier(world)  # every rank finished (the main process's last save too) before the group goes away
    finally:
        shutdown(world)
    run.model = model
    return run, result


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
