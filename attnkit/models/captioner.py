"""Show, Attend and Tell (family ``show_attend_tell``; Xu et al. 2015): a small CNN turns an
image into a grid of annotation vectors a_1..a_L, and an LSTM decoder attends over the grid while
it writes each word, with soft (any registered mechanism, additive by default) or hard (sampled,
mechanism ``hard``) attention.

In the paper's order:

- encoder (sec. 3.1.1): ``blocks`` blocks of two 3x3 convolutions (batch norm, ReLU) and 2x2 max
  pooling, a 1x1 convolution to ``annotation_dim`` features, max pooling to a ``grid_height`` x
  ``grid_width`` grid: a (B, L, D), L = the cells, row by row, plus (``grid_positions``, not in
  the paper) a learned embedding of each cell. Without batch norm the annotations of mostly-black
  canvases barely differed and training sat at the words' marginal distribution. Batch norm
  needs batches that mix caption lengths (data.bucket_by: none): in batches bucketed by length
  each batch held one digit count, the running statistics of evaluation matched none of them,
  and the evaluated model cut three-digit captions short and doubled one-digit ones;
- initial state (sec. 3.1.2): h_0 = tanh(f_init,h(mean_i a_i)), c_0 = tanh(f_init,c(mean_i a_i));
- attention (eq. 4-6): alpha_t = attend(h_{t-1}, a); z_t = sum_i alpha_ti a_i, or a's sampled
  location for hard attention (sec. 4.1); with ``hard_expected_rate`` p, a training pass uses the
  expected context sum_i alpha_ti a_i instead (p = 0.5 in the paper's own code);
- gating scalar (sec. 4.2.1): beta_t = sigmoid(f_beta(h_{t-1})), z_t <- beta_t z_t;
- LSTM (eq. 1-3): [i f o g] from E y_{t-1}, h_{t-1}, z_t;
- deep output (eq. 7): p(y_t) = softmax(L_o(E y_{t-1} + L_h h_t + L_z z_t)), dropout before L_o;
- loss terms (eq. 9, 14): the doubly stochastic penalty lambda sum_i (1 - sum_t alpha_ti)^2 as
  ``aux["doubly_stochastic"]`` when ``doubly_stochastic`` is on; hard attention's REINFORCE
  inputs as ``aux["reinforce"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..attention import build
from ..config import AttentionConfig, ModelOptions, option
from ..data import Batch
from ..tasks.schema import Schema
from .family import Family, attention_problems
from .state import AttentionCoverage, DecoderState, Memory, ModelOutput, SampledAttention, StepOutput


@dataclass(frozen=True)
class CaptionerOptions(ModelOptions):
    """``model.type: show_attend_tell``: a CNN grid encoder and an attending LSTM decoder."""

    type: str = option("show_attend_tell", "model family")
    channels: int = option(32, "channels of the first CNN block (doubled by each later block)")
    blocks: int = option(2, "CNN blocks (two 3x3 convolutions with normalisation and ReLU, then 2x2 max pooling)")
    norm: Literal["batch", "group", "none"] = option(
        "batch", "the CNN's normalisation after each convolution: batch (batch norm: the batch's statistics in "
                 "training, running averages in evaluation; train with data.bucket_by: none, since batches bucketed "
                 "by caption length give each batch one digit count and evaluation then miscounts), group (per "
                 "image, 8 channels a group; slow to start on digits-captions) or none")
    grid_height: int = option(3, "rows of the annotation grid (the CNN's map is max-pooled to it)")
    grid_width: int = option(12, "columns of the annotation grid")
    annotation_dim: int = option(64, "features of each annotation vector a_i")
    grid_positions: bool = option(
        True, "add a learned embedding of each grid cell to its annotation, so attention can find a place as well as "
              "a content (captions whose word order follows positions, as reading left to right, need it)")
    embedding_dim: int = option(32, "word embedding size (E y)")
    hidden_dim: int = option(128, "LSTM state size")
    dropout: float = option(0.1, "dropout before the deep output's last layer L_o (Xu sec. 5.2)")
    gate: bool = option(True, "the gating scalar beta_t = sigmoid(f_beta(h_{t-1})) on the context (Xu sec. 4.2.1)")
    hard_expected_rate: float = option(
        0.0, "hard attention only: the chance that a training pass uses the expected (soft) context instead "
             "of the sampled one (0.5 in the paper's code)")
    doubly_stochastic: bool = option(
        False, "ask for the doubly stochastic penalty lambda sum_i (1 - sum_t alpha_ti)^2 (Xu eq. 14; lambda is "
               "train.doubly_stochastic_weight)")
    max_caption_length: int = option(40, "longest caption the decoder writes (words; the image says nothing of it)")
    attention: AttentionConfig = field(default_factory=AttentionConfig,
                                       metadata={"help": "the mechanism the LSTM state queries the grid with "
                                                         "(additive: Xu's soft attention; hard: stochastic)"})

    def problems(self) -> list[str]:
        checks = [
            (min(self.channels, self.blocks, self.grid_height, self.grid_width, self.annotation_dim,
                 self.embedding_dim, self.hidden_dim) > 0,
             "model.channels, blocks, grid_height, grid_width, annotation_dim, embedding_dim and hidden_dim "
             "must be positive"),
            (0 <= self.dropout < 1, "model.dropout must be in [0, 1)"),
            (0 <= self.hard_expected_rate <= 1, "model.hard_expected_rate must be in [0, 1]"),
            (self.max_caption_length >= 1, "model.max_caption_length must be at least 1"),
        ]
        found = super().problems() + [message for ok, message in checks if not ok]
        return found or attention_problems(self.attention, self.hidden_dim, self.annotation_dim)


def normalisation(kind: str, channels: int) -> nn.Module:
    """The layer after a convolution: BatchNorm2d (the batch's statistics in training, running
    averages in evaluation), GroupNorm over groups of 8 channels (one image's own) or none."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return nn.GroupNorm(max(1, channels // 8), channels) if kind == "group" else nn.Identity()


class GridEncoder(nn.Module):
    """image (B, C, H, W) -> annotations (B, L, D), L = grid_height * grid_width, row by row."""

    def __init__(self, in_channels: int, channels: int, blocks: int, dim: int, grid: tuple[int, int],
                 norm: str = "batch") -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_channels
        for block in range(blocks):
            out = channels * 2 ** block
            layers += [nn.Conv2d(width, out, 3, padding=1), normalisation(norm, out), nn.ReLU(),
                       nn.Conv2d(out, out, 3, padding=1), normalisation(norm, out), nn.ReLU(),
                       nn.MaxPool2d(2, ceil_mode=True)]
            width = out
        layers += [nn.Conv2d(width, dim, 1), normalisation(norm, dim), nn.ReLU(), nn.AdaptiveMaxPool2d(grid)]
        self.net = nn.Sequential(*layers)

    def forward(self, image: Tensor) -> Tensor:
        features = self.net(image)  # (B, D, gh, gw)
        return features.flatten(2).transpose(1, 2)  # (B, L, D)


class ShowAttendTell(Family, nn.Module):
    """encode(batch) -> Memory(annotations (B, L, D)); step(tokens (B,), state, memory) ->
    StepOutput(logits (B, V), weights (B, L)); forward(batch) -> ModelOutput(logits (B, T, V),
    weights (B, T, L), aux)."""

    Options = CaptionerOptions
    predictions = ("generate",)
    input_kinds = ("image",)
    output_kinds = ("text",)
    output_scales_with_input = False  # a caption's length owes nothing to the image's pixel count

    def __init__(self, options: CaptionerOptions, in_channels: int, vocab_size: int, *, image: str = "image",
                 caption: str = "caption") -> None:
        super().__init__()
        self.options, self.image_name, self.caption_name = options, image, caption
        self.max_output_length = options.max_caption_length + 1  # the words and the end of sentence
        self.attention_grid = (options.grid_height, options.grid_width)  # the cells a_1..a_L tile the image
        dim, hidden, embed = options.annotation_dim, options.hidden_dim, options.embedding_dim
        self.encoder = GridEncoder(in_channels, options.channels, options.blocks, dim,
                                   (options.grid_height, options.grid_width), options.norm)
        cells = options.grid_height * options.grid_width
        self.positions = nn.Parameter(torch.zeros(cells, dim)) if options.grid_positions else None  # (L, D)
        self.init_hidden, self.init_cell = nn.Linear(dim, hidden), nn.Linear(dim, hidden)  # f_init,h, f_init,c
        self.attention = build(options.attention.name, query_dim=hidden, key_dim=dim, **options.attention.options)
        self.f_beta = nn.Linear(hidden, 1) if options.gate else None
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=0)  # E
        # small embeddings (torch's N(0, 1) made E y_{t-1} drown the image's terms in eq. 7, and
        # training sat for a thousand updates at the words' marginal distribution)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        with torch.no_grad():
            self.embedding.weight[0].zero_()
        self.lstm = nn.LSTMCell(embed + dim, hidden)
        self.out_hidden, self.out_context = nn.Linear(hidden, embed), nn.Linear(dim, embed)  # L_h, L_z
        self.dropout = nn.Dropout(options.dropout)
        self.out_words = nn.Linear(embed, vocab_size)  # L_o

    @classmethod
    def needs_mixed_batches(cls, options: CaptionerOptions) -> bool:
        return options.norm == "batch"

    @classmethod
    def from_fields(cls, options: CaptionerOptions, schema: Schema, fields: Mapping[str, Any]) -> ShowAttendTell:
        image, caption = schema.inputs[0], schema.output
        return cls(options, fields[image].channels, fields[caption].size, image=image, caption=caption)

    # ---- the generation protocol -----------------------------------------------------------

    def encode(self, batch: Batch) -> Memory:
        annotations = self.encoder(batch[self.image_name].data)  # (B, L, D)
        if self.positions is not None:
            annotations = annotations + self.positions  # (B, L, D)
        mask = torch.ones(annotations.shape[:2], dtype=torch.bool, device=annotations.device)  # (B, L)
        return Memory(states=annotations, final=annotations.mean(1), mask=mask,
                      keys=self.attention.precompute(annotations))

    def start(self, memory: Memory) -> DecoderState:
        hidden = torch.tanh(self.init_hidden(memory.final))[None]  # h_0 (1, B, H)
        cell = torch.tanh(self.init_cell(memory.final))[None]  # c_0 (1, B, H)
        return DecoderState(hidden, cell, attention=self.attention.initial_state(memory.keys, memory.mask))

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory, *, expected: bool = False) -> StepOutput:
        """One word: tokens (B,) the previous words; ``expected`` (hard attention, training): use
        the expected context sum_i alpha_i a_i instead of the sampled one."""
        previous = state.hidden[0]  # h_{t-1} (B, H)
        out = self.attention(previous, memory.keys, mask=memory.mask, state=state.attention)
        context, weights = out.context, out.weights  # z_t (B, D), alpha_t (B, L)
        if expected:
            weights = torch.softmax(out.scores, dim=-1)  # the sampling distribution itself (B, L)
            context = torch.bmm(weights[:, None], memory.states)[:, 0]  # (B, D)
        if self.f_beta is not None:
            context = torch.sigmoid(self.f_beta(previous)) * context  # beta_t z_t (sec. 4.2.1)
        embedded = self.embedding(tokens)  # E y_{t-1} (B, E)
        hidden, cell = self.lstm(torch.cat([embedded, context], dim=-1), (previous, state.cell[0]))  # eq. 1-3
        deep = embedded + self.out_hidden(hidden) + self.out_context(context)  # eq. 7, inside L_o
        logits = self.out_words(self.dropout(deep))  # (B, V)
        new_state = DecoderState(hidden[None], cell[None], attention=out.state)
        sampled = not expected and out.log_prob is not None
        return StepOutput(logits, new_state, weights, out.log_prob if sampled else None,
                          out.entropy if sampled else None)

    # ---- teacher forcing -------------------------------------------------------------------

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        """Teacher-forced logits (B, T, V) and weights (B, T, L) over the caption's inputs."""
        memory = self.encode(batch)
        caption = batch[self.caption_name]
        expected = self.training and bool(torch.rand(()) < self.options.hard_expected_rate)
        state, steps = self.start(memory), []
        for tokens in caption.inputs.unbind(1):  # T x (B,)
            out = self.step(tokens, state, memory, expected=expected)
            state = out.state
            steps.append(out)
        logits = torch.stack([s.logits for s in steps], dim=1)  # (B, T, V)
        weights = torch.stack([s.weights for s in steps], dim=1)  # (B, T, L)
        aux: dict[str, Any] = {}
        if steps[0].log_prob is not None:
            aux["reinforce"] = SampledAttention(torch.stack([s.log_prob for s in steps], 1),
                                                torch.stack([s.entropy for s in steps], 1), caption.mask)
        if self.options.doubly_stochastic:
            aux["doubly_stochastic"] = AttentionCoverage(weights, caption.mask)
        return ModelOutput(logits, weights, aux)
