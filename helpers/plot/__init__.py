"""Figures the chapters share: one look, one palette, a few reusable plots.

Every function draws on ``ax`` when one is given and otherwise makes a new figure,
and returns the axes it drew on, so figures can be combined::

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    plot_history(history, ax=left, logy=True)
    plot_loss_contours(X, y, paths={"GD": history}, ax=right)

One module per topic, so a figure's code is found by what it shows:

    style           the palette, ``use_book_style``, log axes, ``check_figure``
    training        ``plot_history``, ``plot_curves``, ``plot_gradient_norms``
    regression      ``plot_regression_fit``, ``plot_loss_contours``, ``path_of``
    classification  decision regions, confusion matrices, image grids, ROC and PR curves
    graphs          ``plot_computation_graph``
    optim           optimiser paths, per-layer histograms, update ratios (chapter 4)
    conv            filters, feature maps, misclassified images, receptive fields (chapter 5)
    sequences       gradient reach over time, text samples (chapter 6)
    gpt             a language model's sampling distribution and samples (chapter 7b)

Every public name is also importable from ``helpers.plot`` itself.
"""

from helpers.plot.classification import (
    CLASS_MARKERS,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_image_grid,
    plot_pr_curve,
    plot_roc_curve,
)
from helpers.plot.conv import (
    plot_feature_maps,
    plot_filters,
    plot_misclassified,
    plot_receptive_field,
    receptive_field_intervals,
)
from helpers.plot.gpt import (
    plot_next_token_distribution,
    plot_sample_text,
    sampling_probabilities,
)
from helpers.plot.graphs import plot_computation_graph
from helpers.plot.optim import (
    plot_layer_histograms,
    plot_optimiser_paths,
    plot_update_ratios,
)
from helpers.plot.regression import path_of, plot_loss_contours, plot_regression_fit
from helpers.plot.sequences import plot_gradient_decay, plot_text_sample
from helpers.plot.style import (
    COLORS,
    PALETTE,
    check_figure,
    class_colors,
    integer_ticks,
    set_log_scale,
    use_book_style,
)
from helpers.plot.training import plot_curves, plot_gradient_norms, plot_history

__all__ = [
    "PALETTE",
    "COLORS",
    "CLASS_MARKERS",
    "use_book_style",
    "set_log_scale",
    "integer_ticks",
    "check_figure",
    "class_colors",
    "plot_history",
    "plot_curves",
    "plot_gradient_norms",
    "plot_regression_fit",
    "path_of",
    "plot_loss_contours",
    "plot_decision_boundary",
    "plot_confusion_matrix",
    "plot_image_grid",
    "plot_roc_curve",
    "plot_pr_curve",
    "plot_computation_graph",
    "plot_optimiser_paths",
    "plot_layer_histograms",
    "plot_update_ratios",
    "plot_filters",
    "plot_feature_maps",
    "plot_misclassified",
    "receptive_field_intervals",
    "plot_receptive_field",
    "plot_gradient_decay",
    "plot_text_sample",
    "sampling_probabilities",
    "plot_next_token_distribution",
    "plot_sample_text",
]
