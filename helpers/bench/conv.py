"""Convolution and pooling at LeNet-5's sizes: NumPy layers against ``torch.nn``.

The NumPy step is ``layer.forward(x)`` then ``layer.backward(dout)`` with
``helpers.numpy_nn.conv`` (im2col and one matrix product for ``Conv2d``, a loop over
the window's entries for ``MaxPool2d``), which returns dx and fills the weight and bias
gradients. The PyTorch step is the same layer from ``torch.nn`` with autograd,
``twin(x).backward(dout)`` with ``x.requires_grad`` so that dx is computed too. Both
start from the same weights and the same float32 data.

One more case times the plain-loop ``conv2d_loops`` forward + backward (on a single
image: it is slow) against torch at that size; the summary divides it by the
vectorised NumPy time at the same size.

Floating-point operations of a convolution, forward: 2 N F C kH kW H_out W_out;
backward twice that (dweight and dx), so 6 N F C kH kW H_out W_out in all.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn import conv as numpy_conv

# LeNet-5 on 28 x 28 digits: (in_channels, out_channels, kernel, padding, input size)
LENET_CONVS = ((1, 6, 5, 2, 28), (6, 16, 5, 0, 14))
BATCH, QUICK_BATCH = 64, 8
LOOPS, VECTORISED = "conv2d loops", "conv2d vectorised"


def conv_flops(batch, in_channels, out_channels, kernel, out_size):
    """Multiply-adds of one forward + backward, counted as 6 N F C k^2 H_out W_out."""
    return 6.0 * batch * out_channels * in_channels * kernel**2 * out_size**2


def _conv_data(batch, in_channels, out_channels, kernel, padding, size):
    rng = np.random.default_rng(0)
    x = rng.random((batch, in_channels, size, size), dtype=np.float32)
    layer = numpy_conv.Conv2d(
        in_channels, out_channels, kernel, padding=padding, rng=rng, dtype=np.float32
    )
    out_size = numpy_conv.conv_output_size(size, kernel, padding=padding)
    dout = rng.standard_normal(
        (batch, out_channels, out_size, out_size), dtype=np.float32
    )
    twin = torch.nn.Conv2d(in_channels, out_channels, kernel, padding=padding)
    twin.load_state_dict(
        {
            name: torch.from_numpy(value.copy())
            for name, value in layer.parameters().items()
        }
    )
    return x, dout, layer, twin


def _torch_layer_step(twin, x, dout):
    x_torch = torch.from_numpy(x).requires_grad_()
    dout_torch = torch.from_numpy(dout)

    def torch_step():
        x_torch.grad = None
        twin.zero_grad(set_to_none=True)
        twin(x_torch).backward(dout_torch)
        return x_torch.grad

    return torch_step


def make_conv_steps(batch, in_channels, out_channels, kernel, padding, size):
    """Conv2d forward + backward on x: (batch, in_channels, size, size), float32."""
    x, dout, layer, twin = _conv_data(
        batch, in_channels, out_channels, kernel, padding, size
    )

    def numpy_step():
        layer.forward(x)
        return layer.backward(dout)

    torch_step = _torch_layer_step(twin, x, dout)
    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        layer.grads["weight"], twin.weight.grad.numpy(), rtol=1e-3, atol=1e-2
    )
    return numpy_step, torch_step


def make_loop_steps(batch, in_channels, out_channels, kernel, padding, size):
    """``conv2d_loops`` forward + ``conv2d_loops_backward`` against torch, float32."""
    x, dout, layer, twin = _conv_data(
        batch, in_channels, out_channels, kernel, padding, size
    )

    def numpy_step():
        numpy_conv.conv2d_loops(x, layer.weight, layer.bias, padding=padding)
        return numpy_conv.conv2d_loops_backward(dout, x, layer.weight, padding=padding)[
            0
        ]

    torch_step = _torch_layer_step(twin, x, dout)
    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-4, atol=1e-4)
    return numpy_step, torch_step


def make_pool_steps(batch, channels, size):
    """MaxPool2d(2) forward + backward on x: (batch, channels, size, size), float32."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, channels, size, size), dtype=np.float32)
    dout = rng.standard_normal(
        (batch, channels, size // 2, size // 2), dtype=np.float32
    )
    layer, twin = numpy_conv.MaxPool2d(2), torch.nn.MaxPool2d(2)

    def numpy_step():
        layer.forward(x)
        return layer.backward(dout)

    torch_step = _torch_layer_step(twin, x, dout)
    np.testing.assert_array_equal(numpy_step(), torch_step().numpy())
    return numpy_step, torch_step


def _conv_label(kind, batch, in_channels, out_channels, kernel, padding, size):
    pad = f", padding {padding}" if padding else ""
    return (
        f"{kind}, {in_channels}->{out_channels} {kernel}x{kernel}{pad} "
        f"on {size}x{size}, batch {batch}"
    )


def cases(quick):
    batch = QUICK_BATCH if quick else BATCH
    found = []
    for c_in, c_out, kernel, padding, size in LENET_CONVS:
        out_size = numpy_conv.conv_output_size(size, kernel, padding=padding)
        found.append(
            Case(
                _conv_label(VECTORISED, batch, c_in, c_out, kernel, padding, size),
                lambda b=batch, spec=(c_in, c_out, kernel, padding, size): (
                    make_conv_steps(b, *spec)
                ),
                flops=conv_flops(batch, c_in, c_out, kernel, out_size),
            )
        )
    found.append(
        Case(
            f"MaxPool2d(2) on (batch {batch}, 6, 28, 28)",
            lambda b=batch: make_pool_steps(b, 6, 28),
        )
    )
    # The loop version on one small image, and the vectorised one at the same size.
    loop_spec = (1, 6, 5, 2, 12) if quick else (1, 6, 5, 2, 28)
    out_size = numpy_conv.conv_output_size(loop_spec[4], 5, padding=2)
    flops = conv_flops(1, 1, 6, 5, out_size)
    for kind, make in ((LOOPS, make_loop_steps), (VECTORISED, make_conv_steps)):
        found.append(
            Case(
                _conv_label(kind, 1, *loop_spec),
                lambda make=make: make(1, *loop_spec),
                flops=flops,
            )
        )
    return found


def summarize(rows):
    """How much slower the plain loops are than the vectorised code at the same size."""
    by_case = {(row["case"], row["threads"]): row for row in rows}
    lines = []
    for (case, threads), row in by_case.items():
        if not case.startswith(LOOPS):
            continue
        vectorised = by_case.get((case.replace(LOOPS, VECTORISED, 1), threads))
        if vectorised is None:
            continue
        speedup = row["numpy"]["median_s"] / vectorised["numpy"]["median_s"]
        lines.append(
            f"conv2d loops, {case[len(LOOPS) + 2 :]}, {threads} "
            f"thread{'s' if threads > 1 else ''}: {speedup:.0f}x the vectorised "
            f"NumPy time, {row['ratio']:.0f}x torch"
        )
    return lines


BENCHMARK = Benchmark(
    name="conv",
    compares="`helpers.numpy_nn.conv.Conv2d` and `MaxPool2d` forward + backward (and "
    "the plain-loop `conv2d_loops`) against `torch.nn.Conv2d` and `MaxPool2d` forward "
    "+ `backward()` (float32, same weights and data)",
    cases=cases,
    summarize=summarize,
)
