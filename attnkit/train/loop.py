"""The training loop: batches, loss, updates, evaluation, checkpoints, early stopping, resume.

A run directory receives ``checkpoints/last.pt`` (everything needed to resume exactly: model,
optimizer, schedule, RNG state, position in the epoch) and ``checkpoints/best.pt`` (the model
with the best dev score), both written atomically, and ``metrics.jsonl``, one line per
evaluation. A NaN/Inf loss stops the run keeping the last good checkpoint. Ctrl-C or SIGTERM
ends the run after the step in progress and saves last.pt there, so --resume continues exactly as
if nothing had happened (a second Ctrl-C stops at once, keeping the last consistent checkpoint).

The loop knows no model family, task or loss: the model maps a batch to an output, the
objective (attnkit.train.objectives) turns that into a loss, and ``evaluate`` scores the dev set.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from ..config import DataConfig, TrainConfig
from ..data import Batch, make_batches
from ..metrics import LOWER_IS_BETTER
from ..precision import autocast
from .board import Board
from .checkpoint import load_checkpoint, save_atomic, save_step_checkpoint
from .distributed import World, barrier, broadcast_from_main
from .objectives import Objective
from .optim import build_optimizer, build_scheduler
from .signals import StopRequests

Evaluate = Callable[[nn.Module], dict[str, float]]


PROGRESS_EVERY = 50  # steps between progress lines in train.log


class Interrupted(Exception):
    """Ctrl-C or SIGTERM seen at a step boundary; the message is the signal's name."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN or Inf; the message says where the last good checkpoint is."""


@dataclass
class Progress:
    """Where training stands; saved in every checkpoint so a resumed run continues exactly."""

    step: int = 0
    epoch: int = 0
    batch: int = 0  # next batch of the epoch
    best: float | None = None
    bad_evals: int = 0
    elapsed: float = 0.0
    history: list[dict] = field(default_factory=list)


@dataclass
class TrainResult:
    progress: Progress
    stopped_because: str


def higher_is_better(metric: str) -> bool:
    return metric != "loss" and metric not in LOWER_IS_BETTER


@torch.no_grad()
def dev_loss(model: nn.Module, objective: Objective, batches: Sequence[Batch], device: torch.device) -> float:
    """The main term's mean NLL per predicted unit over ``batches`` (auxiliary terms left out)."""
    model.eval()
    total, count = 0.0, 0
    for batch in batches:
        batch = batch.to(device)
        scored = objective.score_main(model(batch), batch)
        total += (scored.report * scored.units).item()
        count += int(scored.units)
    model.train()
    return total / max(count, 1)


class Trainer:
    """Trains ``model`` on encoded examples (dicts: field name -> encoded item) into ``run_dir``.

    ``fields`` collate the examples, sorted into batches by the fields ``sort_by`` names, in that
    order (or not sorted: data.bucket_by none); ``objective`` turns a model output into the loss.
    ``evaluate(model)`` returns dev metrics (e.g. exact_match, bleu, accuracy) on the predicted
    dev set; the trainer adds ``loss`` (the dev NLL per predicted unit).
    """

    def __init__(self, model: nn.Module, train: Sequence, dev: Sequence, config: TrainConfig,
                 data: DataConfig, run_dir: Path, evaluate: Evaluate, *, fields: Mapping[str, Any],
                 objective: Objective, sort_by: Sequence[str], device: torch.device,
                 world: World | None = None, log: Callable[[str], None] = print, eval_label: str = "",
                 attention_images: Callable[[nn.Module], list] | None = None) -> None:
        self.model, self.train_examples, self.config, self.data = model, train, config, data
        self.run_dir, self.evaluate, self.device, self.log = run_dir, evaluate, device, log
        self.fields, self.objective, self.sort_by = fields, objective, list(sort_by)
        # what the dev numbers are, e.g. " (greedy search, 500 sentences)", printed with them
        self.eval_label = eval_label
        # train.tensorboard: a Board on the main process, and what draws the dev attention for it
        self.world = world or World()
        self.board = Board(run_dir / "tensorboard") if config.tensorboard and self.world.main else None
        self.attention_images = attention_images
        self.dev_batches = make_batches(fields, list(dev)[: config.eval_sentences], data.max_tokens,
                                        sort_by=self.sort_by, shuffle=False, seed=0,
                                        max_sentences=data.max_sentences)
        self.optimizer = build_optimizer(model, config)
        self.scheduler = build_scheduler(self.optimizer, config)
        self.progress = Progress()
        self.wrapped = DistributedDataParallel(model) if self.world.size > 1 else model

    # ---- checkpoints ---------------------------------------------------------------------

    @property
    def last_path(self) -> Path:
        return self.run_dir / "checkpoints" / "last.pt"

    @property
    def best_path(self) -> Path:
        return self.run_dir / "checkpoints" / "best.pt"

    def save_last(self) -> None:
        if not self.world.main:
            return
        p = self.progress
        save_atomic({
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(), "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "objective": self.objective.state_dict(),
            "progress": {"step": p.step, "epoch": p.epoch, "batch": p.batch, "best": p.best,
                         "bad_evals": p.bad_evals, "elapsed": p.elapsed},
        }, self.last_path)
        if self.config.keep_checkpoints is not None:
            self._keep_step_checkpoint(self.config.keep_checkpoints)

    def _keep_step_checkpoint(self, keep: int) -> None:
        """checkpoints/step-<step>.pt (weights and step, like best.pt); only the newest ``keep`` stay."""
        save_step_checkpoint({"model": self.model.state_dict(), "step": self.progress.step},
                             self.run_dir / "checkpoints", keep)

    def resume(self) -> None:
        """Continue from checkpoints/last.pt: same step, optimizer, schedule and RNG state."""
        state = load_checkpoint(self.last_path, self.device)
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError as error:  # parameter names or shapes differ: another model's checkpoint
            first = str(error).strip().splitlines()[-1].strip()
            raise ValueError(f"{self.last_path} holds a different model than this config builds ({first}); "
                             "resume with the run's own config.yaml") from None
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng_cpu"].cpu())
        if state["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["rng_cuda"]])
        self.objective.load_state_dict(state.get("objective", {}))
        self.progress = Progress(**state["progress"])
        if self.world.main:
            _keep_records_until(self.run_dir / "metrics.jsonl", self.progress.step)
        self.log(f"resumed from {self.last_path} at step {self.progress.step}")

    def _log_file(self, line: str) -> None:
        """Append one line to RUN_DIR/train.log (main process): the evaluations, progress every
        PROGRESS_EVERY steps and the stops, as the progress bar shows them."""
        if self.world.main:
            with open(self.run_dir / "train.log", "a", encoding="utf-8") as log:
                log.write(line + "\n")

    # ---- the loop ------------------------------------------------------------------------

    def epoch_batches(self, epoch: int) -> list[Batch]:
        batches = make_batches(self.fields, self.train_examples, self.data.max_tokens, sort_by=self.sort_by,
                               shuffle=True, seed=self.config.seed + epoch, max_sentences=self.data.max_sentences,
                               sort=self.data.bucket_by != "none")
        if self.world.size > 1:  # every rank gets the same number of batches
            usable = len(batches) // self.world.size * self.world.size
            batches = batches[self.world.rank:usable:self.world.size]
        return batches

    def fit(self) -> TrainResult:
        try:
            with StopRequests() as stop:
                return self._fit(stop)
        finally:
            if self.board is not None:
                self.board.close()

    def _fit(self, stop: StopRequests) -> TrainResult:
        config, p = self.config, self.progress
        interactive = sys.stderr.isatty()
        bar = tqdm(total=config.max_steps, initial=p.step, disable=not config.progress or not self.world.main,
                   unit="step", dynamic_ncols=True, leave=False, mininterval=0.5 if interactive else 30.0)
        started, tokens_seen, window_start = time.monotonic() - p.elapsed, 0, time.monotonic()
        reason, loss, rate = "max_steps", float("nan"), 0.0
        self.model.train()
        try:
            while p.step < config.max_steps and reason == "max_steps":
                batches = self.epoch_batches(p.epoch)
                while p.batch < len(batches):
                    batch = batches[p.batch].to(self.device)
                    loss, units = self._update(batch)
                    p.step, p.batch = p.step + 1, p.batch + 1
                    p.elapsed = time.monotonic() - started
                    tokens_seen += units
                    rate = tokens_seen / max(time.monotonic() - window_start, 1e-9)
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{rate:,.0f}", epoch=p.epoch, refresh=False)
                    if self.board is not None:
                        self.board.training(p.step, loss, self.scheduler.get_last_lr()[0], rate)
                    if p.step % PROGRESS_EVERY == 0:
                        self._log_file(f"step {p.step}/{config.max_steps}: loss {loss:.4f}, {rate:,.0f} tok/s, "
                                       f"epoch {p.epoch}, {p.elapsed:.0f} s")
                    reason = self._maybe_stop_or_evaluate(loss, rate)
                    if stop.requested:
                        raise Interrupted(stop.reason)
                    if reason != "max_steps" or p.step >= config.max_steps:
                        break
                else:
                    p.epoch, p.batch = p.epoch + 1, 0
            # a final evaluation unless the last step had one; decided from the step alone, the
            # same on every rank (only the main process keeps history), or the collectives in
            # _evaluate would wait for ranks that never come
            if reason == "max_steps" and p.step % config.eval_every:
                self._evaluate(loss, rate)
        except Interrupted as signal_name:  # at a step boundary: the state is whole, resuming is exact
            self.save_last()
            bar.close()
            self.log(f"\n{signal_name} at step {p.step}: saved {self.last_path}; continue with --resume")
            self._log_file(f"{signal_name} at step {p.step}: saved {self.last_path}")
            raise KeyboardInterrupt from None
        except KeyboardInterrupt:  # a second Ctrl-C, mid-step: keep the last consistent checkpoint
            bar.close()
            self.log(f"\nstopped mid-step at step {p.step}; {self.last_path} is from the last evaluation or stop")
            raise
        bar.close()
        self.save_last()
        return TrainResult(p, reason)

    def _update(self, batch: Batch) -> tuple[float, int]:
        """One optimizer step; returns the reported loss and the units (tokens, examples) predicted."""
        with autocast(self.device, self.config.precision):
            scored = self.objective(self.wrapped(batch), batch)
        loss = scored.loss
        if not torch.isfinite(loss):
            raise TrainingDiverged(
                f"the training loss became {loss.item()} at step {self.progress.step + 1}; the last good "
                f"checkpoint is {self.last_path if self.last_path.exists() else '(none yet)'}. Lower "
                "train.lr, set train.clip_norm, or add warm-up (train.warmup_steps).")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.clip_norm:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.clip_norm)
        self.optimizer.step()
        self.scheduler.step()
        return scored.report.item(), int(scored.units)

    def _maybe_stop_or_evaluate(self, loss: float, rate: float) -> str:
        p, config = self.progress, self.config
        over_time = config.max_minutes is not None and p.elapsed >= config.max_minutes * 60
        if p.step % config.eval_every and not over_time:
            return "max_steps"
        score = self._evaluate(loss, rate)
        if over_time:
            return "max_minutes"
        if config.target_score is not None and score is not None and (
                score >= config.target_score if higher_is_better(config.metric) else score <= config.target_score):
            return "target_score"
        if config.patience is not None and p.bad_evals >= config.patience:
            return "early_stopping"
        return "max_steps"

    def _evaluate(self, loss: float, rate: float) -> float | None:
        """Dev loss and metrics on the main process; checkpoints; one metrics.jsonl line."""
        p, config = self.progress, self.config
        score = None
        if self.world.main:
            metrics = ({"loss": dev_loss(self.model, self.objective, self.dev_batches, self.device)}
                       if self.dev_batches else {})
            metrics.update(self.evaluate(self.model))
            self.model.train()
            score = metrics.get(config.metric)
            better = score is not None and (p.best is None or (
                score > p.best if higher_is_better(config.metric) else score < p.best))
            if better:
                p.best, p.bad_evals = score, 0
                save_atomic({"model": self.model.state_dict(), "step": p.step, "score": score}, self.best_path)
            elif score is not None:
                p.bad_evals += 1
            record = {"step": p.step, "epoch": p.epoch, "train_loss": round(loss, 5),
                      "lr": self.scheduler.get_last_lr()[0], "tokens_per_s": round(rate, 1),
                      "elapsed_s": round(p.elapsed, 2),
                      **{f"dev_{k}": (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v)
                         for k, v in metrics.items()}}
            p.history.append(record)
            with open(self.run_dir / "metrics.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
            line = f"step {p.step}: train loss {loss:.4f}, dev{self.eval_label} {shown}"
            tqdm.write(line)
            if self.board is not None:
                images = self.attention_images(self.model) if self.attention_images else []
                self.model.train()
                self.board.evaluation(p.step, metrics, images)
            self._log_file(f"{line} (lr {record['lr']:.3g}, {rate:,.0f} tok/s, {p.elapsed:.0f} s)")
            sys.stdout.flush()
            self.save_last()
        barrier(self.world)
        if self.world.size > 1:  # every rank takes the main process's stopping decision
            has_score, value, bad = broadcast_from_main(
                [float(score is not None), score or 0.0, float(p.bad_evals)], self.world)
            score, p.bad_evals = (value if has_score else None), int(bad)
        return score


def _keep_records_until(path: Path, step: int) -> None:
    """Drop metrics.jsonl records after ``step`` (written after the checkpoint a run resumes from,
    e.g. by a run killed between an evaluation's log line and its save), so no step is logged twice."""
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = []
    for line in lines:
        try:
            if json.loads(line).get("step", 0) > step:
                continue
        except (json.JSONDecodeError, AttributeError):
            continue  # a line cut short by a kill
        kept.append(line)
    if len(kept) != len(lines):
        path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
