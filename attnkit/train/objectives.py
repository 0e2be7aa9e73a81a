"""Training objectives, composed from named terms instead of hard-coded in the loop.

An :class:`Objective` is one main term, chosen by the task's prediction kind (token
cross-entropy for generated sequences, class cross-entropy for labels), plus the auxiliary terms
a model asks for by name in ``ModelOutput.aux`` (``"reinforce"`` for hard attention). Each term
owns its options and its state (REINFORCE's moving-average baseline), which the objective saves
in every checkpoint, so a resumed run continues with the same baseline.

    loss = main(out, batch) + sum over aux names n of TERMS[n](out.aux[n], main result)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ..config import TrainConfig
from ..data import Batch
from ..fields import IGNORE_INDEX, PAD
from .token_loss import token_nll


@dataclass
class Scored:
    """A main term's result: ``loss`` to minimise, ``report`` (the mean NLL per predicted unit,
    for logs), ``units`` (tokens or examples predicted), and per example ``nll`` (B,) summed over
    its units, the reward an auxiliary term may use."""

    loss: Tensor
    report: Tensor
    units: Tensor
    nll: Tensor


class TokenCrossEntropy:
    """Token cross-entropy (``token_nll``) of logits (B, T, V) against batch[field].data (B, T),
    padding (``ignore_index``) ignored, with label smoothing: (1 - eps) NLL + eps * mean_v(-log p_v),
    per target token."""

    ignore_index = PAD  # text targets pad with PAD

    def __init__(self, field: str, label_smoothing: float = 0.0) -> None:
        self.field, self.smoothing = field, label_smoothing

    def __call__(self, logits: Tensor, batch: Batch, targets: Tensor | None = None) -> Scored:
        """``targets`` (B, T): ids to score instead of batch[field].data (ModelOutput.targets)."""
        logits = logits.float()  # (B, T, V)
        target = batch[self.field]
        tokens, valid = target.data if targets is None else targets, target.mask  # (B, T) each
        # flat (B*T, V) rows: log_softmax over the contiguous last axis (over a transposed (B, V, T)
        # view it ran several times slower and dominated the step)
        flat_logits, flat_tokens = logits.reshape(-1, logits.shape[-1]), tokens.reshape(-1)  # (B*T, V), (B*T,)
        nll, smooth = token_nll(flat_logits, flat_tokens, smoothing=bool(self.smoothing),
                                ignore_index=self.ignore_index)  # (B*T,) each
        nll = nll.view_as(tokens)  # (B, T)
        count = valid.sum().clamp_min(1)
        report = nll.sum() / count
        loss = ((1 - self.smoothing) * nll.sum() + self.smoothing * smooth.sum()) / count if self.smoothing else report
        return Scored(loss, report, count, (nll * valid).sum(-1))


class PointerCrossEntropy(TokenCrossEntropy):
    """TokenCrossEntropy over pointer logits (B, T, S + 1) against positions targets (B, T):
    1-based points with 0 = the end of output, a real target, and -100 padding
    (fields.positions), so the padding ignored is IGNORE_INDEX, not PAD."""

    ignore_index = IGNORE_INDEX


class ClassCrossEntropy:
    """Cross-entropy of class logits (B, C) against batch[field].data (B,), label smoothing as
    torch defines it; averaged over the examples."""

    def __init__(self, field: str, label_smoothing: float = 0.0) -> None:
        self.field, self.smoothing = field, label_smoothing

    def __call__(self, logits: Tensor, batch: Batch) -> Scored:
        labels = batch[self.field].data  # (B,)
        logits = logits.float()  # (B, C)
        nll = torch.nn.functional.cross_entropy(logits, labels, reduction="none")  # (B,)
        report = nll.mean()
        loss = torch.nn.functional.cross_entropy(logits, labels, label_smoothing=self.smoothing) \
            if self.smoothing else report
        return Scored(loss, report, torch.tensor(len(labels)), nll)


class BitCrossEntropy:
    """Binary cross-entropy of bit logits (B, T, C) against 0/1 targets batch[field].data
    (B, T, C), summed over every bit of a sequence (Graves et al. 2014's cost per sequence, here
    in nats) and averaged over the sequences; padded steps (mask False) count nothing. Label
    smoothing eps moves the targets to eps/2 and 1 - eps/2. Units are sequences, so the trainer's
    rate reads sequences per second."""

    def __init__(self, field: str, label_smoothing: float = 0.0) -> None:
        self.field, self.smoothing = field, label_smoothing

    def __call__(self, logits: Tensor, batch: Batch) -> Scored:
        target = batch[self.field]
        bits, valid = target.data, target.mask  # (B, T, C), (B, T)
        if logits.shape != bits.shape:
            raise ValueError(f"the model gave bit logits of shape {tuple(logits.shape)} for targets of shape "
                             f"{tuple(bits.shape)} (field {self.field!r}); one row of C logits per target step")
        wanted = bits * (1 - self.smoothing) + self.smoothing / 2
        per_bit = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), wanted, reduction="none")
        nll = (per_bit.sum(-1) * valid).sum(-1)  # (B,) summed over steps and bits
        loss = nll.mean()
        return Scored(loss, loss, torch.tensor(len(nll)), nll)


class Reinforce:
    """Xu et al. 2015 §4.1, for hard attention: reward = the log-likelihood of the target under
    the sampled attention, minus a moving-average baseline b (owned here, saved with the
    checkpoint); an entropy bonus keeps the sampler exploring.

        term = -mean_b[(r_b - b) sum_t log p(z_bt)] / T - entropy_weight * mean entropy
    """

    def __init__(self, decay: float = 0.9, entropy_weight: float = 0.01) -> None:
        self.decay, self.entropy_weight = decay, entropy_weight
        self.baseline: float | None = None

    def __call__(self, sampled: Any, scored: Scored) -> Tensor:
        valid = sampled.mask  # (B, T)
        reward = -scored.nll.detach()  # (B,)
        mean_reward = reward.mean().item()
        baseline = mean_reward if self.baseline is None else self.baseline
        self.baseline = self.decay * baseline + (1 - self.decay) * mean_reward
        log_prob = (sampled.log_prob * valid).sum(-1)  # (B,)
        entropy = (sampled.entropy * valid).sum() / valid.sum().clamp_min(1)
        return -((reward - baseline) * log_prob).mean() / valid.shape[1] - self.entropy_weight * entropy

    def state_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.baseline = state.get("baseline")


class DoublyStochastic:
    """Xu et al. 2015 eq. 14, the doubly stochastic penalty: every input position should be
    attended about once over the whole output, lambda sum_i (1 - sum_t alpha_ti)^2, summed over
    the positions i of each example and averaged over the batch; only the real output steps
    (``coverage.mask``) count in sum_t."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def __call__(self, coverage: Any, scored: Scored) -> Tensor:
        weights = coverage.weights.float() * coverage.mask[..., None]  # (B, T, S)
        return self.weight * (1.0 - weights.sum(1)).pow(2).sum(-1).mean()

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        pass


class CoverageLoss:
    """See et al. 2017 eq. (12)-(13), the coverage loss: at each output step t, the attention
    a^t already spent on a position (the coverage c^t = sum_{t' < t} a^{t'}) is penalised where
    it is attended again, lambda sum_i min(a_i^t, c_i^t), averaged over the real output steps
    (``coverage.mask``) of the batch. It reads the weights (B, T, S) alone, so any model that
    returns them can ask for it (a coverage mechanism's state is this same running sum)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def __call__(self, coverage: Any, scored: Scored) -> Tensor:
        weights = coverage.weights.float()  # (B, T, S)
        covered = weights.cumsum(1) - weights  # (B, T, S): c^t, the sum of the steps before t
        per_step = torch.minimum(weights, covered).sum(-1)  # (B, T)
        mask = coverage.mask.float()  # (B, T)
        return self.weight * (per_step * mask).sum() / mask.sum().clamp_min(1)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        pass


MAIN_TERMS = {"generate": TokenCrossEntropy, "classify": ClassCrossEntropy, "point": PointerCrossEntropy}
AUX_TERMS = {"reinforce": lambda config: Reinforce(config.reinforce_decay, config.reinforce_entropy)}
AUX_TERMS["doubly_stochastic"] = lambda config: DoublyStochastic(config.doubly_stochastic_weight)
AUX_TERMS["coverage"] = lambda config: CoverageLoss(config.coverage_weight)  # See et al. 2017


class Objective:
    """The main term for ``prediction`` on ``field`` plus the auxiliary terms models ask for."""

    def __init__(self, prediction: str, field: str, config: TrainConfig) -> None:
        if prediction not in MAIN_TERMS:
            raise ValueError(f"no training objective for prediction {prediction!r}; known: {', '.join(MAIN_TERMS)}")
        self.main = MAIN_TERMS[prediction](field, config.label_smoothing)
        self.aux = {name: make(config) for name, make in AUX_TERMS.items()}

    def __call__(self, out: Any, batch: Batch) -> Scored:
        """The loss of a model output on ``batch``; ``loss`` includes every auxiliary term."""
        scored = self.score_main(out, batch)
        for name, inputs in out.aux.items():
            if name not in self.aux:
                raise ValueError(f"the model asks for the loss term {name!r}, which no objective provides; "
                                 f"known terms: {', '.join(self.aux)}")
            scored.loss = scored.loss + self.aux[name](inputs, scored)
        return scored

    def score_main(self, out: Any, batch: Batch) -> Scored:
        """The main term alone (the dev loss), against the output's own targets when it has them."""
        if out.targets is None:
            return self.main(out.logits, batch)
        return self.main(out.logits, batch, targets=out.targets)

    def state_dict(self) -> dict[str, Any]:
        return {name: term.state_dict() for name, term in self.aux.items()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        for name, term in self.aux.items():
            if name in state:
                term.load_state_dict(state[name])


MAIN_TERMS["bits"] = BitCrossEntropy  # the NTM tasks (attnkit.tasks.bits)
