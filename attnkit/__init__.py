"""attnkit: attention in sequence models, to use, compare and see."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# The model families register their options with attnkit.config here, so that every way into the
# package (the CLI, `from attnkit.config import load_config`, a test) validates `model.type`
# against the families that exist.
from . import models as _models  # noqa: E402, F401

if TYPE_CHECKING:
    from . import api


def load(run_dir: str | os.PathLike[str], checkpoint: str = "best") -> api.Model:
    """A trained run for use from Python: ``attnkit.load("runs/dates").translate(["14 March 2021"])``;
    see ``attnkit.api.Model``. (attnkit.api is imported on first use: ``import attnkit`` stays light.)"""
    from .api import load as load_run

    return load_run(run_dir, checkpoint)
