"""A run directory: everything needed to pick a trained model up again by pointing at it.

    RUN_DIR/config.yaml            the validated config
    RUN_DIR/source_tokenizer/      tokenizer (sentencepiece model included) for each side
    RUN_DIR/target_tokenizer/
    RUN_DIR/source_vocab.json      vocabularies
    RUN_DIR/target_vocab.json
    RUN_DIR/checkpoints/best.pt    best dev score; last.pt: everything to resume
    RUN_DIR/metrics.jsonl          one line per evaluation
    RUN_DIR/plots/                 heatmaps written by `attnkit plot` and the demo
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml
from torch import nn

from .config import Config, ConfigError, DecodeConfig, config_from_dict, save_config
from .data import (
    DataError,
    Pair,
    Tokenizer,
    Vocabulary,
    build_tokenizer,
    encode_pairs,
    load_tokenizer,
    read_parallel,
)
from .decode import Hypothesis, decode_all
from .metrics import bleu, chrf, exact_match
from .models import build_model
from .tasks import get_task
from .train import Trainer, TrainResult, init_world, load_checkpoint, shutdown
from .train.distributed import barrier

log = logging.getLogger("attnkit")


class RunError(ValueError):
    """A run directory that is missing, incomplete or in the way; the message says which."""


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"train.device is {name!r} but CUDA is not available here; use auto or cpu")
    return torch.device(name)


# ---- data ------------------------------------------------------------------------------------


def read_files(spec: str, config: Config, split: str) -> list[Pair]:
    """'data.tsv' or 'src.txt,tgt.txt' -> pairs; training data is length-filtered."""
    parts = [Path(p.strip()) for p in spec.split(",")]
    if len(parts) > 2:
        raise ConfigError(f"data.{split}: expected a TSV file or 'source,target' files; got {spec!r}")
    pairs, report = read_parallel(parts[0], parts[1] if len(parts) == 2 else None,
                                  max_len=config.data.max_len if split == "train" else None,
                                  strict=config.data.strict, header=config.data.header)
    return pairs


def load_splits(config: Config) -> dict[str, list[Pair]]:
    """The data the config names: a task's splits, or files for train/dev/test."""
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


def tokenizer_name(config: Config) -> str:
    if config.data.tokenizer != "auto":
        return config.data.tokenizer
    return get_task(config.data.task).tokenizer if config.data.task else "word"


# ---- the run ---------------------------------------------------------------------------------


@dataclass
class Translation:
    """A decoded sentence: text, its tokens, the source tokens, score and alignment
    (len(target_tokens) + 1, len(source_tokens)), the last row for the end of sentence."""

    text: str
    tokens: list[str]
    source_tokens: list[str]
    score: float
    alignment: torch.Tensor | None

    @property
    def alignment_labels(self) -> list[str]:
        """Labels of the alignment's rows: the output tokens, and </s> when the search ended with
        one (a hypothesis cut off at the length limit has no end-of-sentence row)."""
        rows = 0 if self.alignment is None else self.alignment.shape[0]
        return self.tokens + ["</s>"] if rows > len(self.tokens) else list(self.tokens)


@dataclass
class Run:
    directory: Path
    config: Config
    source_tokenizer: Tokenizer
    target_tokenizer: Tokenizer
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    model: nn.Module | None = None
    device: torch.device = torch.device("cpu")

    def build_model(self) -> nn.Module:
        self.model = build_model(self.config.model, len(self.source_vocab), len(self.target_vocab))
        return self.model.to(self.device)

    def encode(self, pairs: list[Pair]) -> list:
        """Token ids of both sides of each pair (no specials)."""
        return encode_pairs(pairs, self.source_tokenizer, self.target_tokenizer, self.source_vocab,
                            self.target_vocab)

    def encode_sources(self, texts: list[str]) -> list[list[int]]:
        return [self.source_vocab.encode(self.source_tokenizer.encode(text)) for text in texts]

    def translate(self, texts: list[str], decode: DecodeConfig | None = None) -> list[list[Translation]]:
        """Decode each text; returns the n-best list of each, best first."""
        decode = decode or self.config.decode
        sources = self.encode_sources(texts)
        found = decode_all(self.model, sources, decode, self.device)
        return [[self._translation(h, self.source_tokenizer.encode(text)) for h in hyps]
                for text, hyps in zip(texts, found, strict=True)]

    def _translation(self, hypothesis: Hypothesis, source_tokens: list[str]) -> Translation:
        tokens = self.target_vocab.decode(hypothesis.tokens)
        return Translation(self.target_tokenizer.decode(tokens), tokens, source_tokens, hypothesis.score,
                           hypothesis.alignment)

    def save_vocabularies(self) -> None:
        self.source_tokenizer.save(self.directory / "source_tokenizer")
        self.target_tokenizer.save(self.directory / "target_tokenizer")
        self.source_vocab.save(self.directory / "source_vocab.json")
        self.target_vocab.save(self.directory / "target_vocab.json")


def quick_scores(hypotheses: list[str], references: list[str]) -> dict[str, float]:
    """exact match, BLEU and chrF of a decoded set (percent)."""
    return {"exact_match": exact_match(hypotheses, references).value,
            "bleu": bleu(hypotheses, references).value, "chrf": chrf(hypotheses, references).value}


def prepare_run(config: Config, directory: Path, splits: dict[str, list[Pair]]) -> Run:
    """Fit tokenizers and vocabularies on the training data and save them with the config."""
    directory.mkdir(parents=True, exist_ok=True)
    save_config(config, directory / "config.yaml")
    name = tokenizer_name(config)
    options = {"vocab_size": config.data.sentencepiece_vocab_size} if name == "sentencepiece" else {}
    sources, targets = [p.source for p in splits["train"]], [p.target for p in splits["train"]]
    if config.model.share_embeddings:  # one tokenizer and one vocabulary for both sides
        shared = build_tokenizer(name, **options)
        shared.fit(sources + targets, directory / "source_tokenizer")
        vocab = Vocabulary.build([shared.encode(text) for text in sources + targets])
        tokenizers, vocabs = [shared, shared], [vocab, vocab]
    else:
        tokenizers = []
        for side, texts in (("source", sources), ("target", targets)):
            tokenizer = build_tokenizer(name, **options)
            tokenizer.fit(texts, directory / f"{side}_tokenizer")
            tokenizers.append(tokenizer)
        vocabs = [Vocabulary.build([tok.encode(text) for text in texts])
                  for tok, texts in zip(tokenizers, (sources, targets), strict=True)]
    run = Run(directory, config, tokenizers[0], tokenizers[1], vocabs[0], vocabs[1],
              device=pick_device(config.train.device))
    run.save_vocabularies()
    return run


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
    splits = load_splits(config)
    device = pick_device(config.train.device)
    world = init_world(device)
    if world.size > 1 and device.type == "cuda":
        device = torch.device("cuda", world.local_rank)
    if world.main and not resume:
        run = prepare_run(config, directory, splits)
    barrier(world)  # under torchrun the main process writes the run directory before the others read it
    if resume or not world.main:
        run = open_run(directory, checkpoint=None)
        run.config = config
    run.device = device
    torch.manual_seed(config.train.seed)
    model = run.build_model()
    train_examples = run.encode(splits["train"])
    dev_pairs = splits["dev"][: config.train.eval_sentences]
    dev_examples = run.encode(dev_pairs)
    references = [p.target for p in dev_pairs]

    def evaluate(model: nn.Module) -> dict[str, float]:
        # float32 even for bf16 training: greedy steps are small, and autocast's casts made them slower
        found = decode_all(model, [s for s, _ in dev_examples], DecodeConfig(batch_size=256), device)
        hypotheses = [run.target_tokenizer.decode(run.target_vocab.decode(h[0].tokens)) for h in found]
        return quick_scores(hypotheses, references)

    trainer = Trainer(model, train_examples, dev_examples, config.train, config.data, directory, evaluate,
                      device=device, world=world)
    if resume:
        trainer.resume()
    try:
        result = trainer.fit()
        barrier(world)  # every rank finished (the main process's last save too) before the group goes away
    finally:
        shutdown(world)
    run.model = model
    return run, result


def open_run(directory: Path, *, checkpoint: str | None = "best") -> Run:
    """Load a run directory; with ``checkpoint`` ("best" or "last") the model weights too."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RunError(f"run directory not found: {directory} (train one with `attnkit train CONFIG "
                       "--run-dir DIR`)")
    config_path = directory / "config.yaml"
    if not config_path.is_file():
        raise RunError(f"{directory} is not an attnkit run directory: it has no config.yaml")
    config = config_from_dict(yaml.safe_load(config_path.read_text(encoding="utf-8")), str(config_path))
    try:
        run = Run(directory, config, load_tokenizer(directory / "source_tokenizer"),
                  load_tokenizer(directory / "target_tokenizer"),
                  Vocabulary.load(directory / "source_vocab.json"),
                  Vocabulary.load(directory / "target_vocab.json"),
                  device=pick_device(config.train.device))
    except (FileNotFoundError, DataError) as e:
        raise RunError(f"{directory} is incomplete: {e}") from None
    if checkpoint is not None:
        path = directory / "checkpoints" / f"{checkpoint}.pt"
        if not path.is_file():
            raise RunError(f"{directory} has no {checkpoint} checkpoint yet ({path}); train it first")
        run.build_model().load_state_dict(load_checkpoint(path, run.device)["model"])
        run.model.eval()
    return run
