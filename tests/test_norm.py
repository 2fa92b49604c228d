"""Batch norm and layer norm: NumPy = torch.nn (outputs, gradients, running statistics)
and analytic gradients = centred finite differences, on awkward shapes."""

import numpy as np
import pytest
import torch

from helpers.gradcheck import check_layer_gradients
from helpers.numpy_nn import layers
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.norm import BatchNorm1d, LayerNorm

# N = 2, odd C, 3-D input, a channel of length 1, a large eps.
BN_SHAPES = [
    ((2, 3), 1e-5),
    ((5, 7), 1e-5),
    ((4, 3, 5), 1e-5),
    ((2, 1, 3), 1e-5),
    ((3, 5, 1), 1e-5),
    ((2, 3), 0.5),
    ((6, 4, 2), 2.0),
]


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _twins(C, eps, rng, **kwargs):
    """A NumPy BatchNorm1d and torch's, with the same random weight and bias."""
    layer = BatchNorm1d(C, eps=eps, **kwargs)
    twin = torch.nn.BatchNorm1d(C, eps=eps, dtype=torch.float64, **kwargs)
    if layer.affine:
        layer.weight[...] = rng.uniform(0.5, 2.0, size=C)
        layer.bias[...] = rng.normal(size=C)
        twin.load_state_dict(
            {**{k: torch.tensor(v) for k, v in layer.state_dict().items()}},
            strict=False,
        )
    return layer, twin


def _compare_step(layer, twin, x, dout):
    """One forward and backward through both; assert outputs and gradients agree."""
    out = layer.forward(x)
    dx = layer.backward(dout)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = twin(x_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(
            layer.grads[name], param.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name
        )
        param.grad = None


def _compare_buffers(layer, twin):
    np.testing.assert_allclose(
        layer.running_mean, twin.running_mean.numpy(), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(layer.running_var, twin.running_var.numpy(), rtol=1e-12)
    assert layer.num_batches_tracked == int(twin.num_batches_tracked)


@pytest.mark.parametrize("shape, eps", BN_SHAPES)
def test_batchnorm_equals_torch_in_training_and_eval(shape, eps):
    rng = np.random.default_rng(len(shape) * 10 + shape[1])
    layer, twin = _twins(shape[1], eps, rng)
    for _ in range(4):  # several batches: the running statistics accumulate
        x = rng.normal(loc=3.0, scale=2.0, size=shape)
        _compare_step(layer, twin, x, rng.normal(size=shape))
        _compare_buffers(layer, twin)
    assert layer.num_batches_tracked == 4
    layer.eval(), twin.eval()
    x = rng.normal(loc=3.0, scale=2.0, size=shape)
    _compare_step(layer, twin, x, rng.normal(size=shape))
    _compare_buffers(layer, twin)  # eval mode leaves them alone
    assert layer.num_batches_tracked == 4


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(momentum=None),
        dict(track_running_stats=False),
        dict(affine=False),
        dict(momentum=0.5, affine=False),
    ],
)
def test_batchnorm_options_equal_torch(kwargs):
    rng = np.random.default_rng(7)
    layer, twin = _twins(3, 1e-5, rng, **kwargs)
    for _ in range(3):
        x = rng.normal(size=(4, 3, 2))
        _compare_step(layer, twin, x, rng.normal(size=x.shape))
        if layer.track_running_stats:
            _compare_buffers(layer, twin)
    layer.eval(), twin.eval()
    x = rng.normal(size=(4, 3, 2))
    _compare_step(layer, twin, x, rng.normal(size=x.shape))
    assert set(layer.parameters()) == {name for name, _ in twin.named_parameters()}
    assert set(layer.buffers()) == {name for name, _ in twin.named_buffers()}


@pytest.mark.parametrize("shape, eps", BN_SHAPES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batchnorm_gradients_by_finite_differences(shape, eps, mode):
    rng = np.random.default_rng(shape[0] + shape[1])
    layer, _ = _twins(shape[1], eps, rng)
    layer.forward(rng.normal(size=shape))  # running statistics that are not 0 and 1
    getattr(layer, mode)()
    x = rng.normal(size=shape)
    if mode == "train" and np.prod(shape) // shape[1] == 2:
        # Two values per channel normalise to -1 and +1 whatever they are, save for eps:
        # dL/dx is tiny unless the spread is comparable to sqrt(eps). Make it so.
        x *= 0.01
    errors = check_layer_gradients(layer, x, rng=1)
    assert set(errors) == {"x", "weight", "bias"} and max(errors.values()) < 1e-6


def test_batch_of_one_raises_in_training_like_torch_but_not_in_eval():
    layer, twin = BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    for shape in [(1, 4), (1, 4, 1)]:
        with pytest.raises(
            ValueError,
            match=r"expected more than 1 value per channel when "
            rf"training, got input of shape \({shape[0]}, 4",
        ):
            layer.forward(np.ones(shape))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            twin(torch.ones(shape))
    layer.forward(np.ones((1, 4, 3)))  # one example of length 3: 3 values per channel
    layer.eval()
    out = layer.forward(np.full((1, 4), 2.0))
    expected = (2.0 - layer.running_mean) / np.sqrt(layer.running_var + layer.eps)
    np.testing.assert_allclose(out, expected[None, :])


def test_eval_mode_output_does_not_depend_on_the_rest_of_the_batch():
    rng = np.random.default_rng(0)
    layer = BatchNorm1d(3)
    for _ in range(5):
        layer.forward(rng.normal(size=(8, 3)))
    x = rng.normal(size=(8, 3))
    in_training = layer.forward(x)[0]
    assert not np.allclose(in_training, layer.forward(x[:4])[0])  # batch statistics
    layer.eval()
    np.testing.assert_allclose(layer.forward(x)[0], layer.forward(x[:4])[0])
    assert not np.allclose(layer.forward(x)[0], in_training)


def test_sequential_modes_and_state_dict_with_torch_names():
    net = layers.Sequential(
        Linear(4, 6, rng=0), BatchNorm1d(6), layers.ReLU(), Linear(6, 2, rng=1)
    )
    twin = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.BatchNorm1d(6),
        torch.nn.ReLU(),
        torch.nn.Linear(6, 2),
    ).double()
    rng = np.random.default_rng(0)
    twin.train()
    for _ in range(3):  # give torch's batch norm running statistics to copy
        twin(torch.tensor(rng.normal(size=(5, 4))))
    net.load_state_dict(twin.state_dict())
    assert set(net.state_dict()) == set(twin.state_dict())
    assert net.layers[1].num_batches_tracked == 3
    assert net.eval() is net and not net.training and not net.layers[1].training
    twin.eval()
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(
        net.forward(x), twin(torch.tensor(x)).detach().numpy(), rtol=1e-10
    )
    net.train()
    assert net.training and net.layers[1].training


def test_load_state_dict_copies_in_place():
    layer = BatchNorm1d(3)
    weight, running_var = layer.weight, layer.running_var
    torch_layer = torch.nn.BatchNorm1d(3)
    torch_layer.running_var.fill_(4.0)
    torch_layer.weight.data.fill_(2.0)
    layer.load_state_dict(torch_layer.state_dict())
    assert layer.weight is weight and layer.running_var is running_var
    np.testing.assert_array_equal(layer.weight, 2.0)
    np.testing.assert_array_equal(layer.running_var, 4.0)


LN_CASES = [
    ((2, 5), 5, {}),
    ((3, 4, 6), 6, {}),
    ((2, 3, 4), (3, 4), {}),
    ((1, 7), 7, dict(eps=0.5)),
    ((4, 3), 3, dict(elementwise_affine=False)),
    ((2, 2, 5), 5, dict(bias=False)),
    ((5, 1, 3), (1, 3), dict(eps=2.0)),
]


@pytest.mark.parametrize("shape, normalized_shape, kwargs", LN_CASES)
def test_layernorm_three_ways(shape, normalized_shape, kwargs):
    rng = np.random.default_rng(len(shape) + shape[-1])
    layer = LayerNorm(normalized_shape, **kwargs)
    twin = torch.nn.LayerNorm(normalized_shape, dtype=torch.float64, **kwargs)
    for value in layer.parameters().values():
        value[...] = rng.uniform(0.5, 2.0, size=value.shape)
    twin.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.normal(loc=1.0, scale=3.0, size=shape)
    dout = rng.normal(size=shape)
    out, dx = layer.forward(x), None
    dx = layer.backward(dout)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = twin(x_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(
            layer.grads[name], param.grad.numpy(), rtol=1e-10, atol=1e-12
        )
    errors = check_layer_gradients(layer, x, rng=2)
    assert max(errors.values()) < 1e-6
    assert set(errors) == {"x"} | set(layer.parameters())


def test_the_torch_twins_are_torchs_own():
    from helpers.torch_nn import norm

    assert (
        norm.BatchNorm1d is torch.nn.BatchNorm1d
        and norm.LayerNorm is torch.nn.LayerNorm
    )
