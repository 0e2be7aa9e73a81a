"""Parameter initialisation schemes, chosen by ``model.init`` and applied after a model is built.

- ``default``: each module's own (torch's defaults for RNN cells and linear layers; the
  Transformer's embeddings N(0, 1/d) and Xavier-uniform attention projections).
- ``uniform``: every parameter from U(-r, r), r = ``model.init_range`` (0.1 as in Luong et al.
  2015 §4 and OpenNMT's recurrent models); small embeddings and recurrent weights make the
  first updates of an RNN encoder-decoder larger in effect than torch's N(0, 1) embeddings.
- ``xavier``: Xavier/Glorot uniform (Glorot & Bengio 2010) for every matrix, zeros for vectors
  (biases, layer-norm shifts; layer-norm gains stay 1).

Padding rows of embeddings are set back to zero in every scheme.
"""

from __future__ import annotations

import torch
from torch import nn

SCHEMES = ("default", "uniform", "xavier")


@torch.no_grad()
def initialize(model: nn.Module, scheme: str, init_range: float = 0.1) -> nn.Module:
    """Re-draw ``model``'s parameters with ``scheme`` (one of SCHEMES); returns the model."""
    if scheme not in SCHEMES:
        raise ValueError(f"model.init must be one of {list(SCHEMES)}; got {scheme!r}")
    if scheme == "default":
        return model
    if init_range <= 0:
        raise ValueError(f"model.init_range must be positive; got {init_range}")
    norms = {id(p) for m in model.modules() if isinstance(m, nn.LayerNorm) for p in m.parameters(recurse=False)}
    for parameter in model.parameters():
        if id(parameter) in norms:
            continue  # layer norms keep gain 1, shift 0
        if scheme == "uniform":
            parameter.uniform_(-init_range, init_range)
        elif parameter.dim() > 1:
            nn.init.xavier_uniform_(parameter)
        else:
            parameter.zero_()
    for module in model.modules():
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            module.weight[module.padding_idx].zero_()
    return model
