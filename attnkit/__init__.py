"""attnkit: attention in sequence models, to use, compare and see."""

__version__ = "0.1.0"

# The model families register their options with attnkit.config here, so that every way into the
# package (the CLI, `from attnkit.config import load_config`, a test) validates `model.type`
# against the families that exist.
from . import models as _models  # noqa: E402, F401
