"""LeNet-5: the NumPy model and its PyTorch twin agree, name for name, step for step."""

import numpy as np
import pytest
import torch

from helpers.data import load_mnist_subset
from helpers.numpy_nn import layers
from helpers.numpy_nn.lenet import lenet5
from helpers.numpy_nn.optim import SGD
from helpers.torch_nn.lenet import lenet5 as torch_lenet5

LEARNING_RATE = 0.1


@pytest.fixture(scope="module")
def digits():
    """Twelve bundled training digits, (12, 1, 28, 28) float64, and their labels."""
    images, labels = load_mnist_subset("train", flatten=False)
    return images[:12, None].astype(np.float64), labels[:12]


def test_the_twins_have_the_same_parameter_names_shapes_and_count():
    torch_net = torch_lenet5()
    net = lenet5()
    shapes = {name: tuple(p.shape) for name, p in torch_net.named_parameters()}
    assert {name: value.shape for name, value in net.parameters().items()} == shapes
    assert list(net.parameters()) == list(shapes)
    assert shapes["0.weight"] == (6, 1, 5, 5) and shapes["7.weight"] == (120, 400)
    count = sum(value.size for value in net.parameters().values())
    assert count == sum(p.numel() for p in torch_net.parameters()) == 61_706


@pytest.mark.parametrize("activation, pool", [("relu", "max"), ("tanh", "avg")])
def test_three_sgd_steps_match_torch_from_the_same_weights(digits, activation, pool):
    """SGD with momentum: helpers.numpy_nn.optim.SGD against torch.optim.SGD."""
    x, y = digits
    torch.manual_seed(0)
    torch_net = torch_lenet5(activation, pool, dtype=torch.float64)
    net = lenet5(activation, pool)
    optimizer = SGD(net.parameters(), lr=LEARNING_RATE, momentum=0.9)
    net.load_state_dict(torch_net.state_dict())  # the one line, into the same arrays
    torch_optimizer = torch.optim.SGD(
        torch_net.parameters(), lr=LEARNING_RATE, momentum=0.9
    )
    loss_layer = layers.CrossEntropyLoss()
    x_torch, y_torch = torch.tensor(x), torch.tensor(y)
    for _ in range(3):
        logits = net(x)
        assert logits.shape == (12, 10)
        loss = loss_layer(logits, y)
        net.backward(loss_layer.backward())
        torch_optimizer.zero_grad()
        loss_torch = torch.nn.functional.cross_entropy(torch_net(x_torch), y_torch)
        loss_torch.backward()
        assert loss == pytest.approx(loss_torch.item(), rel=1e-12)
        for name, param in torch_net.named_parameters():
            np.testing.assert_allclose(
                net.grads[name], param.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
            )
        optimizer.step(net.grads)
        torch_optimizer.step()
    for name, param in torch_net.state_dict().items():
        np.testing.assert_allclose(
            net.parameters()[name], param.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
        )


def test_float32_lenet_and_bad_input():
    net = lenet5(rng=1, dtype=np.float32)
    x = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    assert net(x).dtype == np.float32
    with pytest.raises(
        ValueError,
        match=r"Sequential layer 7 .*got input of shape "
        r"\(2, 576\).*expects input of shape \(N, 400\)",
    ):
        net(np.ones((2, 1, 32, 32), dtype=np.float32))
    with pytest.raises(
        ValueError,
        match=r"Sequential layer 0 .*x must have 1 channel \(in_channels.*"
        r"got 3 channels",
    ):
        net(np.ones((2, 3, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match="unknown pool 'min'"):
        lenet5(pool="min")
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        torch_lenet5(activation="gelu")
