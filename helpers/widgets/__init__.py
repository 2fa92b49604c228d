"""Interactive explorers for the notebooks, each built on a plain figure function.

Every explorer here is a thin ipywidgets shell around a function that takes
ordinary arguments and returns a matplotlib ``Figure``. The notebook calls that
function directly for the static figure the web book shows, the tests call it
too, and the widget calls it again whenever a control moves. So what a reader
sees on the web is exactly what the slider would draw.

    learning_rate_figure(X, y, lr=[0.01, 0.3, 0.8], epochs=30)   # static figure
    learning_rate_explorer(X, y)                                 # the same, with a slider

One module per explorer:

    regression       the learning-rate explorer (chapter 1)
    classification   the logistic-regression explorer (chapter 2)
    mlp              the MLP playground (chapter 3)
    optim            the optimiser race (chapter 4)
    conv             the filter explorer (chapter 5)
    sequences        the sampler of a language model (chapter 6)
    gpt              the sampling explorer: temperature and top-k (chapter 7b)

Every public name is also importable from ``helpers.widgets`` itself.
"""

from helpers.widgets.classification import logistic_explorer, logistic_figure
from helpers.widgets.conv import (
    KERNELS,
    filter_explorer,
    filter_figure,
    filter_response,
)
from helpers.widgets.gpt import sampling_explorer, sampling_figure
from helpers.widgets.mlp import (
    PLAYGROUND_ACTIVATIONS,
    PLAYGROUND_INITS,
    mlp_playground,
    mlp_playground_figure,
    train_playground_mlp,
)
from helpers.widgets.optim import (
    SURFACES,
    optimiser_race,
    race_figure,
    race_paths,
)
from helpers.widgets.regression import (
    learning_rate_explorer,
    learning_rate_figure,
    train_from,
)
from helpers.widgets.sequences import (
    WEB_TEMPERATURES,
    WEB_TOP_KS,
    sample_text,
    sampler_explorer,
    sampler_figure,
)

__all__ = [
    "train_from",
    "learning_rate_figure",
    "learning_rate_explorer",
    "logistic_figure",
    "logistic_explorer",
    "PLAYGROUND_ACTIVATIONS",
    "PLAYGROUND_INITS",
    "train_playground_mlp",
    "mlp_playground_figure",
    "mlp_playground",
    "SURFACES",
    "race_paths",
    "race_figure",
    "optimiser_race",
    "KERNELS",
    "filter_response",
    "filter_figure",
    "filter_explorer",
    "WEB_TEMPERATURES",
    "WEB_TOP_KS",
    "sample_text",
    "sampler_figure",
    "sampler_explorer",
    "sampling_figure",
    "sampling_explorer",
]
