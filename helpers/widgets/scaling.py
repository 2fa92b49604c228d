"""Chapter 8's explorer: model size, context and batch -> memory and compute.

    scaling_figure(model, context, batch)   the figure for one setting
    scaling_explorer()                      the same with controls (an ExplorerBox)

Left: the memory of training with mixed-precision Adam (16 bytes per parameter)
and 16-bit activations, next to serving (16-bit weights and the KV cache); right:
the forward FLOPs per token, split into the weights' 2N and the attention term,
which grows with the context.
"""

import matplotlib.pyplot as plt

from helpers.checks import check_choice, check_integer
from helpers.gpt import GPTConfig
from helpers.plot.scaling import plot_memory_breakdown
from helpers.plot.style import PALETTE
from helpers.scale import (
    GPT2_CONFIGS,
    GPT3_175B,
    activation_bytes,
    kv_cache_bytes,
    parameter_count,
    training_memory,
)

__all__ = ["MODELS", "scaling_figure", "scaling_explorer"]

MODELS = {**GPT2_CONFIGS, "GPT-3 175B": GPT3_175B}


def _config(model, context):
    base = MODELS[model]
    return GPTConfig(**{**base.__dict__, "block_size": max(base.block_size, context)})


def scaling_figure(model="GPT-2 small", context=1024, batch=8):
    """Memory (training and serving) and FLOPs per token of one model at one setting.

    Args:
        model: a key of ``MODELS`` (GPT-2 small .. XL, GPT-3 175B).
        context: tokens per sequence T (the position table is widened if T is
            longer than the model's own context). batch: sequences B.
    """
    check_choice(model, "model", tuple(MODELS))
    context = check_integer(context, "context", minimum=1)
    batch = check_integer(batch, "batch", minimum=1)
    config = _config(model, context)
    n = parameter_count(MODELS[model])
    state = training_memory(n, "mixed", "adam")
    # activations in 16-bit: half of the fp32 count of helpers.scale
    act = activation_bytes(config, batch, context, "flash")["total"] / 2
    rows = {
        "training": {
            "weights": state["weights"],
            "gradients": state["gradients"],
            "optimizer": state["optimizer"],
            "activations": act,
        },
        "serving": {
            "weights": 2 * n,
            "KV cache": kv_cache_bytes(config, batch, context, 2),
        },
    }
    fig, (left, right) = plt.subplots(
        1,
        2,
        figsize=(10, 3.4),
        gridspec_kw={"width_ratios": [1.7, 1]},
        layout="constrained",
    )
    plot_memory_breakdown(rows, ax=left)
    left.set_title(f"{model}: {n / 1e9:.2f} B parameters, B = {batch}, T = {context}")
    C, L, V = config.n_embd, config.n_layer, config.vocab_size
    weights = 2 * (12 * L * C * C + V * C) / 1e9
    attention = 4 * L * context * C / 1e9
    right.bar(["2N (weights)"], [weights], color=PALETTE["blue"])
    right.bar(["attention"], [attention], color=PALETTE["orange"])
    right.set_ylabel("forward GFLOPs per token")
    right.set_title(f"attention = {attention / (weights + attention):.0%} of forward")
    return fig


def scaling_explorer(web=True):
    """Controls for model, context and batch over ``scaling_figure``.

    The web book shows it drawn in advance for 3 models x 3 contexts x 2 batches.
    Returns an ``ExplorerBox`` (``static`` holds the precomputed version).
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox, Menu, Slider, precompute

    static = None
    if web:
        static = precompute(
            scaling_figure,
            [
                Menu(
                    "model",
                    {k: k for k in ("GPT-2 small", "GPT-2 XL", "GPT-3 175B")},
                    label="model",
                    unavailable=["GPT-2 medium", "GPT-2 large"],
                ),
                Slider("context", [512, 2048, 8192], label="context T", start=2048),
                Slider("batch", [1, 8], label="batch B", start=8),
            ],
            alt="Left: stacked bars of training memory (weights, gradients, Adam "
            "states, activations) and serving memory (weights, KV cache) in GiB; "
            "right: forward GFLOPs per token, the weights' 2N and the attention term.",
        )
    style = {"description_width": "initial"}
    model = widgets.Dropdown(options=list(MODELS), value="GPT-2 small",
                             description="model")  # fmt: skip
    context = widgets.SelectionSlider(
        options=[256, 512, 1024, 2048, 4096, 8192, 16384],
        value=2048,
        description="context T",
        style=style,
        continuous_update=False,
    )
    batch = widgets.SelectionSlider(
        options=[1, 2, 4, 8, 16, 32, 64], value=8, description="batch B",
        continuous_update=False,
    )  # fmt: skip
    output = widgets.Output()
    box = ExplorerBox([widgets.HBox([model]), widgets.HBox([context, batch]), output],
                      static=static)  # fmt: skip

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = scaling_figure(model.value, context.value, batch.value)
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in (model, context, batch):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box
