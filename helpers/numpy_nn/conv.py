"""Convolution and pooling in NumPy, forward and backward, mirroring ``torch.nn``.

A 2-D convolution (strictly a cross-correlation, as in every deep-learning library:
the kernel is not flipped) slides each of F kernels of shape (C, kH, kW) over the
zero-padded input and takes a dot product at every stop:

    out[n, f, i, j] = bias[f] + sum_{c, a, b} weight[f, c, a, b]
                      * x_pad[n, c, i * sH + a * dH, j * sW + b * dW]

with stride (sH, sW) and dilation (dH, dW). Each output size is

    size_out = floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1

(``conv_output_size``). The backward pass sends every output gradient back along
the same connections, so the gradient of a convolution is again a convolution:

    d weight[f, c, a, b] = sum_{n, i, j} dout[n, f, i, j]
                           * x_pad[n, c, i sH + a dH, j sW + b dW]
    d x_pad[n, c, i sH + a dH, j sW + b dW] += dout[n, f, i, j] * weight[f, c, a, b]
    d bias[f] = sum_{n, i, j} dout[n, f, i, j]

Two implementations of each, which the tests keep equal:
    ``conv2d_loops`` / ``conv2d_loops_backward``  the formulas above as explicit loops
        over output positions, written to be read (and slow);
    ``conv2d`` / ``conv2d_backward``  the same sums as one matrix product on the
        unrolled patches ("im2col"), written to be fast; the layers use these.

Pooling has no parameters: ``max_pool2d`` keeps the largest entry of each window and
its backward sends the gradient to that entry only (to the first one, in row-major
window order, when several tie, as PyTorch does); ``avg_pool2d`` averages the window
(zero padding counted, PyTorch's default) and spreads the gradient evenly. Each
has a loop version to read (``max_pool2d_loops``, ``avg_pool2d_loops`` and their
``_backward``) and a vectorised one with a loop over the kH * kW window entries only.

Layers (``Conv1d``, ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``, ``Flatten``) have the
constructor arguments of their ``torch.nn`` twins and keep ``weight`` (F, C, kH, kW)
and ``bias`` (F,) under torch's names, so ``layer.load_state_dict(twin.state_dict())``
copies a PyTorch layer's weights. Shapes: x (N, C, H, W) -> (N, F, H_out, W_out).
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from helpers.checks import (
    check_array,
    check_integer,
    check_numpy_float_dtype,
    check_rng,
)
from helpers.numpy_nn.linear import _copy_state_into

# ------------------------------------------------------------------ sizes and arguments


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """The output length along one dimension of a convolution or pooling window.

    ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``:
    the padded input has ``size + 2 * padding`` entries, a dilated kernel spans
    ``dilation * (kernel_size - 1) + 1`` of them, and it can start at every
    ``stride``-th position that leaves it inside. All arguments are integers;
    apply it to the height and the width separately.

    Raises ``ValueError`` when the kernel does not fit in the padded input.
    """
    size = check_integer(size, "size", minimum=1)
    kernel_size = check_integer(kernel_size, "kernel_size", minimum=1)
    stride = check_integer(stride, "stride", minimum=1)
    padding = check_integer(padding, "padding", minimum=0)
    dilation = check_integer(dilation, "dilation", minimum=1)
    return _output_size(size, kernel_size, stride, padding, dilation, "input")


def _output_size(size, kernel, stride, padding, dilation, what):
    span = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if span > padded:
        raise ValueError(
            f"kernel_size must span at most the padded {what} "
            f"({size} + 2 * {padding} = {padded}), got a kernel spanning {span} "
            f"(kernel_size {kernel}, dilation {dilation})"
        )
    return (padded - span) // stride + 1


def receptive_field(layers):
    """How many input positions (along one dimension) one output of a stack sees.

    Args:
        layers: ``[(kernel_size, stride, dilation), ...]`` from the input up, one
            triple of positive integers per convolution or pooling layer, e.g.
            LeNet-5's ``[(5, 1, 1), (2, 2, 1), (5, 1, 1), (2, 2, 1)]``.

    Returns:
        the receptive field size, an integer: starting from 1, each layer adds
        ``dilation * (kernel_size - 1)`` times the product of the strides below it
        (one step of this layer's output moves that far in the input).
    """
    if not isinstance(layers, (list, tuple)):
        raise TypeError(
            f"layers must be a list of (kernel_size, stride, dilation) "
            f"triples, got {type(layers).__name__}"
        )
    field, jump = 1, 1
    for index, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != 3:
            raise ValueError(
                f"layers[{index}] must be a (kernel_size, stride, dilation) "
                f"triple, got {layer!r}"
            )
        kernel = check_integer(layer[0], f"layers[{index}] kernel_size", minimum=1)
        stride = check_integer(layer[1], f"layers[{index}] stride", minimum=1)
        dilation = check_integer(layer[2], f"layers[{index}] dilation", minimum=1)
        field += dilation * (kernel - 1) * jump
        jump *= stride
    return field


def _pair(value, name, minimum):
    """An int or a (height, width) pair of ints, at least ``minimum``, as a pair."""
    want = {0: "a non-negative integer", 1: "a positive integer"}[minimum]
    message = f"{name} must be {want} or a pair of them (height, width), got {value!r}"
    if isinstance(value, str) and name == "padding":
        raise TypeError(
            f"{message}: padding={value!r} (padding by name, as torch allows) is not "
            f"supported here; for an odd kernel size k, padding=k // 2 keeps the size"
        )
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2:
        raise ValueError(message)
    for v in values:
        if isinstance(v, (float, np.floating)):
            raise ValueError(message)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{message} of type {type(v).__name__}")
        if v < minimum:
            raise ValueError(message)
    return int(values[0]), int(values[1])


def _check_images(x, name="x"):
    """x must be a finite float NumPy array of shape (N, C, H, W)."""
    check_array(x, name, framework="numpy")
    if x.ndim != 4:
        raise ValueError(
            f"{name} must have shape (N, C, H, W), got shape {tuple(x.shape)}"
        )
    return x


def _check_weight(weight, bias, ndim=4):
    """weight (F, C, kH, kW) and bias (F,) or None."""
    check_array(weight, "weight", framework="numpy")
    if weight.ndim != ndim:
        want = (
            "(out_channels, in_channels, kH, kW)"
            if ndim == 4
            else "(out_channels, in_channels, kernel_size)"
        )
        raise ValueError(
            f"weight must have shape {want}, got shape {tuple(weight.shape)}"
        )
    if bias is not None:
        check_array(bias, "bias", framework="numpy")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"bias must have shape (out_channels,) = ({weight.shape[0]},) "
                f"to match weight of shape {tuple(weight.shape)}, "
                f"got shape {tuple(bias.shape)}"
            )


def _channels(count):
    return f"{count} channel" + ("" if count == 1 else "s")


def _channels_last_hint(x, in_channels):
    """A hint when x looks like channels-last images (N, H, W, C), as Keras stores them."""
    if x.ndim == 4 and x.shape[3] == in_channels:
        return (
            "; channels last? these layers take (N, C, H, W): "
            "x.transpose(0, 3, 1, 2) moves the channels"
        )
    return ""


def _check_channels(x, weight):
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"x must have {_channels(weight.shape[1])} (in_channels of weight "
            f"of shape {tuple(weight.shape)}), got {_channels(x.shape[1])} "
            f"in shape {tuple(x.shape)}" + _channels_last_hint(x, weight.shape[1])
        )


def _conv_geometry(x, kernel, stride, padding, dilation):
    """Parse stride, padding, dilation as pairs; return them and (H_out, W_out)."""
    stride = _pair(stride, "stride", 1)
    padding = _pair(padding, "padding", 0)
    dilation = _pair(dilation, "dilation", 1)
    h_out = _output_size(
        x.shape[2], kernel[0], stride[0], padding[0], dilation[0], "input height"
    )
    w_out = _output_size(
        x.shape[3], kernel[1], stride[1], padding[1], dilation[1], "input width"
    )
    return stride, padding, dilation, (h_out, w_out)


def _check_dout(dout, expected_shape):
    check_array(dout, "dout", framework="numpy")
    if tuple(dout.shape) != tuple(expected_shape):
        raise ValueError(
            f"dout must have the output's shape {tuple(expected_shape)}, "
            f"got shape {tuple(dout.shape)}"
        )


def _pad(x, padding, value=0.0):
    """Pad the last two axes of x: (N, C, H, W) -> (N, C, H + 2 pH, W + 2 pW)."""
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _unpad(x_pad, padding):
    """The inverse of ``_pad``: drop pH rows and pW columns on each side."""
    ph, pw = padding
    return x_pad[:, :, ph : x_pad.shape[2] - ph, pw : x_pad.shape[3] - pw]


def _window_rows(start, out_size, stride):
    """The slice of padded rows (or columns) that kernel offset ``start`` touches.

    Output position i reads padded row ``i * stride + start`` for i = 0 .. out_size - 1.
    """
    return slice(start, start + stride * (out_size - 1) + 1, stride)


# ------------------------------------------------------- conv2d, written to be read


def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution with explicit loops over examples, kernels and output positions.

    x: (N, C, H, W), weight: (F, C, kH, kW), bias: (F,) or None
    -> out: (N, F, H_out, W_out). Same result as ``conv2d``, far slower.
    """
    x_pad, stride, padding, dilation, (h_out, w_out) = _prepare(
        x, weight, bias, stride, padding, dilation
    )
    n_examples, n_kernels = x.shape[0], weight.shape[0]
    kh, kw = weight.shape[2:]
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    out = np.zeros(
        (n_examples, n_kernels, h_out, w_out), dtype=np.result_type(x, weight)
    )
    for n in range(n_examples):
        for f in range(n_kernels):
            for i in range(h_out):
                for j in range(w_out):
                    top, left = i * stride[0], j * stride[1]
                    rows = slice(top, top + span_h, dilation[0])
                    cols = slice(left, left + span_w, dilation[1])
                    patch = x_pad[n, :, rows, cols]  # (C, kH, kW): under the kernel
                    out[n, f, i, j] = np.sum(patch * weight[f])
            if bias is not None:
                out[n, f] += bias[f]
    return out


def conv2d_loops_backward(dout, x, weight, stride=1, padding=0, dilation=1):
    """The gradients of ``conv2d_loops``, with the same loops run backwards.

    dout: (N, F, H_out, W_out), x: (N, C, H, W), weight: (F, C, kH, kW)
    -> (dx (N, C, H, W), dweight (F, C, kH, kW), dbias (F,)).
    Each output entry got ``sum(patch * weight[f])``, so it sends ``dout * weight[f]``
    back to the patch it read and ``dout * patch`` to the kernel.
    """
    x_pad, stride, padding, dilation, (h_out, w_out) = _prepare(
        x, weight, None, stride, padding, dilation
    )
    _check_dout(dout, (x.shape[0], weight.shape[0], h_out, w_out))
    kh, kw = weight.shape[2:]
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    dx_pad = np.zeros(x_pad.shape, dtype=np.result_type(dout, weight))
    dweight = np.zeros(weight.shape, dtype=np.result_type(dout, x))
    for n in range(x.shape[0]):
        for f in range(weight.shape[0]):
            for i in range(h_out):
                for j in range(w_out):
                    top, left = i * stride[0], j * stride[1]
                    rows = slice(top, top + span_h, dilation[0])
                    cols = slice(left, left + span_w, dilation[1])
                    dx_pad[n, :, rows, cols] += dout[n, f, i, j] * weight[f]
                    dweight[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
    dbias = dout.sum(axis=(0, 2, 3))
    return _unpad(dx_pad, padding), dweight, dbias


def _prepare(x, weight, bias, stride, padding, dilation):
    """Check a convolution's arguments; return padded x, pairs, output size."""
    _check_images(x)
    _check_weight(weight, bias)
    _check_channels(x, weight)
    stride, padding, dilation, out_size = _conv_geometry(
        x, weight.shape[2:], stride, padding, dilation
    )
    return _pad(x, padding), stride, padding, dilation, out_size


# ------------------------------------------------------- conv2d, written to be fast


def _windows(x_pad, kernel, stride, dilation):
    """Every patch a kernel visits, as a view (no copy).

    x_pad: (N, C, H_pad, W_pad) -> (N, C, H_out, W_out, kH, kW), where
    ``[n, c, i, j]`` is the (kH, kW) patch under the kernel at output position (i, j).
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    every_start = sliding_window_view(x_pad, span, axis=(2, 3))
    # keep every stride-th start and, inside a window, every dilation-th entry
    return every_start[:, :, ::sh, ::sw, ::dh, ::dw]


def _im2col(x_pad, kernel, stride, dilation):
    """The patches as the columns of a matrix.

    x_pad: (N, C, H_pad, W_pad) -> (C kH kW, N H_out W_out).

    Column ``(n, i, j)`` is the patch under the kernel at output position (i, j) of
    example n, flattened in the order of a kernel's entries (c, a, b). Output
    positions run along the rows of the copy, which keeps it fast.
    """
    windows = _windows(x_pad, kernel, stride, dilation)  # (N, C, Ho, Wo, kH, kW)
    n, c, h_out, w_out, kh, kw = windows.shape
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * h_out * w_out)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution as one matrix product on the unrolled patches (im2col).

    x: (N, C, H, W), weight: (F, C, kH, kW), bias: (F,) or None
    -> out: (N, F, H_out, W_out), equal to ``torch.nn.functional.conv2d``.
    stride, padding, dilation: an int or a (height, width) pair.

    Each row of the flattened weight is one kernel and each column of the patch
    matrix one patch, so their product holds every dot product at once.
    """
    x_pad, stride, padding, dilation, out_size = _prepare(
        x, weight, bias, stride, padding, dilation
    )
    patches = _im2col(x_pad, weight.shape[2:], stride, dilation)  # (C kH kW, N Ho Wo)
    return _conv2d_from_patches(patches, weight, bias, x.shape[0], out_size)


def _conv2d_from_patches(patches, weight, bias, n_examples, out_size):
    """out = W P: patches (C kH kW, N Ho Wo) -> out (N, F, H_out, W_out)."""
    n_kernels = weight.shape[0]
    out = weight.reshape(n_kernels, -1) @ patches  # (F, N Ho Wo)
    out = out.reshape((n_kernels, n_examples) + out_size).transpose(1, 0, 2, 3)
    out = np.ascontiguousarray(out)  # (N, F, Ho, Wo) in memory order
    if bias is not None:
        out += bias[:, None, None]
    return out


def conv2d_backward(dout, x, weight, stride=1, padding=0, dilation=1):
    """The gradients of ``conv2d``: the same matrix product, transposed.

    dout: (N, F, H_out, W_out), x: (N, C, H, W), weight: (F, C, kH, kW)
    -> (dx (N, C, H, W), dweight (F, C, kH, kW), dbias (F,)).

    With W the flattened weight and P the patch matrix, out = W P, so
    dW = dout P^T and dP = W^T dout; each column of dP is then added back onto
    the patch of the input it came from ("col2im"), one kernel offset at a time.
    """
    x_pad, stride, padding, dilation, out_size = _prepare(
        x, weight, None, stride, padding, dilation
    )
    _check_dout(dout, (x.shape[0], weight.shape[0]) + out_size)
    patches = _im2col(x_pad, weight.shape[2:], stride, dilation)  # (C kH kW, N Ho Wo)
    dx_pad, dweight, dbias = _conv2d_backward_from_patches(
        dout, patches, weight, x_pad.shape, stride, dilation
    )
    return _unpad(dx_pad, padding), dweight, dbias


def _conv2d_backward_from_patches(dout, patches, weight, x_pad_shape, stride, dilation):
    """dout (N, F, Ho, Wo), patches (C kH kW, N Ho Wo) -> (dx_pad, dweight, dbias)."""
    n_examples, n_kernels, h_out, w_out = dout.shape
    _, n_channels, kh, kw = weight.shape
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(n_kernels, -1)  # (F, N Ho Wo)
    dweight = (dout_rows @ patches.T).reshape(weight.shape)
    dbias = dout.sum(axis=(0, 2, 3))
    dpatches = weight.reshape(n_kernels, -1).T @ dout_rows  # (C kH kW, N Ho Wo)
    dpatches = dpatches.reshape(n_channels, kh, kw, n_examples, h_out, w_out)
    dx_pad = np.zeros(x_pad_shape, dtype=dpatches.dtype)
    # col2im: kernel offset (a, b) read one strided grid of input positions (one
    # entry of every patch); add that entry's gradient back onto the grid.
    for a, b, rows, cols in _kernel_offsets((kh, kw), stride, dilation, (h_out, w_out)):
        dx_pad[:, :, rows, cols] += dpatches[:, a, b].transpose(1, 0, 2, 3)
    return dx_pad, dweight, dbias


# ------------------------------------------------------------------------ conv1d


def _check_sequences(x, name="x"):
    check_array(x, name, framework="numpy")
    if x.ndim != 3:
        raise ValueError(
            f"{name} must have shape (N, C, L), got shape {tuple(x.shape)}"
        )
    return x


def _as_2d(x, weight, bias, stride, padding, dilation):
    """A 1-D convolution is a 2-D one of height 1 (padded in width only).

    Returns x (N, C, 1, L), weight (F, C, 1, k), the (height, width) pairs and L_out.
    """
    _check_sequences(x)
    _check_weight(weight, bias, ndim=3)
    stride = check_integer(stride, "stride", minimum=1)
    padding = check_integer(padding, "padding", minimum=0)
    dilation = check_integer(dilation, "dilation", minimum=1)
    _check_channels(x, weight)
    length_out = _output_size(
        x.shape[2], weight.shape[2], stride, padding, dilation, "input length"
    )
    x2, weight2 = x[:, :, None, :], weight[:, :, None, :]
    return x2, weight2, (1, stride), (0, padding), (1, dilation), length_out


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """1-D convolution: x (N, C, L), weight (F, C, k), bias (F,) or None
    -> (N, F, L_out).

    Equal to ``torch.nn.functional.conv1d``; stride, padding, dilation are ints.
    """
    x2, weight2, stride, padding, dilation, _ = _as_2d(
        x, weight, bias, stride, padding, dilation
    )
    return conv2d(x2, weight2, bias, stride, padding, dilation)[:, :, 0, :]


def conv1d_backward(dout, x, weight, stride=1, padding=0, dilation=1):
    """The gradients of ``conv1d``.

    dout (N, F, L_out), x (N, C, L), weight (F, C, k) -> (dx, dweight, dbias), shaped
    as x, weight and (F,).
    """
    x2, weight2, stride, padding, dilation, length_out = _as_2d(
        x, weight, None, stride, padding, dilation
    )
    _check_dout(dout, (x.shape[0], weight.shape[0], length_out))
    dx, dweight, dbias = conv2d_backward(
        dout[:, :, None, :], x2, weight2, stride, padding, dilation
    )
    return dx[:, :, 0, :], dweight[:, :, 0, :], dbias


# ----------------------------------------------------------------------- pooling


def _pool_geometry(x, kernel_size, stride, padding, dilation=1):
    """Check a pooling call; return its pairs and (H_out, W_out).

    As in PyTorch, ``stride=None`` means the kernel size (windows that do not overlap),
    and the padding may be at most half the span of the dilated kernel, so that every
    window holds at least one entry of x.
    """
    _check_images(x)
    kernel = _pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else stride
    stride, padding, dilation, out_size = _conv_geometry(
        x, kernel, stride, padding, dilation
    )
    half = tuple((dilation[axis] * (kernel[axis] - 1) + 1) // 2 for axis in (0, 1))
    if padding[0] > half[0] or padding[1] > half[1]:
        raise ValueError(
            f"padding must be at most half the (dilated) kernel size, "
            f"{half} for kernel_size {kernel} and dilation {dilation}, "
            f"got {padding}"
        )
    return kernel, stride, padding, dilation, out_size


def _kernel_offsets(kernel, stride, dilation, out_size):
    """For each kernel offset (a, b), the padded rows and columns it covers.

    Yields ``(a, b, rows, cols)``, with slices such that ``x_pad[:, :, rows, cols]``
    is an (N, C, H_out, W_out) view whose entry [n, c, i, j] is entry (a, b) of
    window (i, j); offsets come in row-major order, (0, 0), (0, 1), ...
    """
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            rows = _window_rows(a * dilation[0], out_size[0], stride[0])
            cols = _window_rows(b * dilation[1], out_size[1], stride[1])
            yield a, b, rows, cols


def _window_max(x_pad, kernel, stride, dilation, out_size):
    """The largest entry of each window of the padded input: -> (N, C, H_out, W_out)."""
    best = None
    for _, _, rows, cols in _kernel_offsets(kernel, stride, dilation, out_size):
        entry = x_pad[:, :, rows, cols]
        best = entry.copy() if best is None else np.maximum(best, entry)
    return best


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """The largest entry of each window: x (N, C, H, W) -> (N, C, H_out, W_out).

    Equal to ``torch.nn.functional.max_pool2d``; padding counts as minus infinity,
    so it is never the maximum. Vectorised over examples, channels and output
    positions, with a loop over the kH * kW entries of a window.
    """
    kernel, stride, padding, dilation, out_size = _pool_geometry(
        x, kernel_size, stride, padding, dilation
    )
    return _window_max(_pad(x, padding, -np.inf), kernel, stride, dilation, out_size)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0, dilation=1):
    """The gradient of ``max_pool2d``.

    dout (N, C, H_out, W_out), x (N, C, H, W) -> dx (N, C, H, W).

    Each output was one input entry, the window's maximum, so its gradient goes to
    that entry alone; the others in the window get nothing. When several entries
    tie for the maximum, the first in row-major order within the window wins, as
    in PyTorch. Overlapping windows (stride < kernel) add up at shared entries.
    """
    kernel, stride, padding, dilation, out_size = _pool_geometry(
        x, kernel_size, stride, padding, dilation
    )
    _check_dout(dout, x.shape[:2] + out_size)
    x_pad = _pad(x, padding, -np.inf)
    best = _window_max(x_pad, kernel, stride, dilation, out_size)
    dx_pad = np.zeros(x_pad.shape, dtype=np.result_type(dout, x))
    routed = np.zeros(best.shape, dtype=bool)  # has this window's gradient gone yet?
    for _, _, rows, cols in _kernel_offsets(kernel, stride, dilation, out_size):
        first_max = (x_pad[:, :, rows, cols] == best) & ~routed
        dx_pad[:, :, rows, cols] += dout * first_max
        routed |= first_max
    return _unpad(dx_pad, padding)


def max_pool2d_loops(x, kernel_size, stride=None, padding=0, dilation=1):
    """``max_pool2d`` with explicit loops over output positions, written to be read."""
    kernel, stride, padding, dilation, (h_out, w_out) = _pool_geometry(
        x, kernel_size, stride, padding, dilation
    )
    x_pad = _pad(x, padding, -np.inf)
    span_h = dilation[0] * (kernel[0] - 1) + 1
    span_w = dilation[1] * (kernel[1] - 1) + 1
    out = np.zeros(x.shape[:2] + (h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride[0], j * stride[1]
            rows = slice(top, top + span_h, dilation[0])
            cols = slice(left, left + span_w, dilation[1])
            out[:, :, i, j] = x_pad[:, :, rows, cols].max(axis=(2, 3))
    return out


def max_pool2d_loops_backward(dout, x, kernel_size, stride=None, padding=0, dilation=1):
    """``max_pool2d_backward`` with explicit loops: the gradient goes to each argmax."""
    kernel, stride, padding, dilation, (h_out, w_out) = _pool_geometry(
        x, kernel_size, stride, padding, dilation
    )
    _check_dout(dout, x.shape[:2] + (h_out, w_out))
    x_pad = _pad(x, padding, -np.inf)
    span_h = dilation[0] * (kernel[0] - 1) + 1
    span_w = dilation[1] * (kernel[1] - 1) + 1
    dx_pad = np.zeros(x_pad.shape, dtype=np.result_type(dout, x))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(h_out):
                for j in range(w_out):
                    top, left = i * stride[0], j * stride[1]
                    rows = slice(top, top + span_h, dilation[0])
                    cols = slice(left, left + span_w, dilation[1])
                    window = x_pad[n, c, rows, cols]
                    # np.argmax returns the first maximum in row-major order
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    row, col = top + a * dilation[0], left + b * dilation[1]
                    dx_pad[n, c, row, col] += dout[n, c, i, j]
    return _unpad(dx_pad, padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of each window: x (N, C, H, W) -> (N, C, H_out, W_out).

    Equal to ``torch.nn.functional.avg_pool2d`` with its defaults: padding counts as
    zeros, so every window is divided by kH * kW.
    """
    kernel, stride, padding, dilation, out_size = _pool_geometry(
        x, kernel_size, stride, padding
    )
    x_pad = _pad(x, padding)
    total = np.zeros(x.shape[:2] + out_size, dtype=x.dtype)
    for _, _, rows, cols in _kernel_offsets(kernel, stride, dilation, out_size):
        total += x_pad[:, :, rows, cols]
    return total / (kernel[0] * kernel[1])


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """The gradient of ``avg_pool2d``.

    dout (N, C, H_out, W_out), x (N, C, H, W) -> dx (N, C, H, W).

    Each entry of a window contributed 1 / (kH kW) of the window's mean, so each gets
    dout / (kH kW); entries shared by overlapping windows add up.
    """
    kernel, stride, padding, dilation, out_size = _pool_geometry(
        x, kernel_size, stride, padding
    )
    _check_dout(dout, x.shape[:2] + out_size)
    share = dout / (kernel[0] * kernel[1])
    dx_pad = np.zeros(_pad(x, padding).shape, dtype=share.dtype)
    for _, _, rows, cols in _kernel_offsets(kernel, stride, dilation, out_size):
        dx_pad[:, :, rows, cols] += share
    return _unpad(dx_pad, padding)


def avg_pool2d_loops(x, kernel_size, stride=None, padding=0):
    """``avg_pool2d`` with explicit loops over output positions, written to be read."""
    kernel, stride, padding, _, (h_out, w_out) = _pool_geometry(
        x, kernel_size, stride, padding
    )
    x_pad = _pad(x, padding)
    out = np.zeros(x.shape[:2] + (h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride[0], j * stride[1]
            window = x_pad[:, :, top : top + kernel[0], left : left + kernel[1]]
            out[:, :, i, j] = window.sum(axis=(2, 3)) / (kernel[0] * kernel[1])
    return out


def avg_pool2d_loops_backward(dout, x, kernel_size, stride=None, padding=0):
    """``avg_pool2d_backward`` with explicit loops: gradients shared evenly."""
    kernel, stride, padding, _, (h_out, w_out) = _pool_geometry(
        x, kernel_size, stride, padding
    )
    _check_dout(dout, x.shape[:2] + (h_out, w_out))
    dx_pad = np.zeros(_pad(x, padding).shape, dtype=np.result_type(dout, x))
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride[0], j * stride[1]
            # (N, C, 1, 1): each entry's share of its window's gradient
            share = dout[:, :, i, j, None, None] / (kernel[0] * kernel[1])
            dx_pad[:, :, top : top + kernel[0], left : left + kernel[1]] += share
    return _unpad(dx_pad, padding)


# ------------------------------------------------------------------------ layers


class _ParameterLayer:
    """What Conv1d and Conv2d share: parameters by name, gradients, state dicts."""

    def parameters(self):
        """The learnable arrays by name: ``{"weight": ..., "bias": (F,)}``."""
        params = {"weight": self.weight}
        if self.bias is not None:
            params["bias"] = self.bias
        return params

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters by name, like ``torch.nn.Module.state_dict``."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Set the parameters from arrays or tensors by name, e.g. a torch state dict.

        ``numpy_layer.load_state_dict(torch_layer.state_dict())`` copies weights across.
        The values are copied into the existing arrays, as torch does, so an optimiser
        built on ``parameters()`` before the load keeps updating the layer's weights.
        """
        _copy_state_into(self.parameters(), state)

    def _init_parameters(self, weight_shape, bias, rng, dtype):
        """PyTorch's default: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

        ``torch.nn.Conv2d`` draws its weight with ``kaiming_uniform_(a=sqrt(5))``, whose
        bound gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + a^2)) = sqrt(1/3) is
        exactly 1 / sqrt(fan_in); fan_in = in_channels * kH * kW.
        """
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        rng = check_rng(rng)
        dtype = check_numpy_float_dtype(dtype)
        fan_in = int(np.prod(weight_shape[1:]))
        bound = 1.0 / math.sqrt(fan_in)
        self.weight = rng.uniform(-bound, bound, size=weight_shape).astype(dtype)
        self.bias = (
            rng.uniform(-bound, bound, size=weight_shape[0]).astype(dtype)
            if bias
            else None
        )
        self.grads = {}
        self._x = None  # the input saved by forward for backward

    def _saved_input(self):
        if self._x is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        return self._x


class Conv2d(_ParameterLayer):
    """A 2-D convolution layer with ``torch.nn.Conv2d``'s arguments and parameter names.

    Args:
        in_channels: C, the channels of the input.
        out_channels: F, the number of kernels (channels of the output).
        kernel_size, stride, padding, dilation: an int or a (height, width) pair.
        bias: whether to learn one bias per output channel.
        rng: a ``numpy.random.Generator`` or an integer seed (default: seed 0).
        dtype: of the parameters, ``np.float64`` or ``np.float32``.

    ``weight``: (F, C, kH, kW), ``bias``: (F,), PyTorch's default initialisation.
    forward: x (N, C, H, W) -> (N, F, H_out, W_out); backward fills ``grads``.
    Not here: torch's ``groups``, ``padding_mode`` and ``padding="same"``.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        rng=None,
        dtype=np.float64,
    ):
        self.in_channels = check_integer(in_channels, "in_channels", minimum=1)
        self.out_channels = check_integer(out_channels, "out_channels", minimum=1)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        self.dilation = _pair(dilation, "dilation", 1)
        self._init_parameters(
            (self.out_channels, self.in_channels) + self.kernel_size, bias, rng, dtype
        )

    def forward(self, x):
        """x: (N, C, H, W) -> (N, F, H_out, W_out), as ``conv2d``.

        Saves the patch matrix for ``backward``, which then need not unroll x again
        (the one difference from calling ``conv2d`` and ``conv2d_backward``).
        """
        self._check_input(x)
        x_pad, stride, _, dilation, out_size = _prepare(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation
        )
        patches = _im2col(x_pad, self.kernel_size, stride, dilation)
        out = _conv2d_from_patches(patches, self.weight, self.bias, len(x), out_size)
        self._x, self._patches, self._x_pad_shape = x, patches, x_pad.shape
        self._out_shape = out.shape
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: (N, F, H_out, W_out) -> dx: (N, C, H, W); fills ``grads``."""
        self._saved_input()  # raises if forward has not run
        _check_dout(dout, self._out_shape)
        dx_pad, dweight, dbias = _conv2d_backward_from_patches(
            dout,
            self._patches,
            self.weight,
            self._x_pad_shape,
            self.stride,
            self.dilation,
        )
        self.grads["weight"] = dweight
        if self.bias is not None:
            self.grads["bias"] = dbias
        return _unpad(dx_pad, self.padding)

    def _check_input(self, x):
        _check_images(x)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have {_channels(self.in_channels)} (in_channels of "
                f"{self!r}), got {_channels(x.shape[1])} in shape "
                f"{tuple(x.shape)}" + _channels_last_hint(x, self.in_channels)
            )

    def __repr__(self):
        text = (
            f"Conv2d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + (", bias=False)" if self.bias is None else ")")


class Conv1d(_ParameterLayer):
    """A 1-D convolution layer with ``torch.nn.Conv1d``'s arguments and parameter names.

    Args as ``Conv2d``, with ints (not pairs) for kernel_size, stride, padding and
    dilation.
    ``weight``: (F, C, k), ``bias``: (F,).
    forward: x (N, C, L) -> (N, F, L_out); backward fills ``grads``.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        rng=None,
        dtype=np.float64,
    ):
        self.in_channels = check_integer(in_channels, "in_channels", minimum=1)
        self.out_channels = check_integer(out_channels, "out_channels", minimum=1)
        self.kernel_size = check_integer(kernel_size, "kernel_size", minimum=1)
        self.stride = check_integer(stride, "stride", minimum=1)
        self.padding = check_integer(padding, "padding", minimum=0)
        self.dilation = check_integer(dilation, "dilation", minimum=1)
        self._init_parameters(
            (self.out_channels, self.in_channels, self.kernel_size), bias, rng, dtype
        )

    def forward(self, x):
        """x: (N, C, L) -> (N, F, L_out). Saves ``x`` for ``backward``."""
        _check_sequences(x)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have {_channels(self.in_channels)} (in_channels of "
                f"{self!r}), got {_channels(x.shape[1])} in shape "
                f"{tuple(x.shape)}"
            )
        out = conv1d(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation
        )
        self._x = x
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: (N, F, L_out) -> dx: (N, C, L); fills ``grads``."""
        x = self._saved_input()
        dx, dweight, dbias = conv1d_backward(
            dout, x, self.weight, self.stride, self.padding, self.dilation
        )
        self.grads["weight"] = dweight
        if self.bias is not None:
            self.grads["bias"] = dbias
        return dx

    def __repr__(self):
        text = (
            f"Conv1d({self.in_channels}, {self.out_channels}, "
            f"kernel_size=({self.kernel_size},), stride=({self.stride},)"
        )
        if self.padding:
            text += f", padding=({self.padding},)"
        if self.dilation != 1:
            text += f", dilation=({self.dilation},)"
        return text + (", bias=False)" if self.bias is None else ")")


class _Pool:
    """What the pooling layers share: no parameters, the saved input."""

    def __init__(self):
        self.grads = {}
        self._x = None

    def parameters(self):
        return {}

    def zero_grad(self):
        pass

    def _saved_input(self):
        if self._x is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        return self._x


class MaxPool2d(_Pool):
    """Max pooling with ``torch.nn.MaxPool2d``'s arguments (no parameters).

    kernel_size, stride (default: kernel_size), padding, dilation: an int or a pair.
    forward: x (N, C, H, W) -> (N, C, H_out, W_out); backward routes dout to each
    window's maximum. Not here: torch's ``ceil_mode`` and ``return_indices``.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        self.dilation = _pair(dilation, "dilation", 1)

    def forward(self, x):
        """x: (N, C, H, W) -> (N, C, H_out, W_out). Saves ``x`` for ``backward``."""
        out = max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)
        self._x = x
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: (N, C, H_out, W_out) -> dx: (N, C, H, W)."""
        return max_pool2d_backward(
            dout,
            self._saved_input(),
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
        )

    def __repr__(self):
        return (
            f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation})"
        )


class AvgPool2d(_Pool):
    """Average pooling with ``torch.nn.AvgPool2d``'s first arguments (no parameters).

    kernel_size, stride (default: kernel_size), padding: an int or a pair; padding
    counts as zeros in the mean (torch's ``count_include_pad=True``).
    forward: x (N, C, H, W) -> (N, C, H_out, W_out).
    Not here: torch's ``ceil_mode``, ``count_include_pad=False`` and
    ``divisor_override``.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)

    def forward(self, x):
        """x: (N, C, H, W) -> (N, C, H_out, W_out). Saves ``x`` for ``backward``."""
        out = avg_pool2d(x, self.kernel_size, self.stride, self.padding)
        self._x = x
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: (N, C, H_out, W_out) -> dx: (N, C, H, W)."""
        return avg_pool2d_backward(
            dout, self._saved_input(), self.kernel_size, self.stride, self.padding
        )

    def __repr__(self):
        return (
            f"AvgPool2d(kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding})"
        )


class Flatten(_Pool):
    """Flatten every axis from ``start_dim`` on, like ``torch.nn.Flatten(start_dim)``.

    forward: x (N, C, H, W) -> (N, C * H * W) with the default start_dim=1;
    backward: reshapes the gradient back to the input's shape. Always flattens to
    the last axis (torch's ``end_dim=-1``).
    """

    def __init__(self, start_dim=1):
        super().__init__()
        self.start_dim = check_integer(start_dim, "start_dim", minimum=0)

    def forward(self, x):
        """x: (d_0, ..., d_n) -> (d_0, ..., d_{s-1}, d_s * ... * d_n), s = start_dim."""
        check_array(x, "x", framework="numpy")
        if x.ndim <= self.start_dim:
            raise ValueError(
                f"x must have more than start_dim={self.start_dim} axes, "
                f"got shape {tuple(x.shape)}"
            )
        self._x = x
        return x.reshape(x.shape[: self.start_dim] + (-1,))

    __call__ = forward

    def backward(self, dout):
        """dout: the output's shape -> the input's shape."""
        x = self._saved_input()
        _check_dout(
            dout, x.shape[: self.start_dim] + (int(np.prod(x.shape[self.start_dim :])),)
        )
        return dout.reshape(x.shape)

    def __repr__(self):
        return f"Flatten(start_dim={self.start_dim})"
