"""Configuration: frozen, typed dataclasses, one per section, validated on load.

Each field's default lives here, once; its help text sits in the field's metadata and feeds the
CLI and docs (``attnkit train --help-config``). YAML files and ``--set a.b=value`` overrides go
through the same checks: unknown keys, wrong types and bad choices fail naming the key and
where it came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (a second `train:` section would
    otherwise silently replace the first)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(f"line {key_node.start_mark.line + 1}: '{key}' is given twice in the same section "
                                  f"(first on line {seen[key]}); merge the two")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


class ConfigError(ValueError):
    """A user mistake in a config file or a --set override; the message names key and source."""


def option(default: Any, help: str, choices: Callable[[], Sequence[str]] | None = None, **kwargs: Any) -> Any:
    """A dataclass field with its help text; ``choices`` names the values a key typed ``str``
    takes from a registry (a function, called when the options are listed), as a ``Literal``
    hint does for a fixed set."""
    metadata = {"help": help, **({"choices": choices} if choices else {})}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata, **kwargs)
    return field(default=default, metadata=metadata, **kwargs)


def _mechanism_names() -> list[str]:
    from .attention import names  # a leaf beside this one, imported only to list the names

    return names()


def _metric_names() -> list[str]:
    from .metrics import METRICS  # a leaf, imported only to list the names

    return [*METRICS, "loss"]


def _task_names() -> list[str]:
    from .tasks import names  # as above

    return names()


def _format_names() -> list[str]:
    from .tasks.files import FILE_FORMATS  # as above

    return list(FILE_FORMATS)


@dataclass(frozen=True)
class AttentionConfig:
    name: str = option("additive", "mechanism name from `attnkit mechanisms` (aliases work)",
                       choices=_mechanism_names)
    options: dict = option({}, "mechanism options, e.g. {window: 5} for local_p; see `attnkit mechanisms`")


@dataclass(frozen=True)
class ModelOptions:
    """What every model family's options share. A family subclasses this with its own keys
    (``attnkit.models``, one dataclass per family) and registers it with ``register_model``;
    ``model.type`` picks the class the rest of the ``model`` section is validated against."""

    type: str = option("rnn", "model family (`attnkit config` lists each family's keys)")
    init: Literal["default", "uniform", "xavier"] = option(
        "default", "parameter initialisation: each module's own (default), U(-init_range, init_range) for "
                   "every parameter (uniform, Luong 2015 / OpenNMT's RNNs) or Xavier-uniform (xavier)")
    init_range: float = option(0.1, "init: uniform: the range r of U(-r, r)")

    def problems(self) -> list[str]:
        """Bad combinations of this family's values, one message each (empty: all good)."""
        return [] if self.init_range > 0 else ["model.init_range must be positive"]


MODEL_FAMILIES: dict[str, type[ModelOptions]] = {}


def register_model(name: str, options: type[ModelOptions]) -> None:
    """Make ``model.type: name`` validate the model section against ``options``."""
    if not (dataclasses.is_dataclass(options) and issubclass(options, ModelOptions)):
        raise TypeError(f"model family {name!r}: its options must be a dataclass subclassing ModelOptions")
    MODEL_FAMILIES[name] = options


def model_config(type: str = "rnn", **values: Any) -> ModelOptions:
    """The options of model family ``type`` with ``values`` (Python's counterpart of a YAML
    ``model:`` section; unknown families and keys raise ConfigError)."""
    return _build_model({"type": type, **values}, "model", "model_config()")


def _default_model() -> ModelOptions:
    return _build_model({}, "model", "defaults")


@dataclass(frozen=True)
class DataConfig:
    task: str | None = option("dates", "embedded task from `attnkit tasks`; null to read files",
                              choices=_task_names)
    task_options: dict = option({}, "task options, e.g. {max_len: 30} for reverse")
    format: str = option("text", "users' files (task null): text (a TSV source<TAB>target or two aligned files) "
                                 "or nli (SNLI/MultiNLI .jsonl, or a premise<TAB>hypothesis<TAB>label TSV), "
                                 "speech (a TSV audio-path<TAB>transcript), kaldi (a directory with wav.scp and "
                                 "text) or captions (image<TAB>caption lines, several per image, images beside "
                                 "the file or in 'captions.txt,FOLDER')",
                         choices=_format_names)
    train: str | None = option(None, "training data: a TSV file (source<TAB>target) or two aligned "
                                     "files 'src.txt,tgt.txt' (used when task is null); see data.format")
    dev: str | None = option(None, "dev data, same forms as train")
    test: str | None = option(None, "test data, same forms as train")
    header: bool = option(False, "TSV files start with a header line to skip")
    tokenizer: Literal["auto", "char", "word", "sentencepiece"] = option(
        "auto", "tokenizer of the text fields; auto = the task's own, or word for files")
    sentencepiece_vocab_size: int = option(8000, "subword vocabulary size when tokenizer is sentencepiece")
    vocab_size: int | None = option(None, "keep the most frequent tokens of each text vocabulary, the four specials "
                                          "included (the rest read as <unk>, or are copied by a copying model); "
                                          "null: every training token")
    max_len: int = option(200, "drop training pairs longer than this many tokens (counted warning)")
    strict: bool = option(False, "make empty or over-long lines an error instead of dropping them")
    max_tokens: int = option(4096, "token budget of a training batch (padded source + target tokens)")
    max_sentences: int | None = option(None, "cap on sentences per batch")
    bucket_by: Literal["target", "source", "none"] = option(
        "target", "length that sorts training examples into batches first: target (the predicted field: least "
                  "decoder padding), source (the input fields) or none (shuffled batches that mix lengths: a model "
                  "with batch norm then sees in training the mix that its running statistics average over)")


@dataclass(frozen=True)
class TrainConfig:
    optimizer: Literal["adam", "adamw"] = option("adam", "optimizer")
    lr: float = option(2e-3, "peak learning rate")
    weight_decay: float = option(0.0, "weight decay (decoupled for adamw)")
    schedule: Literal["constant", "inverse_sqrt", "linear", "exponential"] = option(
        "constant", "learning-rate schedule after warm-up")
    warmup_steps: int = option(0, "linear warm-up steps")
    decay_rate: float = option(0.5, "exponential schedule: factor per decay_steps")
    decay_steps: int = option(1000, "exponential schedule: steps per decay_rate factor")
    max_steps: int = option(3000, "stop after this many updates")
    max_minutes: float | None = option(None, "stop after this much wall-clock training time")
    precision: Literal["fp32", "bf16"] = option(
        "fp32", "bf16: mixed precision (forward passes under torch.autocast bfloat16; weights, gradients and "
                "optimizer in float32): faster matrix products on CPUs with AMX/AVX512-BF16 and recent GPUs")
    label_smoothing: float = option(0.0, "label smoothing of the cross-entropy")
    clip_norm: float | None = option(1.0, "clip the gradient norm to this value (null: no clipping)")
    eval_every: int = option(250, "evaluate on dev and write checkpoints every this many updates")
    keep_checkpoints: int | None = option(
        None, "keep the last N evaluation checkpoints as checkpoints/step-<step>.pt besides last.pt and best.pt "
              "(`attnkit average` averages them); null: none")
    eval_sentences: int = option(500, "dev sentences decoded at each evaluation")
    metric: str = option(
        "exact_match", "dev metric for the best checkpoint and early stopping (one of the task's metrics, or loss)",
        choices=_metric_names)
    patience: int | None = option(5, "stop after this many evaluations without improvement (null: never)")
    target_score: float | None = option(None, "stop as soon as the dev metric reaches this value")
    seed: int = option(0, "seed for initialisation, batching and sampling")
    device: str = option("auto", "auto (cuda when available), cpu, cuda or cuda:N")
    threads: int | None = option(None, "torch CPU threads (null: torch's default)")
    reinforce_decay: float = option(0.9, "hard attention: moving-average decay of the REINFORCE baseline")
    reinforce_entropy: float = option(0.01, "hard attention: weight of the entropy bonus")
    doubly_stochastic_weight: float = option(
        1.0, "lambda of the doubly stochastic penalty lambda sum_i (1 - sum_t alpha_ti)^2 (Xu et al. 2015 eq. 14), "
             "applied when a model asks for it (show_attend_tell: model.doubly_stochastic)")
    coverage_weight: float = option(
        1.0, "lambda of the coverage loss lambda sum_i min(a_ti, c_ti) (See et al. 2017 eq. 13), applied when a "
             "model asks for it (model.coverage_loss)")
    progress: bool = option(True, "show a progress bar")
    tensorboard: bool = option(False, "log losses, learning rate, dev metrics and the attention of a few dev "
                                      "examples to RUN_DIR/tensorboard (needs pip install 'attnkit[tensorboard]')")


@dataclass(frozen=True)
class DecodeConfig:
    beam_size: int = option(1, "beam width; 1 is greedy search")
    length_penalty: float = option(1.0, "alpha of the length normalisation score / length**alpha")
    max_length_ratio: float = option(2.0, "stop at ratio * source length + max_length_extra tokens")
    max_length_extra: int = option(10, "see max_length_ratio")
    max_output_tokens: int = option(512, "hard cap on an output's length whatever the ratio gives (bounds "
                                         "decoding memory and time)")
    max_input_tokens: int = option(1024, "longer inputs are refused with a message naming them (one line of "
                                         "`attnkit translate`), never decoded into an out-of-memory crash")
    min_output_tokens: int = option(0, "the end of output is ruled out before this many tokens (greedy and beam)")
    no_repeat_ngram: int = option(0, "never write the same n-gram of this many tokens twice in one output, e.g. 3 "
                                     "(trigram blocking, Paulus et al. 2018); 0: no blocking")
    n_best: int = option(1, "hypotheses returned per source (<= beam_size)")
    early_stop: bool = option(True, "beam search: a source is done when its n_best best beams have ended "
                                    "(exact without length penalty); false: when all its beams have")
    batch_size: int = option(64, "sentences decoded at once")
    precision: Literal["fp32", "bf16"] = option("fp32", "bf16: decode under torch.autocast bfloat16 (see "
                                                        "train.precision); pays off for large beams, while "
                                                        "greedy steps are too small and get slower")


@dataclass(frozen=True)
class Config:
    model: ModelOptions = field(default_factory=_default_model, metadata={"help": "the model", "family": True})
    data: DataConfig = field(default_factory=DataConfig, metadata={"help": "the data"})
    train: TrainConfig = field(default_factory=TrainConfig, metadata={"help": "training"})
    decode: DecodeConfig = field(default_factory=DecodeConfig, metadata={"help": "decoding"})


# ---- validation ----------------------------------------------------------------------------


def _check_value(value: Any, hint: Any, key: str, source: str) -> Any:
    """Check ``value`` against the type ``hint``; returns the value (ints widen to floats)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        choices = typing.get_args(hint)
        if value is None and type(None) in choices:
            return None
        errors = []
        for choice in (c for c in choices if c is not type(None)):
            try:
                return _check_value(value, choice, key, source)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0])
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ConfigError(f"{source}: {key} must be one of {', '.join(map(str, allowed))}; got {value!r}")
        return value
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key, source)
    expected = {int: "an integer", float: "a number", bool: "true or false", str: "a string",
                dict: "a mapping"}[hint]
    if hint is float and isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads 1e-3 (no dot) as a string; it is the number the user meant
    ok = (isinstance(value, hint) and not (hint is int and isinstance(value, bool))) or (
        hint is float and isinstance(value, int) and not isinstance(value, bool))
    if not ok:
        raise ConfigError(f"{source}: {key} must be {expected}; got {value!r}")
    return float(value) if hint is float else value


def _build(cls: type, data: Any, prefix: str, source: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {prefix or 'the config'} must be a mapping of keys; got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values = {}
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{source}: unknown key '{full}'{hint}; valid keys"
                              f"{' in ' + repr(prefix) if prefix else ''}: {', '.join(names)}")
        if dataclasses.fields(cls)[names.index(key)].metadata.get("family"):
            values[key] = _build_model(value, full, source)
        else:
            values[key] = _check_value(value, hints[key], full, source)
    return cls(**values)


def _build_model(data: Any, prefix: str, source: str) -> ModelOptions:
    """The model section, validated against the options of the family its ``type`` names."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {prefix} must be a mapping of keys; got {data!r}")
    name = data.get("type", "rnn")
    if name not in MODEL_FAMILIES:
        known = ", ".join(MODEL_FAMILIES) or "none registered (import attnkit.models)"
        raise ConfigError(f"{source}: {prefix}.type must be one of {known}; got {name!r}")
    cls = MODEL_FAMILIES[name]
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            others = [family for family, options in MODEL_FAMILIES.items()
                      if key in [f.name for f in dataclasses.fields(options)]]
            elsewhere = f" (it is an option of model.type {' / '.join(others)})" if others else ""
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close and not others else ""
            raise ConfigError(f"{source}: {prefix}.{key} is not an option of model.type {name}{elsewhere}{hint}; "
                              f"its keys: {', '.join(names)}")
    options = _build(cls, data, prefix, source)
    for problem in options.problems():
        raise ConfigError(f"{source}: {problem}")
    return options


def _check_combinations(config: Config, source: str) -> None:
    checks = [
        (config.data.task is not None or config.data.train is not None,
         "data.task is null, so data.train must name a training file"),
        (config.data.format in _format_names(),
         f"data.format {config.data.format!r} is not a file format; choose one of {', '.join(_format_names())}"),
        (config.data.max_tokens > 0, "data.max_tokens must be positive"),
        (config.data.vocab_size is None or config.data.vocab_size > 4,
         "data.vocab_size must be more than 4 (the specials), or null: every training token"),
        (config.train.metric in _metric_names(),
         f"train.metric must be one of {', '.join(_metric_names())}; got {config.train.metric!r}"),
        (config.data.max_sentences is None or config.data.max_sentences > 0,
         "data.max_sentences must be positive (or null: no cap)"),
        (config.train.max_steps > 0, "train.max_steps must be positive"),
        (config.train.lr > 0, "train.lr must be positive"),
        (config.train.eval_every > 0, "train.eval_every must be positive"),
        (config.train.keep_checkpoints is None or config.train.keep_checkpoints >= 1,
         "train.keep_checkpoints must be at least 1 (or null: keep none)"),
        (0 <= config.train.label_smoothing < 1, "train.label_smoothing must be in [0, 1)"),
        (config.decode.beam_size >= 1, "decode.beam_size must be at least 1"),
        (config.decode.batch_size >= 1, "decode.batch_size must be at least 1"),
        (config.decode.max_output_tokens >= 1 and config.decode.max_input_tokens >= 1,
         "decode.max_output_tokens and decode.max_input_tokens must be at least 1"),
        (1 <= config.decode.n_best <= config.decode.beam_size, "decode.n_best must be in 1..beam_size"),
        (config.decode.min_output_tokens >= 0, "decode.min_output_tokens must be 0 or more"),
        (config.decode.no_repeat_ngram >= 0, "decode.no_repeat_ngram must be 0 (off) or a positive n-gram length"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{source}: {message}")


def config_from_dict(data: Any, source: str = "config") -> Config:
    """Validate a plain mapping (parsed YAML) into a Config."""
    config = _build(Config, data, "", source)
    _check_combinations(config, source)
    return config


def parse_override(text: str) -> tuple[list[str], Any]:
    """'model.hidden_dim=256' -> (['model', 'hidden_dim'], 256); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected key=value, e.g. --set model.hidden_dim=256")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as e:
        raise ConfigError(f"--set {text!r}: the value is not valid YAML ({e})") from None
    return key.strip().split("."), value


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """A copy of the raw mapping ``data`` with each 'a.b=value' override set."""
    merged = yaml.safe_load(yaml.safe_dump(data)) or {}
    for text in overrides:
        path, value = parse_override(text)
        node = merged
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {text!r}: '{part}' is not a section")
            node = child
        node[path[-1]] = value
    return merged


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a YAML config; errors name the file and key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    data = _resolve_data_paths(data or {}, path.parent.resolve())
    overridden = apply_overrides({}, overrides or [])
    data = _resolve_data_paths(apply_overrides(data, overrides or []), Path.cwd(),
                               only=set((overridden.get("data") or {}) if isinstance(overridden.get("data"), dict)
                                        else ()))
    source = f"{path}" + (" with --set overrides" if overrides else "")
    return config_from_dict(data, source)


DATA_FILES = ("train", "dev", "test")


def _resolve_data_paths(data: Any, base: Path, only: set[str] | None = None) -> Any:
    """data.train/dev/test made absolute against ``base`` (the config file's folder for values
    written in it, the current directory for --set values), so a run works from any directory;
    ``only`` limits it to those keys. 'a.tsv' and 'src.txt,tgt.txt' forms both."""
    section = data.get("data") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return data
    section = dict(section)
    for key in DATA_FILES:
        value = section.get(key)
        if isinstance(value, str) and value.strip() and (only is None or key in only):
            section[key] = ",".join(str(base / Path(part.strip())) if not Path(part.strip()).is_absolute()
                                    else part.strip() for part in value.split(","))
    return {**data, "data": section}


def to_dict(config: Config) -> dict:
    """The config as a plain mapping (for saving beside a run)."""
    return dataclasses.asdict(config)


def save_config(config: Config, path: Path) -> None:
    path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False), encoding="utf-8")


def choices_of(f: dataclasses.Field, hint: Any) -> list[str]:
    """The values key ``f`` allows when they form a fixed set: its registry's names
    (``option(..., choices=...)``) or its ``Literal`` hint's; [] for an open-ended key."""
    if "choices" in f.metadata:
        return [str(name) for name in f.metadata["choices"]()]
    return _literal_values(hint)


def _literal_values(hint: Any) -> list[str]:
    """A ``Literal[...]`` hint's values as text, looking inside ``Literal[...] | None``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [value for arg in typing.get_args(hint) for value in _literal_values(arg)]
    return [str(value) for value in typing.get_args(hint)] if typing.get_origin(hint) is Literal else []


def _with_choices(help_text: str, choices: Sequence[str]) -> str:
    return f"{help_text}; one of: {', '.join(choices)}" if choices else help_text


def describe_fields(cls: type = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, help) for every option, for `attnkit config` and the docs; the help of a
    key with a fixed set of values ends "; one of: a, b, c"."""
    rows = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        hint = hints[f.name]
        if f.metadata.get("family"):
            rows.extend(describe_model_fields(key + "."))
            continue
        if dataclasses.is_dataclass(hint):
            rows.extend(describe_fields(hint, key + "."))
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        rows.append((key, repr(default), _with_choices(f.metadata.get("help", ""), choices_of(f, hint))))
    return rows


def describe_model_fields(prefix: str = "model.") -> list[tuple[str, str, str]]:
    """(key, default, help) of the model section: the keys every family shares (type, init,
    init_range) once, then each registered family's own keys, their help starting "[family]"."""
    shared = [f.name for f in dataclasses.fields(ModelOptions)]
    rows = [(f"{prefix}type", repr("rnn"), _with_choices("model family", list(MODEL_FAMILIES)))]
    rows += [row for row in describe_fields(ModelOptions, prefix) if row[0] != f"{prefix}type"]
    for family, options in MODEL_FAMILIES.items():
        own = [row for row in describe_fields(options, prefix) if row[0][len(prefix):].split(".")[0] not in shared]
        rows += [(key, default, f"[{family}] {help_text}") for key, default, help_text in own]
    return rows
