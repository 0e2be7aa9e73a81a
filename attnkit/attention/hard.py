"""Hard (stochastic) attention, Xu et al. 2015 §4.1: attend to exactly one key."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .additive import AdditiveAttention
from .base import Normalized
from .masking import any_key, open_empty_rows


def _log_probs(scores: Tensor, mask: Tensor | None) -> Tensor:
    """Log of the masked softmax; masked keys at the dtype's minimum (never sampled)."""
    if mask is None:
        return torch.log_softmax(scores, dim=-1)
    filled = scores.masked_fill(~open_empty_rows(mask), torch.finfo(scores.dtype).min)
    return torch.log_softmax(filled, dim=-1)


def _gumbel_like(scores: Tensor) -> Tensor:
    uniform = torch.rand_like(scores).clamp(1e-9, 1.0 - 1e-9)
    return -torch.log(-torch.log(uniform))


class HardAttention(AdditiveAttention):
    """Hard stochastic attention, Xu et al. 2015 §4.1, with the additive score of Bahdanau.

    p(z_t = j) = softmax_j(v^T tanh(W s + U h_j + b)); the context is the one value h_{z_t}.

    - training, ``gumbel=False``: z_t is sampled from p; weights are the one-hot of z_t and
      ``out.log_prob`` is log p(z_t). Sampling has no gradient, so train the score with
      REINFORCE: add ``-(reward - baseline).detach() * out.log_prob`` to the loss (reward e.g.
      the negative token loss, baseline a moving average of the reward; Xu et al. also add an
      entropy bonus on p to keep exploring). The rest of the model learns through the context.
    - training, ``gumbel=True``: straight-through Gumbel-softmax (Jang et al. 2017): the forward
      pass is the one-hot sample, the backward pass uses the gradient of
      softmax((e + g) / temperature), so the whole model trains by backpropagation alone and
      ``out.log_prob`` / ``out.entropy`` are None (there is nothing for REINFORCE to do).
    - eval: z_t = argmax_j p, deterministic.
    ``out.entropy`` is the entropy of p, for an exploration bonus. A query with no key to attend
    to gets zero weights and a log_prob and entropy of 0.
    """

    formula = "one-hot(z), z ~ softmax(v^T tanh(W s + U h + b))"
    paper = "Xu et al. 2015, Show, Attend and Tell, sec. 4.1 (stochastic hard attention)"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 attention_dim: int | None = None, gumbel: bool = False, temperature: float = 1.0,
                 dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, attention_dim=attention_dim, dropout=dropout)
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0; got {temperature!r}")
        self.gumbel, self.temperature = gumbel, temperature

    def normalize_scores(self, scores: Tensor, mask: Tensor | None) -> Normalized:
        log_probs = _log_probs(scores, mask)  # (B, T, S)
        if not self.training:
            choice = log_probs.argmax(-1)  # (B, T)
            weights = F.one_hot(choice, scores.shape[-1]).to(scores.dtype)  # (B, T, S)
        elif self.gumbel:
            relaxed = torch.softmax((log_probs + _gumbel_like(log_probs)) / self.temperature, dim=-1)
            if mask is not None:
                relaxed = relaxed.masked_fill(~mask, 0.0)
            choice = relaxed.detach().argmax(-1)  # (B, T)
            one_hot = F.one_hot(choice, scores.shape[-1]).to(scores.dtype)  # (B, T, S)
            weights = one_hot - relaxed.detach() + relaxed  # straight-through
        else:
            choice = (log_probs.detach() + _gumbel_like(log_probs)).argmax(-1)  # Gumbel-max sample
            weights = F.one_hot(choice, scores.shape[-1]).to(scores.dtype)  # (B, T, S)
        log_prob = log_probs.gather(-1, choice[..., None]).squeeze(-1)  # (B, T)
        probs = log_probs.exp()
        entropy = -(probs * log_probs).sum(-1)  # (B, T)
        if mask is not None:
            has_key = any_key(mask).expand(*scores.shape[:-1], 1)  # (B, T, 1)
            weights = weights * has_key
            log_prob = log_prob * has_key.squeeze(-1)
            entropy = entropy * has_key.squeeze(-1)
        if self.training and self.gumbel:  # the sample carries gradients itself: nothing for REINFORCE
            return Normalized(weights)
        return Normalized(weights, log_prob, entropy)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", gumbel={self.gumbel}, temperature={self.temperature}"
