"""`attnkit transcribe RUN_DIR a.wav ...`: a speech run's transcript of each recording.

Each path is read by the run's input field (``Field.parse_input``: the frames field's audio
settings read the file, resample it to the run's rate and refuse what it cannot take, naming the
file), and the run's predictor decodes it (greedy, or beam search with ``--beam``). Sits at the
run.py floor beside the other app functions.
"""

from __future__ import annotations

from collections.abc import Sequence

from .config import DecodeConfig
from .fields import FieldError
from .run import Run, RunError


def transcribe(run: Run, paths: Sequence[str], decode: DecodeConfig) -> tuple[list[tuple[str, object]], list[str]]:
    """(path, best Translation) for each audio file the run can read, in order, and one message
    per file it refused (naming the file): a bad recording costs only itself."""
    field = run.input_field
    if run.schema.prediction != "generate" or len(run.schema.inputs) != 1 or getattr(field, "audio", None) is None:
        raise RunError(f"{run.directory} does not transcribe audio (it reads "
                       f"{', '.join(run.fields[n].kind for n in run.schema.inputs)} and predicts by "
                       f"{run.schema.prediction}); train a speech run, e.g. configs/spoken-digits-location.yaml")
    examples, read, failures = [], [], []
    for path in paths:
        try:
            examples.append({run.input_name: field.parse_input(path), "where": path})
            read.append(path)
        except FieldError as error:
            failures.append(str(error))
    found = run.predict(examples, decode) if examples else []
    return [(path, best[0]) for path, best in zip(read, found, strict=True)], failures
