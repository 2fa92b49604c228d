"""The sampling explorer (chapter 7b): temperature and top-k on a trained GPT.

    sampling_figure(model, vocabulary, prompt, temperature=0.8, top_k=None)
        left, the next-character distribution after the prompt at these settings;
        right, a continuation sampled with them (same seed for every setting)
    sampling_explorer(model, vocabulary, prompt)
        the live explorer (ipywidgets), drawn in advance for the web book

Works with any model with ``helpers.gpt.GPT``'s ``forward`` and ``generate``
(``helpers.char_lstm.CharLSTM`` too) and a ``helpers.text.CharVocabulary``.
"""

import matplotlib.pyplot as plt
import torch

from helpers.checks import check_integer
from helpers.plot.gpt import (
    plot_next_token_distribution,
    plot_sample_text,
    sampling_probabilities,
)

__all__ = ["WEB_TEMPERATURES", "WEB_TOP_KS", "sampling_figure", "sampling_explorer"]

WEB_TEMPERATURES = (0.5, 1.0, 1.5)
WEB_TOP_KS = {"all": None, "5": 5, "1 (greedy)": 1}


def _check_model(model, vocabulary, prompt):
    from helpers.char_lstm import CharLSTM
    from helpers.gpt import GPT
    from helpers.text import CharVocabulary

    if not isinstance(model, (GPT, CharLSTM)):
        raise TypeError(
            f"model must be a helpers.gpt.GPT or a CharLSTM, got {type(model).__name__}"
        )
    if not isinstance(vocabulary, CharVocabulary):
        raise TypeError(
            f"vocabulary must be a helpers.text.CharVocabulary, "
            f"got {type(vocabulary).__name__}"
        )
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    if vocabulary.size != model.config.vocab_size:
        raise ValueError(
            f"vocabulary must have the model's vocab_size = "
            f"{model.config.vocab_size} characters, got {vocabulary.size}"
        )
    return torch.from_numpy(vocabulary.encode(prompt))[None]  # (1, T)


@torch.no_grad()
def sampling_figure(
    model, vocabulary, prompt, temperature=0.8, top_k=None, new_chars=200, seed=0
):
    """The next-character distribution and a sample, at one temperature and top-k.

    Args:
        model: a trained ``GPT`` (or ``CharLSTM``). vocabulary: its CharVocabulary.
        prompt: a non-empty str of the vocabulary's characters.
        temperature: > 0. top_k: None or 1 .. vocab_size.
        new_chars: the length of the sample. seed: of the sample's generator.

    Returns the matplotlib Figure.
    """
    idx = _check_model(model, vocabulary, prompt)
    new_chars = check_integer(new_chars, "new_chars", minimum=1)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    context = idx[:, -getattr(model.config, "block_size", idx.shape[1]) :]
    logits = model(context.to(device))[0][0, -1].cpu()
    probs = sampling_probabilities(logits, temperature, top_k)
    generator = torch.Generator(device=device).manual_seed(seed)
    out = model.generate(
        idx.to(device), new_chars, temperature, top_k, generator=generator
    )
    model.train(was_training)
    sample = vocabulary.decode(out[0, idx.shape[1] :].cpu().numpy())
    fig, (left, right) = plt.subplots(
        1,
        2,
        figsize=(11, 3.8),
        gridspec_kw={"width_ratios": [1, 1.15]},
        layout="constrained",
    )
    k = "all" if top_k is None else top_k
    plot_next_token_distribution(
        probs,
        vocabulary.chars,
        ax=left,
        title=f"next character after {prompt[-12:]!r}: T = {temperature:g}, k = {k}",
    )
    plot_sample_text(prompt + sample, ax=right, title=f"a sample (seed {seed})")
    return fig


def _sampling_static(model, vocabulary, prompt, temperature, top_k, new_chars):
    from helpers.widgets.static import Fixed, Menu, Slider, precompute

    def draw(temperature, top_k, new_chars):
        return sampling_figure(
            model, vocabulary, prompt, temperature, top_k, new_chars=new_chars
        )

    temps = sorted(WEB_TEMPERATURES)
    top_k_label = next((k for k, v in WEB_TOP_KS.items() if v == top_k), "all")
    return precompute(
        draw,
        [
            Slider(
                "temperature",
                temps,
                label="temperature",
                start=min(temps, key=lambda t: abs(t - temperature)),
            ),
            Menu("top_k", WEB_TOP_KS, label="top-k", start=top_k_label),
            Fixed("new_chars", new_chars, label="characters", span=(20, 400)),
        ],
        alt="Left, a bar chart of the most likely next characters after the prompt "
        "at the chosen temperature and top-k; right, a continuation of the prompt "
        "sampled with the same settings.",
    )


def sampling_explorer(
    model, vocabulary, prompt, temperature=1.0, top_k=None, new_chars=200, web=True
):
    """The explorer: a temperature slider and a top-k menu on a trained model.

    Live in JupyterLab and Colab; for a page without a kernel the figure is drawn
    in advance at the temperatures ``WEB_TEMPERATURES`` and the top-k choices
    ``WEB_TOP_KS`` (nine frames). ``web=False`` draws nothing in advance.

    Returns an ``ExplorerBox`` (an ``ipywidgets.VBox``).
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox

    _check_model(model, vocabulary, prompt)
    new_chars = check_integer(new_chars, "new_chars", minimum=1)
    static = (
        _sampling_static(model, vocabulary, prompt, temperature, top_k, new_chars)
        if web
        else None
    )
    slider = widgets.FloatSlider(
        value=temperature,
        min=0.1,
        max=2.0,
        step=0.1,
        description="temperature",
        continuous_update=False,
    )
    options = {"all": None, "20": 20, "10": 10, "5": 5, "3": 3, "1 (greedy)": 1}
    menu = widgets.Dropdown(
        options=list(options.items()),
        value=top_k if top_k in options.values() else None,
        description="top-k",
    )
    output = widgets.Output()
    box = ExplorerBox([widgets.HBox([slider, menu]), output], static=static)

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = sampling_figure(
                model, vocabulary, prompt, slider.value, menu.value, new_chars
            )
            display(fig)
            plt.close(fig)
        box.figure = fig

    slider.observe(redraw, names="value")
    menu.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box
