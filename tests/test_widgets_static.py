"""Tests for helpers.widgets.static: explorers drawn in advance; no kernel needed.

The browser side (moving a control changes the figure) is tested in
tests/test_browser_explorers.py on the built book.
"""

import json
import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")  # no display needed; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from helpers.widgets.static import (  # noqa: E402
    RUN_CUE,
    ExplorerBox,
    Fixed,
    Menu,
    Slider,
    StaticExplorer,
    precompute,
    slider_or_fixed,
)

ALT = "A line whose slope is the chosen value."


def draw_line(slope, offset=0.0, style="-"):
    """A small figure that depends visibly on every setting."""
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.plot([0, 1], [offset, offset + slope], style)
    ax.set(ylim=(-3, 3), title=f"slope {slope:g}, offset {offset:g}")
    return fig


class _Parsed(HTMLParser):
    """The start tags of an HTML fragment and the text of its JSON data block."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.data, self._in_data = [], None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_data = tag == "script" and attrs.get("type") == "application/json"

    def handle_data(self, data):
        if self._in_data:
            self.data = json.loads(data)
            self._in_data = False


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def explorer():
    return precompute(
        draw_line,
        [
            Slider("slope", [-2, -1, 0, 1, 2], start=1),
            Menu("style", {"solid": "-", "dashed": "--"}),
            Fixed("offset", 0.5, span=(-1, 1)),
        ],
        alt=ALT,
        title="Lines",
        note="Drawn in advance.",
    )


# ------------------------------------------------------------------------ controls


def test_slider_snaps_to_the_nearest_grid_value():
    slider = Slider("lr", [0.001, 0.01, 0.1, 1.0], log=True, fmt="{:g}")
    assert slider.labels() == ["0.001", "0.01", "0.1", "1"]
    assert (
        slider.snap(0.03) == 1
    )  # nearer 0.01 than 0.1 on a log scale (0.0316 is the midpoint)
    assert slider.snap(0.04) == 2
    assert slider.snap(50.0) == 3 and slider.snap(1e-9) == 0
    linear = Slider("w", [0, 1, 2, 3], start=2.4)
    assert linear.snap(1.6) == 2 and linear.start_index() == 2
    assert Slider("w", [0, 1]).start_index() == 0


def test_menu_accepts_a_dict_or_a_list():
    menu = Menu("batch", {"full batch": None, "8": 8}, start="8")
    assert (
        menu.labels() == ["full batch", "8"]
        and menu.values == (None, 8)
        and menu.start_index() == 1
    )
    assert Menu("act", ["relu", "tanh"]).options == {"relu": "relu", "tanh": "tanh"}


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Slider("lr", [0.1]), "at least two values"),
        (lambda: Slider("lr", [0.1, 0.1]), "increase strictly"),
        (lambda: Slider("lr", [0.2, 0.1]), "increase strictly"),
        (lambda: Slider("lr", [0.0, 0.1], log=True), "positive for log=True"),
        (lambda: Slider("lr", [0.1, float("nan")]), "finite numbers"),
        (lambda: Slider("lr", ["a", "b"]), "finite numbers"),
        (lambda: Slider("lr", 0.1), "sequence of numbers"),
        (
            lambda: Slider("lr", [0.101, 0.102], fmt="{:.2f}"),
            "writes two values the same way",
        ),
        (
            lambda: Slider("lr", [0.1, 0.2], fmt="{:d}"),
            "fmt of 'lr' must format one value",
        ),
        (
            lambda: Slider("lr", [0.1, 0.2], start="big"),
            "start of Slider 'lr' must be a finite number",
        ),
        (lambda: Slider("learning rate", [0.1, 0.2]), "Python identifier"),
        (
            lambda: Slider("lr", [0.1, 0.2], label="  "),
            "label must be a non-empty string",
        ),
        (lambda: Menu("act", ["relu"]), "at least two options"),
        (lambda: Menu("act", 3), "dict {label: value} or a sequence"),
        (
            lambda: Menu("act", ["relu", "tanh"], start="elu"),
            "start of Menu 'act' must be one of",
        ),
        (
            lambda: Menu("act", ["relu", "tanh"], unavailable="elu"),
            "sequence of labels",
        ),
        (
            lambda: Menu("act", ["relu", "tanh"], unavailable=["tanh"]),
            "options it does not draw",
        ),
        (
            lambda: Fixed("epochs", 300, span=(1, 200)),
            "value of Fixed 'epochs' must be a number in its span",
        ),
        (lambda: Fixed("epochs", 30, span=(200, 1)), "low < high"),
        (lambda: Fixed("epochs", 30, span=5), "pair"),
        (lambda: Fixed("epochs", 30, cue=""), "cue must be a non-empty string"),
    ],
)
def test_controls_reject_bad_settings(make, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        make()


def test_slider_or_fixed():
    assert isinstance(slider_or_fixed("w", [1, 2], start=2), Slider)
    one = slider_or_fixed("w", [3], label="width", span=(1, 64))
    assert isinstance(one, Fixed) and (one.value, one.label, one.span) == (
        3,
        "width",
        (1, 64),
    )
    with pytest.raises(ValueError, match="at least two values"):
        slider_or_fixed("w", [])


def test_snap_rejects_values_off_the_scale():
    with pytest.raises(ValueError, match="must be positive"):
        Slider("lr", [0.1, 1.0], log=True).snap(0.0)
    with pytest.raises(ValueError, match="finite number"):
        Slider("lr", [0.1, 1.0]).snap(float("inf"))


# ---------------------------------------------------------------------- precompute


def test_precompute_draws_every_combination_once(explorer):
    assert isinstance(explorer, StaticExplorer)
    assert len(explorer.frames) == 5 * 2
    assert set(explorer.frames) == {(i, j) for i in range(5) for j in range(2)}
    assert (
        len(explorer.images) == 10 and len(set(explorer.images)) == 10
    )  # each setting looks different
    assert all(png.startswith(b"\x89PNG") for png in explorer.images)
    assert explorer.start() == (3, 0) and explorer.seconds > 0
    assert explorer.values_at((0, 1)) == {
        "slope": "-2",
        "style": "dashed",
        "offset": "0.5",
    }
    assert plt.get_fignums() == []  # every frame was closed
    assert "10 frames (5x2)" in repr(explorer)


def test_precompute_passes_fixed_settings_and_stores_identical_frames_once():
    calls = []

    def draw(slope, offset):
        calls.append((slope, offset))
        return draw_line(abs(slope), offset)  # slopes -1 and 1 give the same figure

    static = precompute(
        draw, [Slider("slope", [-1, 0, 1]), Fixed("offset", 0.25)], alt=ALT
    )
    assert sorted(calls) == [(-1, 0.25), (0, 0.25), (1, 0.25)]
    assert len(static.frames) == 3 and len(static.images) == 2
    assert static.frames[(0,)] == static.frames[(2,)] != static.frames[(1,)]


def test_precompute_draws_the_start_first_and_keeps_its_layout():
    order = []

    def draw(slope):
        order.append(slope)
        return draw_line(slope)

    precompute(draw, [Slider("slope", [-1, 0, 1], start=0)], alt=ALT)
    assert order[0] == 0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: precompute("draw", [Slider("slope", [0, 1])], alt=ALT),
            TypeError,
            "draw must be a function",
        ),
        (
            lambda: precompute(draw_line, [Fixed("slope", 1)], alt=ALT),
            ValueError,
            "at least one Slider or Menu",
        ),
        (
            lambda: precompute(draw_line, [("slope", [0, 1])], alt=ALT),
            TypeError,
            "Slider, Menu and Fixed objects",
        ),
        (
            lambda: precompute(draw_line, 5, alt=ALT),
            TypeError,
            "controls must be a list",
        ),
        (
            lambda: precompute(
                draw_line, [Slider("slope", [0, 1]), Fixed("slope", 1)], alt=ALT
            ),
            ValueError,
            "distinct names, got ['slope']",
        ),
        (
            lambda: precompute(draw_line, [Slider("slope", [0, 1])], alt=""),
            ValueError,
            "alt must be a non-empty",
        ),
        (
            lambda: precompute(draw_line, [Slider("slope", [0, 1])], alt=ALT, dpi=5),
            ValueError,
            "dpi must be",
        ),
        (
            lambda: precompute(
                draw_line, [Slider("slope", [0, 1])], alt=ALT, max_frames=0
            ),
            ValueError,
            "max_frames must be",
        ),
        (
            lambda: precompute(
                draw_line,
                [Slider("slope", list(range(8))), Menu("style", ["-", "--", ":"])],
                alt=ALT,
                max_frames=20,
            ),
            ValueError,
            "the grid has 24 combinations (8 slope x 3 style)",
        ),
        (
            lambda: precompute(lambda slope: None, [Slider("slope", [0, 1])], alt=ALT),
            TypeError,
            "draw must return a matplotlib Figure, got NoneType",
        ),
    ],
)
def test_precompute_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
    assert plt.get_fignums() == []


# ---------------------------------------------------------------------------- HTML


def test_html_holds_real_controls_on_the_grid(explorer):
    parsed = _Parsed(explorer.to_html())
    tags = parsed.tags
    (slider,) = [
        a for t, a in tags if t == "input" and a.get("data-control") == "slope"
    ]
    assert (
        slider["type"],
        slider["min"],
        slider["max"],
        slider["step"],
        slider["value"],
    ) == ("range", "0", "4", "1", "3")
    assert slider["aria-valuetext"] == "1"
    (menu,) = [a for t, a in tags if t == "select" and a.get("data-control") == "style"]
    (fixed,) = [a for t, a in tags if a.get("data-fixed") == "offset"]
    assert "disabled" in fixed and fixed["type"] == "range" and fixed["value"] == "0.5"
    assert (
        f'<p class="static-explorer-cue">Fixed on this page ({RUN_CUE}):</p>'
        in explorer.to_html()
    )
    (image,) = [a for t, a in tags if t == "img"]
    assert image["alt"] == ALT + " (slope 1, style solid, offset 0.5)"
    assert json.loads(image["data-values"]) == {
        "slope": "1",
        "style": "solid",
        "offset": "0.5",
    }
    data = parsed.data
    assert [c["name"] for c in data["controls"]] == ["slope", "style"]
    assert data["controls"][0]["labels"] == ["-2", "-1", "0", "1", "2"]
    assert len(data["frames"]) == 10 and len(data["images"]) == 10
    assert image["src"] == data["images"][data["frames"]["3,0"]["image"]]
    assert data["frames"]["4,1"]["values"] == {
        "slope": "2",
        "style": "dashed",
        "offset": "0.5",
    }


def test_html_is_self_contained(explorer):
    text = explorer.to_html()
    assert (
        "<style>" in text
        and "static-explorer-data" in text
        and "addEventListener" in text
    )
    assert not re.search(
        r"""(src|href)=["']https?:""", text
    )  # nothing fetched from the network
    assert explorer._repr_html_() == text


def test_unavailable_menu_options_are_shown_disabled():
    static = precompute(
        lambda style: draw_line(1, style=style),
        [Menu("style", {"solid": "-", "dashed": "--"}, unavailable=["dotted"])],
        alt=ALT,
    )
    assert f"<option disabled>dotted ({RUN_CUE})</option>" in static.to_html()


def test_labels_cannot_break_out_of_the_page():
    static = precompute(
        lambda style: draw_line(1, style=style),
        [Menu("style", {"</script><b>": "-", "a & b": "--"}, label="<i>style</i>")],
        alt=ALT,
    )
    text = static.to_html()
    assert "</script><b>" not in text and "<i>style</i>" not in text
    assert _Parsed(text).data["controls"][0]["labels"] == ["</script><b>", "a & b"]


# -------------------------------------------------------- live and static together


def test_explorer_box_offers_the_widget_and_the_html(explorer):
    import ipywidgets as widgets

    box = ExplorerBox([widgets.IntSlider()], static=explorer)
    assert isinstance(box, widgets.VBox)
    bundle = box._repr_mimebundle_()
    assert (
        bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    )
    assert bundle["text/html"] == explorer.to_html()
    plain = ExplorerBox([widgets.IntSlider()])._repr_mimebundle_()
    assert (
        "text/html" not in plain and "application/vnd.jupyter.widget-view+json" in plain
    )
    with pytest.raises(TypeError, match="static must be a StaticExplorer"):
        ExplorerBox([], static="<p>html</p>")
