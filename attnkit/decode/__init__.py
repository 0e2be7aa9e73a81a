"""Decoding: predictors (generation by greedy and batched beam search, classification) and the
one function, ``predict_all``, that runs them over a data set."""

from .pointing import Pointing, PointingPredictor
from .predictors import (
    PREDICTORS,
    Classification,
    ClassificationPredictor,
    Classified,
    GenerationPredictor,
    Translation,
    make_predictor,
    predict_all,
)
from .search import Hypothesis, beam_search, greedy_search, max_output_length

__all__ = ["PREDICTORS", "Classification", "ClassificationPredictor", "Classified", "GenerationPredictor",
           "Hypothesis", "Translation", "beam_search", "greedy_search", "make_predictor", "max_output_length",
           "predict_all"]
__all__ += ["Pointing", "PointingPredictor"]
