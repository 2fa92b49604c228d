"""Convolution and pooling: NumPy = torch (values and gradients) = finite differences.

Every case is float64 and compared with tight tolerances; the shapes are the awkward
ones (a batch of 1, odd sizes, stride 2, padding, dilation, a non-square kernel on a
non-square input, ties in max-pool). The plain-loop versions must equal the
vectorised ones, the output-size formula must agree with torch over a grid, and a
convolution must be shift-equivariant.
"""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.gradcheck import check_layer_gradients
from helpers.numpy_nn import conv
from helpers.torch_nn import conv as tconv

# (N, C, H, W), out_channels, kernel_size, stride, padding, dilation, bias
CONV2D_CASES = {
    "batch of 1": ((1, 1, 5, 5), 1, 3, 1, 0, 1, True),
    "odd sizes, non-square kernel, stride 2": ((3, 2, 7, 9), 4, (3, 2), 2, 0, 1, True),
    "padding and mixed stride": ((2, 3, 6, 5), 2, 3, (2, 1), (1, 2), 1, True),
    "dilation": ((2, 2, 9, 8), 3, 3, 1, 2, 2, False),
    "everything non-square": ((1, 3, 8, 11), 2, (2, 4), (2, 3), (1, 0), (2, 1), True),
    "kernel as large as the input": ((2, 2, 3, 4), 3, (5, 4), 1, (1, 0), 1, True),
}


def _torch_conv2d_gradients(x, weight, bias, dout, **arguments):
    tensors = [
        torch.tensor(a, requires_grad=True) if a is not None else None
        for a in (x, weight, bias)
    ]
    out = F.conv2d(*tensors, **arguments)
    out.backward(torch.tensor(dout))
    grads = [t.grad.numpy() if t is not None else None for t in tensors]
    return out.detach().numpy(), grads


@pytest.mark.parametrize("case", list(CONV2D_CASES))
def test_conv2d_equals_torch_loops_and_finite_differences(case):
    shape, out_channels, kernel, stride, padding, dilation, bias = CONV2D_CASES[case]
    rng = np.random.default_rng(list(CONV2D_CASES).index(case))
    layer = conv.Conv2d(
        shape[1], out_channels, kernel, stride, padding, dilation, bias, rng=rng
    )
    x = rng.normal(size=shape)
    arguments = {"stride": stride, "padding": padding, "dilation": dilation}

    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    out_torch, (dx_torch, dweight_torch, dbias_torch) = _torch_conv2d_gradients(
        x, layer.weight, layer.bias, dout, **arguments
    )
    np.testing.assert_allclose(out, out_torch, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, dx_torch, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(
        layer.grads["weight"], dweight_torch, rtol=1e-12, atol=1e-13
    )
    if bias:
        np.testing.assert_allclose(
            layer.grads["bias"], dbias_torch, rtol=1e-12, atol=1e-13
        )
    else:
        assert "bias" not in layer.grads and layer.bias is None

    loops_out = conv.conv2d_loops(x, layer.weight, layer.bias, **arguments)
    np.testing.assert_allclose(loops_out, out, rtol=1e-12, atol=1e-13)
    loops_grads = conv.conv2d_loops_backward(dout, x, layer.weight, **arguments)
    fast_grads = conv.conv2d_backward(dout, x, layer.weight, **arguments)
    for loops_grad, fast_grad in zip(loops_grads, fast_grads):
        np.testing.assert_allclose(loops_grad, fast_grad, rtol=1e-12, atol=1e-13)

    errors = check_layer_gradients(layer, x, rng=np.random.default_rng(1))
    assert set(errors) == {"x", "weight"} | ({"bias"} if bias else set())
    assert max(errors.values()) < 1e-8


@pytest.mark.parametrize(
    "shape, out_channels, kernel, stride, padding, dilation",
    [
        ((1, 1, 6), 2, 3, 1, 0, 1),
        ((3, 2, 11), 4, 4, 2, 1, 1),
        ((2, 3, 10), 1, 3, 3, 2, 2),
    ],
)
def test_conv1d_equals_torch_and_finite_differences(
    shape, out_channels, kernel, stride, padding, dilation
):
    rng = np.random.default_rng(shape[2])
    layer = conv.Conv1d(
        shape[1], out_channels, kernel, stride, padding, dilation, rng=rng
    )
    x = rng.normal(size=shape)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    tensors = [
        torch.tensor(a, requires_grad=True) for a in (x, layer.weight, layer.bias)
    ]
    out_torch = F.conv1d(*tensors, stride=stride, padding=padding, dilation=dilation)
    out_torch.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-12, atol=1e-13)
    for ours, tensor in zip((dx, layer.grads["weight"], layer.grads["bias"]), tensors):
        np.testing.assert_allclose(ours, tensor.grad.numpy(), rtol=1e-12, atol=1e-13)
    assert max(check_layer_gradients(layer, x).values()) < 1e-8


# (N, C, H, W), kernel_size, stride, padding, dilation
POOL_CASES = {
    "2x2, batch of 1": ((1, 1, 4, 4), 2, None, 0, 1),
    "odd sizes, windows that overlap": ((2, 3, 7, 5), 3, 1, 0, 1),
    "non-square kernel, stride 2, padding": ((3, 2, 9, 8), (3, 2), 2, 1, 1),
    "dilation": ((2, 2, 9, 10), (3, 2), (1, 2), (1, 0), 2),
}


def _distinct_values(shape, rng):
    """Values at least 0.01 apart: no ties, so finite differences see a smooth max."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.normal() * 0.1


@pytest.mark.parametrize("case", list(POOL_CASES))
def test_max_pool2d_equals_torch_loops_and_finite_differences(case):
    shape, kernel, stride, padding, dilation = POOL_CASES[case]
    rng = np.random.default_rng(list(POOL_CASES).index(case))
    layer = conv.MaxPool2d(kernel, stride, padding, dilation)
    arguments = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    for x in (
        _distinct_values(shape, rng),
        rng.integers(-2, 3, size=shape) * 1.0,
    ):  # ties
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        dx = layer.backward(dout)
        x_torch = torch.tensor(x, requires_grad=True)
        out_torch = F.max_pool2d(x_torch, **arguments)
        out_torch.backward(torch.tensor(dout))
        np.testing.assert_array_equal(out, out_torch.detach().numpy())
        np.testing.assert_allclose(dx, x_torch.grad.numpy(), rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(conv.max_pool2d_loops(x, **arguments), out)
        np.testing.assert_allclose(
            conv.max_pool2d_loops_backward(dout, x, **arguments),
            dx,
            rtol=1e-14,
            atol=1e-15,
        )
    x = _distinct_values(shape, rng)
    assert check_layer_gradients(layer, x, eps=1e-4)["x"] < 1e-9


def test_max_pool2d_ties_go_to_the_first_maximum_in_row_major_order():
    x = np.array(
        [
            [
                [
                    [1.0, 3.0, 2.0, 2.0],
                    [3.0, 0.0, 2.0, 2.0],
                    [5.0, 5.0, 0.0, 7.0],
                    [5.0, 5.0, 7.0, 1.0],
                ]
            ]
        ]
    )
    dx = conv.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2)
    expected = np.array(
        [
            [
                [
                    [0.0, 1.0, 1.0, 0.0],  # 3 at (0, 1) before 3 at (1, 0)
                    [0.0, 0.0, 0.0, 0.0],
                    [1.0, 0.0, 0.0, 1.0],  # four 5s: the top-left one
                    [0.0, 0.0, 0.0, 0.0],
                ]
            ]
        ]
    )  # 7 at (2, 3) before 7 at (3, 2)
    np.testing.assert_array_equal(dx, expected)
    x_torch = torch.tensor(x, requires_grad=True)
    F.max_pool2d(x_torch, 2).sum().backward()
    np.testing.assert_array_equal(x_torch.grad.numpy(), expected)
    # every window sends its gradient to exactly one entry, however many tie
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(2, 3, 8, 8)) * 1.0
    dx = conv.max_pool2d_backward(np.ones((2, 3, 4, 4)), x, 2)
    assert np.all(dx.reshape(2, 3, 4, 2, 4, 2).sum(axis=(3, 5)) == 1)


@pytest.mark.parametrize(
    "shape, kernel, stride, padding",
    [
        ((1, 1, 4, 4), 2, None, 0),
        ((2, 3, 7, 5), 3, 1, 1),
        ((3, 2, 9, 8), (3, 2), (2, 1), (1, 1)),
    ],
)
def test_avg_pool2d_equals_torch_loops_and_finite_differences(
    shape, kernel, stride, padding
):
    rng = np.random.default_rng(shape[2])
    layer = conv.AvgPool2d(kernel, stride, padding)
    x = rng.normal(size=shape)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    x_torch = torch.tensor(x, requires_grad=True)
    out_torch = F.avg_pool2d(x_torch, kernel, stride, padding)
    out_torch.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, x_torch.grad.numpy(), rtol=1e-12, atol=1e-14)
    arguments = {"kernel_size": kernel, "stride": stride, "padding": padding}
    np.testing.assert_allclose(conv.avg_pool2d_loops(x, **arguments), out, rtol=1e-12)
    np.testing.assert_allclose(
        conv.avg_pool2d_loops_backward(dout, x, **arguments), dx, rtol=1e-12, atol=1e-14
    )
    assert check_layer_gradients(layer, x)["x"] < 1e-8


def test_flatten_equals_torch_and_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 5))
    for start_dim in (1, 2):
        layer = conv.Flatten(start_dim)
        out = layer.forward(x)
        np.testing.assert_array_equal(
            out, torch.nn.Flatten(start_dim)(torch.tensor(x)).numpy()
        )
        dout = rng.normal(size=out.shape)
        np.testing.assert_array_equal(layer.backward(dout), dout.reshape(x.shape))
        assert check_layer_gradients(layer, x)["x"] < 1e-8


def test_conv_output_size_agrees_with_torch_over_a_grid():
    checked = refused = 0
    for size, kernel, stride, padding, dilation in itertools.product(
        (1, 2, 5, 8), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2)
    ):
        x = torch.zeros(1, 1, size, size + 3)
        weight = torch.zeros(1, 1, kernel, kernel + 1)
        try:
            out = F.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation)
        except RuntimeError:
            with pytest.raises(
                ValueError, match="kernel_size must span at most the padded"
            ):
                conv.conv_output_size(size, kernel, stride, padding, dilation)
            refused += 1
            continue
        assert out.shape[2:] == (
            conv.conv_output_size(size, kernel, stride, padding, dilation),
            conv.conv_output_size(size + 3, kernel + 1, stride, padding, dilation),
        )
        checked += 1
    assert checked > 200 and refused > 20


def _torch_receptive_field(layers, size=64):
    """Count the input positions that one central output of the stack depends on."""
    x = torch.ones(1, 1, size, requires_grad=True)
    out = x
    for kernel, stride, dilation in layers:
        weight = torch.ones(1, 1, kernel)
        out = F.conv1d(out, weight, stride=stride, dilation=dilation)
    out[0, 0, out.shape[2] // 2].backward()
    return int((x.grad[0, 0] != 0).sum())


@pytest.mark.parametrize(
    "layers, expected",
    [
        ([(3, 1, 1)], 3),
        ([(3, 1, 1)] * 3, 7),
        (
            [(5, 1, 1), (2, 2, 1), (5, 1, 1), (2, 2, 1)],
            16,
        ),  # LeNet-5's convolutions and pools
        ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], 15),  # dilations 1, 2, 4
        ([(3, 2, 1), (3, 2, 1), (3, 2, 1)], 15),
    ],
)
def test_receptive_field_agrees_with_torch(layers, expected):
    assert conv.receptive_field(layers) == expected == _torch_receptive_field(layers)


def test_convolution_is_shift_equivariant_away_from_the_borders():
    rng = np.random.default_rng(0)
    layer = conv.Conv2d(2, 3, (3, 4), rng=rng)
    x = rng.normal(size=(1, 2, 12, 13))
    shifted = np.zeros_like(x)
    shifted[:, :, 2:, 3:] = x[:, :, :-2, :-3]  # move the picture 2 down and 3 right
    out, out_shifted = layer(x), layer(shifted)
    np.testing.assert_allclose(
        out_shifted[:, :, 2:, 3:], out[:, :, :-2, :-3], rtol=1e-12
    )
    assert not np.allclose(out_shifted, out)
    # max-pooling with stride 2 is equivariant to shifts by multiples of 2 (half as far)
    pooled = conv.max_pool2d(out, 2)
    shifted_by_4 = np.zeros_like(x)
    shifted_by_4[:, :, 4:, 2:] = x[:, :, :-4, :-2]
    pooled_shifted = conv.max_pool2d(layer(shifted_by_4), 2)
    np.testing.assert_allclose(
        pooled_shifted[:, :, 2:, 1:], pooled[:, :, :-2, :-1], rtol=1e-12
    )


def test_parameters_are_named_shaped_and_initialised_as_in_torch():
    torch.manual_seed(0)
    for numpy_layer, torch_layer in (
        (conv.Conv2d(16, 32, 3, rng=0), tconv.Conv2d(16, 32, 3)),
        (conv.Conv2d(3, 8, (5, 2), rng=1), tconv.Conv2d(3, 8, (5, 2))),
        (conv.Conv1d(8, 64, 7, rng=2), tconv.Conv1d(8, 64, 7)),
    ):
        state = torch_layer.state_dict()
        assert list(numpy_layer.parameters()) == list(state)
        fan_in = int(np.prod(state["weight"].shape[1:]))
        bound = 1 / np.sqrt(fan_in)
        for name, value in numpy_layer.parameters().items():
            torch_value = state[name].numpy()
            assert value.shape == torch_value.shape and value.dtype == np.float64
            for array in (value, torch_value):  # both uniform on [-bound, bound]
                assert np.abs(array).max() <= bound
            if name == "weight":  # the variance of U(-b, b) is b^2 / 3
                assert np.abs(value).max() > 0.95 * bound
                assert value.var() == pytest.approx(bound**2 / 3, rel=0.1)
                assert torch_value.var() == pytest.approx(bound**2 / 3, rel=0.1)
    np.testing.assert_array_equal(
        conv.Conv2d(2, 3, 3, rng=5).weight, conv.Conv2d(2, 3, 3, rng=5).weight
    )
    assert conv.Conv2d(2, 3, 3, bias=False).parameters().keys() == {"weight"}


def test_load_state_dict_copies_a_torch_layer_and_float32_matches_torch():
    torch.manual_seed(0)
    twin = tconv.Conv2d(3, 4, 3, stride=2, padding=1)
    layer = conv.Conv2d(3, 4, 3, stride=2, padding=1, dtype=np.float32)
    layer.load_state_dict(twin.state_dict())
    x = np.random.default_rng(0).random((2, 3, 9, 9), dtype=np.float32)
    out = layer(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out, twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    assert (
        repr(layer) == "Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    )
    assert repr(conv.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1))"
    )
    with pytest.raises(
        ValueError,
        match=r"weight must have shape \(4, 3, 3, 3\), "
        r"got \(4, 3, 2, 2\)",
    ):
        layer.load_state_dict({"weight": np.zeros((4, 3, 2, 2)), "bias": np.zeros(4)})
    with pytest.raises(KeyError, match="exactly the keys"):
        layer.load_state_dict({"weight": np.zeros((4, 3, 3, 3))})


def test_strided_views_give_the_same_results_as_contiguous_copies():
    rng = np.random.default_rng(0)
    big = rng.normal(size=(3, 2, 14, 12))
    view = big[::2, :, ::2, ::-1].transpose(0, 1, 3, 2)  # (2, 2, 12, 7), no copy
    copy = np.ascontiguousarray(view)
    weight = rng.normal(size=(3, 2, 3, 2))
    out = conv.conv2d(view, weight, stride=2, padding=1)
    np.testing.assert_array_equal(out, conv.conv2d(copy, weight, stride=2, padding=1))
    dout = rng.normal(size=(10, 4, 6, 3)).transpose(3, 0, 2, 1)[:2, :3]  # strided too
    for ours, reference in zip(
        conv.conv2d_backward(dout, view, weight, 2, 1),
        conv.conv2d_backward(dout.copy(), copy, weight, 2, 1),
    ):
        np.testing.assert_allclose(ours, reference, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(
        conv.max_pool2d(view, 3, 2, 1), conv.max_pool2d(copy, 3, 2, 1)
    )


def test_backward_before_forward_is_explained():
    for layer in (
        conv.Conv2d(1, 1, 2),
        conv.Conv1d(1, 1, 2),
        conv.MaxPool2d(2),
        conv.AvgPool2d(2),
        conv.Flatten(),
    ):
        with pytest.raises(RuntimeError, match="backward was called before forward"):
            layer.backward(np.ones((1, 1, 1, 1)))
