"""Drawings of the computational graphs built by ``helpers.numpy_nn.autograd`` (chapter 3)."""

import numpy as np

from helpers.plot.style import _new_ax


def _graph_levels(order):
    """Columns for a left-to-right drawing of a graph in topological order (root last).

    The root goes in the column after its longest chain of inputs; every other node goes
    as far right as it can, one column left of its nearest consumer, so that an input
    sits next to the operation that uses it.
    """
    index = {id(node): i for i, node in enumerate(order)}
    consumers = {id(node): [] for node in order}
    for node in order:
        for parent in node._parents:
            consumers[id(parent)].append(node)
    depth = {}
    for node in order:  # inputs come first in a topological order
        depth[id(node)] = 1 + max((depth[id(p)] for p in node._parents), default=-1)
    level = {}
    for node in reversed(order):  # the root first
        users = [level[id(c)] for c in consumers[id(node)]]
        level[id(node)] = min(users) - 1 if users else depth[id(node)]
    shift = min(level.values())
    return {key: value - shift for key, value in level.items()}, consumers, index


def _node_text(node, show_values, show_grads, fmt, hidden):
    if node._parents:
        extras = [f"{c.data.item():{fmt}}" for c in node._parents if id(c) in hidden]
        head = node._op + (" " + ", ".join(extras) if extras else "")
        head = f"{head} \u2192 {node.label}" if node.label else head
    else:
        head = node.label or "const"
    lines = [head]
    if node.data.size == 1:
        if show_values:
            lines.append(f"= {node.data.item():{fmt}}")
        if show_grads:
            lines.append(f"grad {node.grad.item():{fmt}}")
    else:
        lines.append(f"shape {tuple(node.data.shape)}")
    return "\n".join(lines)


def plot_computation_graph(
    root,
    ax=None,
    show_values=True,
    show_grads=True,
    fmt=".4g",
    hide_constants=True,
    fontsize=9,
    title="Computational graph",
):
    """Draw the computational graph behind an autograd ``Tensor``: inputs on the left, ``root`` on the right.

    Every node is a box. An input (a leaf) shows its label; an operation shows its symbol
    (``+``, ``*``, ``@``, ``relu``, ...) and, after an arrow, its label if it has one. Scalar
    nodes also show their value and, once ``root.backward()`` has run, their gradient
    ``d root / d node``; array nodes show their shape. Arrows run from each input to the
    operation that uses it.

    Args:
        root: a ``helpers.numpy_nn.autograd.Tensor`` (or any object with its ``data``, ``grad``,
            ``label``, ``_op`` and ``_parents`` attributes), usually the loss.
        show_values, show_grads: write the values and the gradients of scalar nodes.
        fmt: the format of those numbers; fontsize: of the text in the boxes.
        hide_constants: leave out unlabelled scalar inputs (the ``-1`` inside ``a - b``, the
            ``0.5`` in ``0.5 * x``) and write their value next to the operation instead.

    Returns:
        the ``Axes``, with its axis lines turned off; each node is an ``ax.texts`` entry and
        each arrow an annotation.
    """
    from helpers.numpy_nn.autograd import topological_order

    for attribute in ("data", "grad", "_parents", "_op", "label"):
        if not hasattr(root, attribute):
            raise TypeError(
                f"root must be an autograd Tensor (with data, grad, label, _op and _parents), "
                f"got {type(root).__name__} without {attribute!r}"
            )
    order = topological_order(root)
    hidden = set()
    if hide_constants:
        hidden = {
            id(n)
            for n in order
            if not n._parents and not n.label and n.data.size == 1 and n is not root
        }
    drawn = [n for n in order if id(n) not in hidden]
    level, consumers, index = _graph_levels(order)

    # Rows: the root in the middle; walking leftwards, each node sits near the mean row of the
    # nodes that consume it, and nodes sharing a column are spread one row apart.
    columns = {}
    for node in drawn:
        columns.setdefault(level[id(node)], []).append(node)
    row = {}
    for col in sorted(columns, reverse=True):
        nodes = columns[col]
        wanted = {
            id(n): np.mean(
                [row[id(c)] for c in consumers[id(n)] if id(c) in row] or [0.0]
            )
            for n in nodes
        }
        nodes.sort(key=lambda n: (wanted[id(n)], index[id(n)]))
        centre = np.mean(list(wanted.values()))
        for i, n in enumerate(nodes):
            row[id(n)] = centre + (i - (len(nodes) - 1) / 2)
    x_of = {id(n): 1.6 * level[id(n)] for n in drawn}

    n_columns, n_rows = (
        max(level.values()) + 1,
        max(len(nodes) for nodes in columns.values()),
    )
    ax = _new_ax(ax, figsize=(max(6.0, 1.3 * n_columns), max(2.5, 1.0 * n_rows + 1)))
    box = {"boxstyle": "round,pad=0.35", "linewidth": 1.0}
    texts = {}
    for node in drawn:
        face = (
            "#DCEBF5"
            if not node._parents
            else ("#FBE3C2" if node is root else "#EFEFEF")
        )
        texts[id(node)] = ax.text(
            x_of[id(node)],
            -row[id(node)],
            _node_text(node, show_values, show_grads, fmt, hidden),
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=3,
            bbox={**box, "facecolor": face, "edgecolor": "0.45"},
        )
    for node in drawn:
        for parent in node._parents:
            if id(parent) in hidden:
                continue
            ax.annotate(
                "",
                xy=(0.0, 0.5),
                xycoords=texts[id(node)],
                xytext=(1.0, 0.5),
                textcoords=texts[id(parent)],
                arrowprops={
                    "arrowstyle": "->",
                    "color": "0.35",
                    "linewidth": 1.0,
                    "shrinkA": 6,
                    "shrinkB": 6,
                },
                zorder=1,
            )
    xs = [x_of[id(n)] for n in drawn]
    ys = [-row[id(n)] for n in drawn]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    ax.set_title(title)
    return ax
