"""The sampler explorer (chapter 6): how temperature and top-k change generated text.

    sample_text        a prompt continued by a language model, as a string
    sampler_figure     the same as a figure, the sampling settings in its title
    sampler_explorer   an ``ExplorerBox``: temperature, top-k, prompt and length live;
                       in the web book, samples drawn in advance over a small grid

The model is anything with the ``generate(idx, max_new_tokens, temperature, top_k,
generator)`` method of ``helpers.char_lstm.CharLSTM`` and ``helpers.gpt.GPT``, and a
``config.vocab_size``; the text goes through a ``helpers.text.CharVocabulary``.
"""

import matplotlib.pyplot as plt
import torch

from helpers.checks import check_integer
from helpers.gpt import check_sampling
from helpers.plot.sequences import plot_text_sample
from helpers.text import CharVocabulary

__all__ = [
    "WEB_TEMPERATURES",
    "WEB_TOP_KS",
    "sample_text",
    "sampler_figure",
    "sampler_explorer",
]

#: the grid the web book's explorer is drawn over
WEB_TEMPERATURES = (0.3, 0.8, 1.5)
WEB_TOP_KS = (None, 5)


def _check_model(model, vocabulary):
    if not (hasattr(model, "generate") and hasattr(model, "config")):
        raise TypeError(
            "model must be a language model with generate() and config, such as a "
            f"helpers.char_lstm.CharLSTM or a helpers.gpt.GPT, got "
            f"{type(model).__name__}"
        )
    if not isinstance(vocabulary, CharVocabulary):
        raise TypeError(
            f"vocabulary must be a CharVocabulary, got {type(vocabulary).__name__}"
        )
    if vocabulary.size != model.config.vocab_size:
        raise ValueError(
            f"vocabulary must have the model's vocab_size = {model.config.vocab_size} "
            f"characters, got {vocabulary.size}"
        )


def sample_text(model, vocabulary, prompt, length, temperature=1.0, top_k=None, seed=0):
    """``prompt`` (a non-empty str) continued by ``length`` sampled characters -> str.

    The same seed gives the same text; the prompt is part of the returned string.
    """
    _check_model(model, vocabulary)
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    check_sampling(length, temperature, top_k, None, vocabulary.size)
    seed = check_integer(seed, "seed", minimum=0)
    device = next(model.parameters()).device
    idx = torch.from_numpy(vocabulary.encode(prompt))[None].to(device)  # (1, P)
    generator = torch.Generator(device=device).manual_seed(seed)
    out = model.generate(
        idx, length, temperature=temperature, top_k=top_k, generator=generator
    )
    return vocabulary.decode(out[0].cpu().numpy())


def _settings(temperature, top_k):
    return f"temperature {temperature:g}, " + (
        "all characters" if top_k is None else f"top-{top_k}"
    )


def sampler_figure(
    model, vocabulary, prompt, length, temperature=1.0, top_k=None, seed=0
):
    """A figure of ``sample_text(...)``, its settings in the title -> ``Figure``."""
    text = sample_text(model, vocabulary, prompt, length, temperature, top_k, seed)
    lines = min(40, max(10, len(text) // 30))  # a longer sample, a taller figure
    fig, ax = plt.subplots(figsize=(7.5, 0.25 * lines + 0.9))
    plot_text_sample(text, ax=ax, title=_settings(temperature, top_k), max_lines=lines)
    return fig


def sampler_explorer(
    model,
    vocabulary,
    prompts,
    length=300,
    temperature=0.8,
    top_k=None,
    seed=0,
    web_temperatures=WEB_TEMPERATURES,
    web_top_ks=WEB_TOP_KS,
    web=True,
):
    """The explorer: temperature, top-k, prompt and length for ``model``'s samples.

    Live in JupyterLab and Colab. For a page without a kernel the samples are also
    drawn in advance for every prompt in ``prompts`` at each temperature in
    ``web_temperatures`` and each top-k in ``web_top_ks`` (``None``: all
    characters), with the length fixed (greyed out: run the notebook to change it).
    ``web=False`` draws nothing in advance.

    Args:
        model, vocabulary: as ``sample_text``.
        prompts: a list of at least two prompts (str) for the menu.
        length: characters to generate. temperature, top_k: where the controls
            start. seed: every sample of the explorer uses this seed.

    Returns:
        an ``ExplorerBox`` (an ``ipywidgets.VBox``).
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox, Fixed, Menu, Slider, precompute

    _check_model(model, vocabulary)
    prompts = list(prompts) if not isinstance(prompts, str) else [prompts]
    if len(prompts) < 2 or not all(isinstance(p, str) and p for p in prompts):
        raise ValueError(
            f"prompts must be a list of at least two non-empty strings, got {prompts!r}"
        )
    for prompt in prompts:
        vocabulary.encode(prompt)  # a clear error for an unknown character
    check_sampling(length, temperature, top_k, None, vocabulary.size)
    static = None
    if web:
        temperatures = sorted(set(web_temperatures))
        for t in temperatures:
            check_sampling(0, t, None, None, vocabulary.size)
        ks = {("all" if k is None else f"top-{k}"): k for k in web_top_ks}
        for k in ks.values():
            check_sampling(0, 1.0, k, None, vocabulary.size)

        def frame(prompt, temperature, top_k, length):
            return sampler_figure(
                model, vocabulary, prompt, length, temperature, top_k, seed
            )

        static = precompute(
            frame,
            [
                Menu("prompt", {repr(p): p for p in prompts}, label="prompt"),
                Slider(
                    "temperature",
                    temperatures,
                    label="temperature",
                    start=min(temperatures, key=lambda t: abs(t - temperature)),
                ),
                Menu("top_k", ks, label="top-k"),
                Fixed("length", length, label="length", span=(20, 2000)),
            ],
            alt="A passage of text generated by the character model from the chosen "
            "prompt, with the sampling temperature and top-k in the title.",
        )
    prompt_menu = widgets.Dropdown(
        options=[(repr(p), p) for p in prompts], value=prompts[0], description="prompt"
    )
    temperature_slider = widgets.FloatLogSlider(
        value=temperature,
        base=10,
        min=-1,
        max=0.5,
        step=0.05,
        description="temperature",
        continuous_update=False,
    )
    top_k_menu = widgets.Dropdown(
        options=[("all", None)] + [(f"top-{k}", k) for k in (1, 3, 5, 10, 20)],
        value=top_k if top_k in (None, 1, 3, 5, 10, 20) else None,
        description="top-k",
    )
    length_slider = widgets.IntSlider(
        value=length,
        min=20,
        max=2000,
        step=20,
        description="length",
        continuous_update=False,
    )
    output = widgets.Output()
    box = ExplorerBox(
        [
            widgets.HBox([prompt_menu, top_k_menu]),
            widgets.HBox([temperature_slider, length_slider]),
            output,
        ],
        static=static,
    )

    def redraw(change=None):
        fig = sampler_figure(
            model,
            vocabulary,
            prompt_menu.value,
            length_slider.value,
            temperature_slider.value,
            top_k_menu.value,
            seed,
        )
        with output:
            output.clear_output(wait=True)
            display(fig)
        plt.close(fig)
        box.figure = fig

    for control in (prompt_menu, temperature_slider, top_k_menu, length_slider):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box
