"""Explorers without a kernel: a figure drawn in advance over a grid of settings.

A live explorer (ipywidgets) redraws its figure in the kernel whenever a control moves.
A web page has no kernel, so a slider there would move while the figure stayed put. This
module draws the figure once for every combination of control values on a small grid,
when the notebook runs (for the web book: when the book is built), and writes an HTML
explorer whose real controls (range sliders and menus) switch between those images in
the browser. A slider can only stop on a value the figure was drawn for, and the number
beside it is always the one the figure shows. A setting that cannot be drawn in advance
within the notebook's time budget is shown as a greyed-out control with the cue
"run this notebook to explore".

Usage, for an explorer of a figure function ``draw(**settings) -> Figure``::

    from helpers.widgets.static import ExplorerBox, Fixed, Menu, Slider, precompute

    def draw(lr, batch_size, epochs):
        return learning_rate_figure(X, y, lr=lr, batch_size=batch_size, epochs=epochs)

    static = precompute(
        draw,
        [Slider("lr", [0.01, 0.1, 0.3, 0.9], label="learning rate", start=0.3),
         Menu("batch_size", {"full batch": None, "8": 8}, label="batch size"),
         Fixed("epochs", 30, span=(1, 200))],   # passed to draw, greyed out
        alt="Loss per epoch and the path of gradient descent.")
    static              # in a notebook: shows the HTML explorer (static.to_html())

    # The same cell, live in JupyterLab or Colab and precomputed in the web book:
    box = ExplorerBox([controls, output], static=static)   # an ipywidgets.VBox
    box

``precompute`` calls ``draw`` once per grid point (``Slider`` values x ``Menu`` options,
``Fixed`` values passed unchanged), so keep the grid small: every frame costs one
figure (roughly 0.2-0.5 s on a laptop CPU, more if ``draw`` trains a model), and it
refuses more than ``max_frames`` of them. ``static.seconds`` says how long it took.

An ``ExplorerBox`` is an ``ipywidgets.VBox`` whose display carries both the live
widget and the precomputed HTML. JupyterLab and Notebook 7 rank the widget view
first (rank -10 against the HTML's 50) and show the live widget; the web book's
configuration
(``nb_mime_priority_overrides`` in ``_config.yml``) ranks the HTML first, and a page
that shows no live widget loads no widget scripts (``book/_ext/widget_scripts.py``).

The browser side is ``static_explorer.js`` and ``static_explorer.css`` beside this
file (plain JavaScript and CSS, no library, no network); both are written into each
explorer's HTML, so the output works wherever HTML with scripts is shown.
"""

import base64
import hashlib
import html
import io
import itertools
import json
import math
import time
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import ipywidgets as widgets
import numpy as np

__all__ = [
    "slider_or_fixed",
    "Slider",
    "Menu",
    "Fixed",
    "StaticExplorer",
    "precompute",
    "ExplorerBox",
    "RUN_CUE",
]

RUN_CUE = "run this notebook to explore"
_HERE = Path(__file__).resolve().parent


def _check_name(name, what):
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"the name of a {what} must be a Python identifier (it is the keyword "
            f"passed to draw), got {name!r}"
        )
    return name


def _check_text(text, name):
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must be a non-empty string, got {text!r}")
    return text


def _format(fmt, value, name):
    try:
        return fmt.format(value)
    except (ValueError, TypeError, IndexError, KeyError) as error:
        raise ValueError(
            f"fmt of {name!r} must format one value, e.g. '{{:.3g}}', "
            f"got {fmt!r} ({error})"
        ) from None


@dataclass(frozen=True)
class Slider:
    """A range slider over a list of values; in the browser it stops only on them.

    Args:
        name: the keyword argument of ``draw`` that the slider sets.
        values: the grid, at least two values in increasing order (numbers).
        label: what the page calls the control (default: ``name``).
        start: where the slider starts, snapped to the nearest grid value (default:
            the first).
        fmt: how a value is written beside the slider, e.g. ``"{:.3g}"``.
        log: snap on a log scale (for learning rates; the values must be > 0).
    """

    name: str
    values: tuple
    label: str = None
    start: float = None
    fmt: str = "{:g}"
    log: bool = False

    def __post_init__(self):
        _check_name(self.name, "Slider")
        try:
            values = tuple(self.values)
        except TypeError:
            raise TypeError(
                f"values of Slider {self.name!r} must be a sequence of numbers, "
                f"got {self.values!r}"
            ) from None
        bad = [
            v
            for v in values
            if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v)
        ]
        if bad:
            raise ValueError(
                f"values of Slider {self.name!r} must be finite numbers, got {bad[0]!r}"
            )
        if len(values) < 2:
            raise ValueError(
                f"values of Slider {self.name!r} must hold at least two values, got "
                f"{len(values)} (use Fixed for a setting that does not change)"
            )
        if any(b <= a for a, b in zip(values, values[1:])):
            raise ValueError(
                f"values of Slider {self.name!r} must increase strictly, got {values}"
            )
        if self.log and values[0] <= 0:
            raise ValueError(
                f"values of Slider {self.name!r} must be positive for log=True, "
                f"got {values[0]!r}"
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "label", _check_text(self.label or self.name, "label"))
        if self.start is not None and (
            isinstance(self.start, bool)
            or not isinstance(self.start, Real)
            or not math.isfinite(self.start)
        ):
            raise ValueError(
                f"start of Slider {self.name!r} must be a finite number, "
                f"got {self.start!r}"
            )
        labels = self.labels()
        if len(set(labels)) < len(labels):
            raise ValueError(
                f"fmt {self.fmt!r} of Slider {self.name!r} writes two values the same "
                f"way: {labels}; use more digits"
            )

    def labels(self):
        """The text shown beside the slider for each value."""
        return [_format(self.fmt, v, self.name) for v in self.values]

    def snap(self, value):
        """The index of the grid value nearest ``value`` (on a log scale if ``log``)."""
        if (
            isinstance(value, bool)
            or not isinstance(value, Real)
            or not math.isfinite(value)
        ):
            raise ValueError(
                f"a value of Slider {self.name!r} must be a finite number, "
                f"got {value!r}"
            )
        grid = np.asarray(self.values, dtype=float)
        if self.log:
            if value <= 0:
                raise ValueError(
                    f"a value of Slider {self.name!r} (log=True) must be positive, "
                    f"got {value!r}"
                )
            return int(np.argmin(np.abs(np.log(grid) - math.log(value))))
        return int(np.argmin(np.abs(grid - value)))

    def start_index(self):
        return 0 if self.start is None else self.snap(self.start)


@dataclass(frozen=True)
class Menu:
    """A drop-down menu of options.

    Args:
        name: the keyword argument of ``draw`` that the menu sets.
        options: a dict ``{label: value}`` (labels as the menu shows them), or a
            sequence of values labelled by ``str``; at least two options.
        label: what the page calls the control (default: ``name``).
        start: the label of the option selected at first (default: the first).
        unavailable: labels of options the live explorer has but the page does not: they
            are listed greyed out, with the cue "run this notebook to explore".
    """

    name: str
    options: dict
    label: str = None
    start: str = None
    unavailable: tuple = ()

    def __post_init__(self):
        _check_name(self.name, "Menu")
        options = self.options
        if not isinstance(options, dict):
            try:
                options = {str(v): v for v in options}
            except TypeError:
                raise TypeError(
                    f"options of Menu {self.name!r} must be a dict {{label: value}} "
                    f"or a sequence of values, got {self.options!r}"
                ) from None
        if len(options) < 2:
            raise ValueError(
                f"options of Menu {self.name!r} must hold at least two options, got "
                f"{len(options)} (use Fixed for a setting that does not change)"
            )
        for label in options:
            _check_text(label, f"an option label of Menu {self.name!r}")
        object.__setattr__(self, "options", dict(options))
        object.__setattr__(self, "label", _check_text(self.label or self.name, "label"))
        if self.start is not None and self.start not in options:
            raise ValueError(
                f"start of Menu {self.name!r} must be one of its labels "
                f"{list(options)}, got {self.start!r}"
            )
        if isinstance(self.unavailable, str):
            raise TypeError(
                f"unavailable of Menu {self.name!r} must be a sequence of labels, "
                f"got the string {self.unavailable!r}"
            )
        unavailable = tuple(self.unavailable)
        for label in unavailable:
            _check_text(label, f"an unavailable label of Menu {self.name!r}")
        clash = [label for label in unavailable if label in options]
        if clash:
            raise ValueError(
                f"unavailable of Menu {self.name!r} must name options it does not "
                f"draw, got {clash}, which are among its options"
            )
        object.__setattr__(self, "unavailable", unavailable)

    @property
    def values(self):
        return tuple(self.options.values())

    def labels(self):
        return list(self.options)

    def start_index(self):
        return 0 if self.start is None else list(self.options).index(self.start)


@dataclass(frozen=True)
class Fixed:
    """A setting passed to ``draw`` unchanged, shown as a greyed-out control with a cue.

    Args:
        name: the keyword argument of ``draw``.
        value: the value used for every frame.
        label: what the page calls the control (default: ``name``).
        fmt: how the value is written, e.g. ``"{:g}"`` (default ``"{}"``).
        span: ``(low, high)`` of the live slider, to draw a disabled slider at the
            value's place; ``None`` draws a disabled menu holding the value.
        cue: what the page says of the greyed-out settings (default ``RUN_CUE``, "run
            this notebook to explore").
    """

    name: str
    value: object
    label: str = None
    fmt: str = "{}"
    span: tuple = None
    cue: str = RUN_CUE

    def __post_init__(self):
        _check_name(self.name, "Fixed setting")
        object.__setattr__(self, "label", _check_text(self.label or self.name, "label"))
        _check_text(self.cue, "cue")
        if self.span is not None:
            try:
                low, high = (float(v) for v in self.span)
            except (TypeError, ValueError):
                raise ValueError(
                    f"span of Fixed {self.name!r} must be a pair (low, high), "
                    f"got {self.span!r}"
                ) from None
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(
                    f"span of Fixed {self.name!r} must be (low, high) with low < high, "
                    f"got {self.span!r}"
                )
            value = self.value
            if (
                isinstance(value, bool)
                or not isinstance(value, Real)
                or not low <= value <= high
            ):
                raise ValueError(
                    f"value of Fixed {self.name!r} must be a number in its span "
                    f"({low:g}, {high:g}), got {value!r}"
                )
            object.__setattr__(self, "span", (low, high))
        _format(self.fmt, self.value, self.name)

    def text(self):
        return _format(self.fmt, self.value, self.name)


def slider_or_fixed(
    name, values, label=None, start=None, fmt="{:g}", log=False, span=None
):
    """A ``Slider`` over ``values``, or a ``Fixed`` setting when there is only one.

    Explorers build their grids from the caller's choices; a grid of one value is a
    setting the page shows greyed out (``span`` places it on the live slider's range).
    """
    values = list(values)
    if len(values) == 1:
        return Fixed(name, values[0], label=label, fmt=fmt, span=span)
    return Slider(name, values, label=label, start=start, fmt=fmt, log=log)


# ---------------------------------------------------------------------------- drawing


def _positions(fig):
    """Where the layout engine put each axes (and the suptitle) in the first frame."""
    suptitle = fig._suptitle.get_position() if fig._suptitle is not None else None
    return [ax.get_position() for ax in fig.axes], suptitle


def _apply_positions(fig, layout):
    """Reuse the first frame's layout: the axes do not jump between frames, and the
    layout engine (a third of a frame's cost) runs once."""
    boxes, suptitle = layout
    if len(boxes) != len(fig.axes) or fig.get_layout_engine() is None:
        return
    fig.set_layout_engine("none")
    for ax, box in zip(fig.axes, boxes):
        ax.set_position(box)
    if suptitle is not None and fig._suptitle is not None:
        fig._suptitle.set_position(suptitle)


def _png(fig, dpi, layout=None):
    """Draw ``fig`` once with Agg and return it as an 8-bit (palette) PNG.

    A palette of 256 colours keeps a plot's lines and text sharp at a quarter of the
    size of a full-colour PNG.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(dpi)
    if layout is not None:
        _apply_positions(fig, layout)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0  # composite on white
    rgb = (rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    image = Image.fromarray(rgb).quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class StaticExplorer:
    """The frames of an explorer, drawn in advance, and the HTML that switches them.

    Made by ``precompute``. Attributes: ``controls`` (as given), ``frames``
    (``{(i, j, ...): image index}``, one entry per combination of the live controls'
    indices), ``images`` (the distinct PNGs, bytes), ``seconds`` (time spent drawing).
    """

    def __init__(self, controls, frames, images, alt, title, note, seconds):
        self.controls = controls
        self.frames = frames
        self.images = images
        self.alt = alt
        self.title = title
        self.note = note
        self.seconds = seconds

    @property
    def live(self):
        """The controls a reader can move on the page (sliders and menus)."""
        return [c for c in self.controls if not isinstance(c, Fixed)]

    def start(self):
        """The indices of the live controls' starting positions."""
        return tuple(c.start_index() for c in self.live)

    def values_at(self, indices):
        """``{name: label}`` of every setting at the grid point ``indices`` (live
        controls at those indices, fixed ones at their value)."""
        live = iter(zip(self.live, indices))
        values = {}
        for control in self.controls:
            if isinstance(control, Fixed):
                values[control.name] = control.text()
            else:
                c, i = next(live)
                values[c.name] = c.labels()[i]
        return values

    def settings_text(self, indices):
        """The settings at ``indices`` in words: "(learning rate 0.3, batch size 8)"."""
        values = self.values_at(indices)
        labels = {c.name: c.label for c in self.controls}
        return "(" + ", ".join(f"{labels[n]} {v}" for n, v in values.items()) + ")"

    def __repr__(self):
        sizes = "x".join(str(len(c.values)) for c in self.live)
        return (
            f"<StaticExplorer: {len(self.frames)} frames ({sizes}), "
            f"{len(self.images)} distinct images, drawn in {self.seconds:.1f} s>"
        )

    def _data(self):
        return {
            "alt": self.alt,
            "controls": [
                {"name": c.name, "label": c.label, "labels": c.labels()}
                for c in self.live
            ],
            "images": [
                "data:image/png;base64," + base64.b64encode(png).decode("ascii")
                for png in self.images
            ],
            "frames": {
                ",".join(map(str, key)): {
                    "image": k,
                    "values": self.values_at(key),
                    "settings": self.settings_text(key),
                }
                for key, k in self.frames.items()
            },
        }

    def _control_html(self, control, index):
        e = html.escape
        name = e(control.name)
        head = f'<span class="static-explorer-name">{e(control.label)}</span>'
        if isinstance(control, Slider):
            label = control.labels()[index]
            return (
                f'<label class="static-explorer-control">{head}'
                f'<input type="range" min="0" max="{len(control.values) - 1}" step="1" '
                f'value="{index}" data-control="{name}" aria-valuetext="{e(label)}">'
                f'<output data-readout="{name}">{e(label)}</output></label>'
            )
        if isinstance(control, Menu):
            options = "".join(
                f'<option value="{i}"{" selected" if i == index else ""}>'
                f"{e(text)}</option>"
                for i, text in enumerate(control.labels())
            )
            options += "".join(
                f"<option disabled>{e(text)} ({e(RUN_CUE)})</option>"
                for text in control.unavailable
            )
            return (
                f'<label class="static-explorer-control">{head}'
                f'<select data-control="{name}">{options}</select></label>'
            )
        text = e(control.text())
        if control.span is not None:
            low, high = control.span
            widget = (
                f'<input type="range" disabled min="{low:g}" max="{high:g}" '
                f'value="{float(control.value):g}" step="any" data-fixed="{name}">'
                f"<output>{text}</output>"
            )
        else:
            widget = (
                f'<select disabled data-fixed="{name}">'
                f"<option selected>{text}</option></select>"
            )
        return f'<label class="static-explorer-control">{head}{widget}</label>'

    def to_html(self):
        """The explorer as one self-contained HTML fragment: style, controls, image,
        data and script."""
        e = html.escape
        data = self._data()
        start = self.start()
        uid = (
            "static-explorer-"
            + hashlib.sha1(json.dumps(data["frames"]).encode()).hexdigest()[:10]
        )
        controls = "".join(self._control_html(c, i) for c, i in zip(self.live, start))
        fixed = [c for c in self.controls if isinstance(c, Fixed)]
        if fixed:  # greyed out together, under one cue
            cues = "; ".join(dict.fromkeys(c.cue for c in fixed))
            controls += (
                '<div class="static-explorer-fixed">'
                f'<p class="static-explorer-cue">Fixed on this page ({e(cues)}):</p>'
                + "".join(self._control_html(c, None) for c in fixed)
                + "</div>"
            )
        first = data["frames"][",".join(map(str, start))]
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        title = (
            f'<p class="static-explorer-title"><strong>{e(self.title)}</strong></p>'
            if self.title
            else ""
        )
        note = (
            f'<p class="static-explorer-note">{e(self.note)}</p>' if self.note else ""
        )
        style = (_HERE / "static_explorer.css").read_text(encoding="utf-8")
        script = (_HERE / "static_explorer.js").read_text(encoding="utf-8")
        return (
            f'<div class="static-explorer" id="{uid}">'
            f"<style>{style}</style>{title}{note}"
            f'<div class="static-explorer-controls">{controls}</div>'
            '<img class="static-explorer-figure" '
            f'src="{data["images"][first["image"]]}" '
            f'alt="{e(self.alt + " " + first["settings"])}" '
            f'data-values="{e(json.dumps(first["values"]))}" '
            f'data-frame="{",".join(map(str, start))}">'
            '<script type="application/json" class="static-explorer-data">'
            f"{payload}</script>"
            f"<script>{script}</script></div>"
        )

    def _repr_html_(self):
        return self.to_html()


def precompute(draw, controls, alt, title=None, note=None, dpi=80, max_frames=48):
    """Draw ``draw(**settings)`` for every combination of the controls' values.

    Args:
        draw: a function of keyword arguments, one per control, returning a matplotlib
            ``Figure`` (closed here once it is drawn).
        controls: a list of ``Slider``, ``Menu`` and ``Fixed``; the page shows the
            sliders and menus in this order, then the fixed settings greyed out under
            one cue; at least one ``Slider`` or ``Menu``.
        alt: alt text for the figure (what it shows, in words); the page adds the
            settings shown.
        title, note: an optional heading and a line of text above the controls.
        dpi: the frames' resolution (80 draws an 11-inch-wide figure 880 pixels wide).
        max_frames: refuse grids with more combinations than this.

    Returns:
        a ``StaticExplorer``; display it, or call ``to_html()``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    if not callable(draw):
        raise TypeError(
            f"draw must be a function returning a Figure, got {type(draw).__name__}"
        )
    try:
        controls = list(controls)
    except TypeError:
        raise TypeError(
            f"controls must be a list of Slider, Menu and Fixed, got {controls!r}"
        ) from None
    for control in controls:
        if not isinstance(control, (Slider, Menu, Fixed)):
            raise TypeError(
                f"controls must hold Slider, Menu and Fixed objects, got {control!r}"
            )
    names = [c.name for c in controls]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"controls must have distinct names, got {repeated} more than once"
        )
    live = [c for c in controls if not isinstance(c, Fixed)]
    if not live:
        raise ValueError(
            "controls must include at least one Slider or Menu for the reader to move"
        )
    _check_text(alt, "alt")
    if isinstance(dpi, bool) or not isinstance(dpi, Real) or not 20 <= dpi <= 300:
        raise ValueError(f"dpi must be a number from 20 to 300, got {dpi!r}")
    if (
        isinstance(max_frames, bool)
        or not isinstance(max_frames, int)
        or max_frames < 1
    ):
        raise ValueError(
            f"max_frames must be a positive whole number, got {max_frames!r}"
        )
    count = math.prod(len(c.values) for c in live)
    if count > max_frames:
        sizes = " x ".join(f"{len(c.values)} {c.name}" for c in live)
        raise ValueError(
            f"the grid has {count} combinations ({sizes}), more than max_frames="
            f"{max_frames}: use fewer values, or make a control Fixed"
        )

    started = time.perf_counter()
    fixed = {c.name: c.value for c in controls if isinstance(c, Fixed)}
    frames, images, seen, layout = {}, [], {}, None
    # The starting frame first: its layout is the one every frame reuses.
    start = tuple(c.start_index() for c in live)
    grid = sorted(
        itertools.product(*(range(len(c.values)) for c in live)),
        key=lambda k: k != start,
    )
    for indices in grid:
        settings = {**fixed, **{c.name: c.values[i] for c, i in zip(live, indices)}}
        fig = draw(**settings)
        if not isinstance(fig, Figure):
            raise TypeError(
                f"draw must return a matplotlib Figure, got {type(fig).__name__} "
                f"for {settings}"
            )
        try:
            png = _png(fig, dpi, layout)
            if layout is None:
                layout = _positions(fig)
        finally:
            plt.close(fig)
        if png not in seen:
            seen[png] = len(images)
            images.append(png)
        frames[indices] = seen[png]
    frames = dict(sorted(frames.items()))
    return StaticExplorer(
        controls, frames, images, alt, title, note, time.perf_counter() - started
    )


# ---------------------------------------------------------------------- live + static


class ExplorerBox(widgets.VBox):
    """An ``ipywidgets.VBox`` (the live explorer) that carries a ``StaticExplorer``.

    Displayed, it offers both: the widget view, which JupyterLab and Colab show, and the
    precomputed HTML (``text/html``), which the web book shows. ``static=None`` gives a
    plain VBox.
    """

    def __init__(self, children=(), static=None, **kwargs):
        if static is not None and not isinstance(static, StaticExplorer):
            raise TypeError(
                f"static must be a StaticExplorer (from precompute) or None, "
                f"got {type(static).__name__}"
            )
        super().__init__(children, **kwargs)
        self.static = static

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None and self.static is not None:
            bundle["text/html"] = self.static.to_html()
        return bundle
