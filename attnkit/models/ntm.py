"""The Neural Turing Machine (family ``ntm``), Graves et al. 2014: a controller network that
reads and writes an N x M memory through attention-based heads.

At every input step t (Graves et al. 2014 §3, Fig. 1):

    controller   h_t = LSTM([x_t, r_{t-1}], h_{t-1})  (or a feed-forward layer)
    write heads  w^w_t = address(h_t, M_{t-1}, w^w_{t-1})                eq. 5-9
                 M_t = M_{t-1} * prod (1 - w^w_t e_t) + sum w^w_t a_t     eq. 3-4
    read heads   w^r_t = address(h_t, M_t, w^r_{t-1}),  r_t = w^r_t M_t    eq. 2, 5-9
    output       y_t = W_y [h_t, r_t]  (bit logits; sigmoid for the bits)

``address`` is the attention library's ``ntm_addressing`` mechanism (content by the cosine
mechanism with key strength beta, gate g, circular shift s, sharpening gamma), its step state the
previous weighting; the erase e = sigmoid(.) and add a = tanh(.) vectors come from the
controller, the write is ``attention.erase_and_add``. Every step is batched; the loop runs over
time only. The outputs at the input's answer slots are the prediction (models.bit_steps).

Guards against the known ways public NTMs fail: the memory starts at a small constant (1e-6)
rather than zeros or large random values (or, as an option, learned); each head starts focused
on location 0 (never an all-zero weighting); sharpening runs in log space (ntm_addressing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from ..attention import build, erase_and_add
from ..config import ModelOptions, option
from ..data import Batch
from .bit_steps import BitsFamily, answer_slots, at_slots, check_answer_lengths
from .family import Family
from .state import ModelOutput

MEMORY_START = 1e-6  # the constant every memory cell starts at (memory_init: constant)


@dataclass(frozen=True)
class NTMOptions(ModelOptions):
    """``model.type: ntm``: a controller, an N x M memory, read and write heads."""

    type: str = option("ntm", "model family")
    controller: Literal["lstm", "feedforward"] = option("lstm", "controller network: an LSTM cell or one tanh layer")
    controller_dim: int = option(100, "controller state size")
    memory_slots: int = option(128, "N, memory locations (a copy of length T needs T of them)")
    memory_width: int = option(20, "M, the width of a memory location")
    read_heads: int = option(1, "read heads")
    write_heads: int = option(1, "write heads")
    shift_range: int = option(1, "a head's shifts run over -R..R locations (Graves: 1)")
    memory_init: Literal["constant", "learned"] = option(
        "constant", "memory at t = 0: every cell 1e-6 (constant) or a learned N x M bias (learned)")

    def problems(self) -> list[str]:
        found = super().problems()
        sizes = (self.controller_dim, self.memory_slots, self.memory_width, self.read_heads, self.write_heads)
        if min(sizes) < 1:
            found.append("model.controller_dim, memory_slots, memory_width, read_heads and write_heads must be >= 1")
        if not 0 <= self.shift_range < self.memory_slots / 2:
            found.append(f"model.shift_range must be in 0..(memory_slots-1)/2; got {self.shift_range}")
        return found


class Controller(nn.Module):
    """One step of the controller: x (B, D_in), state -> output h (B, H), next state. The LSTM
    carries (h, c); the feed-forward controller carries nothing (None)."""

    def __init__(self, kind: str, input_dim: int, hidden: int) -> None:
        super().__init__()
        self.kind, self.hidden = kind, hidden
        self.cell = nn.LSTMCell(input_dim, hidden) if kind == "lstm" else nn.Linear(input_dim, hidden)

    def start(self, batch: int, like: Tensor) -> tuple[Tensor, Tensor] | None:
        if self.kind != "lstm":
            return None
        zeros = like.new_zeros(batch, self.hidden)
        return zeros, zeros

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor] | None]:
        if self.kind != "lstm":
            return torch.tanh(self.cell(x)), None
        h, c = self.cell(x, state)
        return h, (h, c)


class NeuralTuringMachine(BitsFamily, Family, nn.Module):
    """forward(batch, need_weights) -> ModelOutput(logits (B, K, C_out) at the K answer slots,
    weights {"write", "read"} (or "write 1", "read 2", ... with several heads) -> (B, L, N)
    weightings over the memory at every input step, or None)."""

    Options = NTMOptions

    def __init__(self, options: NTMOptions, input_channels: int, answer_channel: int, output_channels: int, *,
                 input_name: str = "input", output_name: str = "target") -> None:
        super().__init__()
        self.input_name, self.output_name, self.answer_channel = input_name, output_name, answer_channel
        slots, width, hidden = options.memory_slots, options.memory_width, options.controller_dim
        self.reads, self.writes = options.read_heads, options.write_heads
        self.controller = Controller(options.controller, input_channels + self.reads * width, hidden)
        head = {"query_dim": hidden, "key_dim": width, "shift_range": options.shift_range}
        self.write_heads = nn.ModuleList(build("ntm_addressing", **head) for _ in range(self.writes))
        self.read_heads = nn.ModuleList(build("ntm_addressing", **head) for _ in range(self.reads))
        self.erase_add = nn.Linear(hidden, 2 * self.writes * width)  # e_t, a_t of every write head
        self.output = nn.Linear(hidden + self.reads * width, output_channels)  # W_y
        start = torch.full((slots, width), MEMORY_START)
        self.memory_start = nn.Parameter(start) if options.memory_init == "learned" else None
        self.register_buffer("constant_start", start, persistent=False)
        self.read_start = nn.Parameter(torch.zeros(self.reads, width))  # r_0, learned
        self.width = width

    def initial_memory(self, batch: int) -> Tensor:
        start = self.constant_start if self.memory_start is None else self.memory_start
        return start[None].expand(batch, -1, -1)  # (B, N, M)

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        source = batch[self.input_name]
        x = source.data  # (B, L, C_in)
        size, steps = x.shape[:2]
        memory = self.initial_memory(size)
        reads = self.read_start[None].expand(size, -1, -1).reshape(size, -1)  # (B, R*M)
        state = self.controller.start(size, x)
        write_w = [h.initial_state(memory, None) for h in self.write_heads]  # each (B, N)
        read_w = [h.initial_state(memory, None) for h in self.read_heads]
        features, history = [], []
        for t in range(steps):
            out, state = self.controller(torch.cat([x[:, t], reads], dim=-1), state)  # h_t (B, H)
            write_w = [head(out, memory, state=w).state for head, w in zip(self.write_heads, write_w, strict=True)]
            erase, add = self.erase_add(out).view(size, 2, self.writes, self.width).unbind(1)  # (B, W, M) each
            memory = erase_and_add(memory, torch.stack(write_w, 1), torch.sigmoid(erase), torch.tanh(add))
            looked = [head(out, memory, state=w) for head, w in zip(self.read_heads, read_w, strict=True)]
            read_w = [o.state for o in looked]
            reads = torch.cat([o.context for o in looked], dim=-1)  # r_t (B, R*M)
            features.append(torch.cat([out, reads], dim=-1))
            if need_weights:
                history.append(write_w + read_w)
        index, mask = answer_slots(source, self.answer_channel)  # (B, K) each
        check_answer_lengths(mask, batch.parts.get(self.output_name), self.output_name)
        logits = self.output(at_slots(torch.stack(features, 1), index))  # (B, K, C_out)
        return ModelOutput(logits, self._weightings(history) if need_weights else None)

    def _weightings(self, history: list[list[Tensor]]) -> dict[str, Tensor]:
        """Per head name, its weightings (B, L, N) over the L input steps."""
        names = [self._name("write", i, self.writes) for i in range(self.writes)]
        names += [self._name("read", i, self.reads) for i in range(self.reads)]
        return {name: torch.stack([step[h] for step in history], 1) for h, name in enumerate(names)}

    @staticmethod
    def _name(kind: str, index: int, count: int) -> str:
        return kind if count == 1 else f"{kind} {index + 1}"
