"""The attention viewer (chapter 7): pick a layer, a head and an example, see its weights.

    weights = collect_attention(model, data, examples=[0, 1, 2])   # greedy decoding
    attention_figure(weights, kind="cross", layer=1, head=0, example=2)
    attention_explorer(model, data)                                # the live viewer

The model is a ``helpers.seq2seq.Seq2SeqTransformer``; ``collect_attention`` decodes
the chosen examples greedily and keeps every layer's weights, so the viewer draws
from arrays and never runs the model again.
"""

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers.checks import check_choice, check_integer
from helpers.plot.attention import plot_attention

__all__ = [
    "KINDS",
    "AttentionRecord",
    "collect_attention",
    "attention_figure",
    "attention_explorer",
    "cross_attention_alignment",
]

#: the three kinds of attention of an encoder-decoder, as the viewer names them
KINDS = {
    "cross": "cross-attention (decoder -> source)",
    "decoder": "decoder self-attention (causal)",
    "encoder": "encoder self-attention",
}


@dataclass
class AttentionRecord:
    """The attention weights of a few decoded examples, ready to draw.

    weights: ``{kind: (num_layers, E, H, L, S) array}`` for the kinds of ``KINDS``;
    src_labels, in_labels, out_labels: per example, the labels of the source
    positions, of the decoder's input positions and of the generated tokens;
    strings: the source digit strings; outputs: the strings the model wrote.
    """

    weights: dict
    src_labels: list
    in_labels: list
    out_labels: list
    strings: list
    outputs: list

    @property
    def num_layers(self):
        return self.weights["cross"].shape[0]

    @property
    def num_heads(self):
        return self.weights["cross"].shape[2]

    @property
    def num_examples(self):
        return self.weights["cross"].shape[1]


def collect_attention(model, data, examples=(0, 1, 2)):
    """Decode ``data``'s chosen examples greedily and keep every attention weight.

    Args:
        model: a ``Seq2SeqTransformer``. data: a ``ReversalData``.
        examples: indices into ``data`` (at least one).

    Returns:
        an ``AttentionRecord``.
    """
    from helpers.seq2seq import (
        BOS,
        EOS,
        ReversalData,
        Seq2SeqTransformer,
        decode_digits,
        greedy_decode,
        token_labels,
    )

    if not isinstance(model, Seq2SeqTransformer):
        raise TypeError(
            f"model must be a Seq2SeqTransformer, got {type(model).__name__}"
        )
    if not isinstance(data, ReversalData):
        raise TypeError(f"data must be a ReversalData, got {type(data).__name__}")
    examples = [check_integer(e, "examples", minimum=0) for e in examples]
    if not examples:
        raise ValueError("examples must hold at least one index, got none")
    if max(examples) >= len(data.strings):
        raise ValueError(
            f"examples must be indices below len(data) = {len(data.strings)}, got "
            f"{max(examples)}"
        )
    device = next(model.parameters()).device
    src = torch.as_tensor(data.src[examples], device=device)
    generated = greedy_decode(model, src).cpu()
    raw = model.attention_weights()
    weights = {kind: torch.stack(raw[kind]).numpy() for kind in KINDS}
    out_labels, in_labels = [], []
    for row in generated:
        ids = row.tolist()
        n = ids.index(EOS) + 1 if EOS in ids else len(ids)
        out_labels.append(token_labels(ids[:n]))
        in_labels.append(token_labels([BOS] + ids[: n - 1]))
    return AttentionRecord(
        weights=weights,
        src_labels=[token_labels(s) for s in data.src[examples]],
        in_labels=in_labels,
        out_labels=out_labels,
        strings=[data.strings[e] for e in examples],
        outputs=[decode_digits(row) for row in generated],
    )


def attention_figure(record, kind="cross", layer=0, head=0, example=0, ax=None):
    """Draw one weight matrix of an ``AttentionRecord`` as a heat map.

    Rows are the generated tokens (decoder kinds) or the source positions (encoder);
    only the rows up to the end-of-sequence token are drawn. Returns the Figure.
    """
    if not isinstance(record, AttentionRecord):
        raise TypeError(
            f"record must be an AttentionRecord (from collect_attention), got "
            f"{type(record).__name__}"
        )
    check_choice(kind, "kind", tuple(KINDS))
    layer = check_integer(layer, "layer", minimum=0)
    head = check_integer(head, "head", minimum=0)
    example = check_integer(example, "example", minimum=0)
    for value, name, limit in (
        (layer, "layer", record.num_layers),
        (head, "head", record.num_heads),
        (example, "example", record.num_examples),
    ):
        if value >= limit:
            raise ValueError(f"{name} must be in 0..{limit - 1}, got {value}")
    matrix = record.weights[kind][layer, example, head]
    n_out = len(record.out_labels[example])
    src = record.src_labels[example]
    if kind == "cross":
        matrix, rows, cols = matrix[:n_out], record.out_labels[example], src
        xlabel, ylabel = "source token", "generated token"
    elif kind == "decoder":
        matrix = matrix[:n_out, :n_out]
        rows, cols = record.out_labels[example], record.in_labels[example]
        xlabel, ylabel = "decoder input token", "generated token"
    else:
        rows, cols, xlabel, ylabel = src, src, "source token (key)", "source token"
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.4, 3.9), layout="constrained")
    plot_attention(
        matrix,
        rows,
        cols,
        ax=ax,
        title=f"{kind}, layer {layer}, head {head}: "
        f"{record.strings[example]} -> {record.outputs[example]}",
        xlabel=xlabel,
        ylabel=ylabel,
        colorbar=False,
    )
    ax.title.set_fontsize(9)
    return ax.figure


def _static(record, kind, start):
    from helpers.widgets.static import Fixed, Slider, precompute

    layers = list(range(record.num_layers))
    heads = list(range(record.num_heads))
    examples = list(range(record.num_examples))
    controls = [
        Slider("layer", layers, label="layer", start=start[0], fmt="{:d}")
        if len(layers) > 1
        else Fixed("layer", 0, fmt="{:d}"),
        Slider("head", heads, label="head", start=start[1], fmt="{:d}")
        if len(heads) > 1
        else Fixed("head", 0, fmt="{:d}"),
        Slider("example", examples, label="example", start=start[2], fmt="{:d}")
        if len(examples) > 1
        else Fixed("example", 0, fmt="{:d}"),
        Fixed("kind", kind, label="attention", fmt="{}"),
    ]

    def draw(layer, head, example, kind):
        return attention_figure(record, kind, int(layer), int(head), int(example))

    return precompute(
        draw,
        controls,
        alt="A heat map of one head's attention weights for one example: rows are "
        "the tokens the decoder generated, columns the source tokens, brighter "
        "where the weight is larger.",
    )


def attention_explorer(record, kind="cross", layer=0, head=0, example=0, web=True):
    """The viewer: choose the kind of attention, the layer, the head and the example.

    Live in JupyterLab and Colab; for the web book the chosen ``kind`` is also drawn
    in advance for every layer, head and example of ``record`` (the kind greyed out:
    run the notebook to change it). ``web=False`` draws nothing in advance.

    Returns an ``ExplorerBox`` (an ``ipywidgets.VBox``).
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox

    attention_figure(record, kind, layer, head, example)  # checks the arguments
    plt.close("all")
    static = _static(record, kind, (layer, head, example)) if web else None
    kind_menu = widgets.Dropdown(options=list(KINDS), value=kind, description="kind")
    sliders = [
        widgets.IntSlider(
            value=v, min=0, max=n - 1, description=name, continuous_update=False
        )
        for name, v, n in (
            ("layer", layer, record.num_layers),
            ("head", head, record.num_heads),
            ("example", example, record.num_examples),
        )
    ]
    output = widgets.Output()
    box = ExplorerBox([widgets.HBox([kind_menu, *sliders]), output], static=static)

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = attention_figure(record, kind_menu.value, *(s.value for s in sliders))
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in [kind_menu, *sliders]:
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


def cross_attention_alignment(record, layer=-1):
    """How closely each head's cross-attention follows the reversal's alignment.

    For each generated digit t (the end token left out) take the *centre* of the
    head's attention, c_t = sum_j j * w_tj, the mean source position it reads, and fit
    a straight line c_t = a + b t by least squares. Reversal needs the centre to move
    one source position to the left per digit written, b = -1; a head that always
    looks at the same place has b = 0. Returns -b for every example and head.

    Args:
        record: an ``AttentionRecord``. layer: the decoder layer (default the last).

    Returns:
        (E, H) array: about 1 for a head that tracks the reversal, about 0 for one
        that does not.
    """
    if not isinstance(record, AttentionRecord):
        raise TypeError(
            f"record must be an AttentionRecord (from collect_attention), got "
            f"{type(record).__name__}"
        )
    weights = record.weights["cross"][layer]  # (E, H, T, S)
    E, H, _, S = weights.shape
    out = np.zeros((E, H))
    for e in range(E):
        n_digits = len(record.out_labels[e]) - 1  # the rows before the end token
        if n_digits < 2:
            raise ValueError("the examples must have at least two digits to fit a line")
        t = np.arange(n_digits)
        centres = weights[e, :, :n_digits] @ np.arange(S)  # (H, n_digits)
        slopes = np.polyfit(t, centres.T, 1)[0]  # (H,)
        out[e] = -slopes
    return out
