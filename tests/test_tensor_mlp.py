"""The autograd-engine MLP (helpers.numpy_nn.tensor_mlp) against PyTorch, and trained on the two moons."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.data import make_two_moons
from helpers.gradcheck import numerical_gradient, relative_error
from helpers.numpy_nn.autograd import Tensor
from helpers.numpy_nn.layers import mlp as numpy_mlp
from helpers.numpy_nn.tensor_mlp import TensorLinear, TensorMLP, tensor_cross_entropy
from helpers.torch_nn.layers import mlp as torch_mlp


def torch_twin(sizes, activation, seed):
    torch.manual_seed(seed)
    return torch_mlp(sizes, activation, dtype=torch.float64)


@pytest.mark.parametrize(
    "sizes, activation, n",
    [
        ([2, 8, 2], "relu", 5),
        ([2, 16, 16, 2], "relu", 7),
        ([3, 5, 4], "tanh", 1),
        ([1, 1], "relu", 3),
        ([4, 7, 3, 5], "tanh", 6),
    ],
)
def test_outputs_loss_and_gradients_equal_torch(sizes, activation, n):
    twin = torch_twin(sizes, activation, seed=len(sizes) + n)
    model = TensorMLP(sizes, activation)
    model.load_state_dict(twin.state_dict())
    assert [name for name, _ in model.named_parameters()] == [
        name for name, _ in twin.named_parameters()
    ]

    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    logits = model(x)
    loss = tensor_cross_entropy(logits, y)
    loss.backward()
    logits_t = twin(torch.tensor(x))
    loss_t = F.cross_entropy(logits_t, torch.tensor(y))
    loss_t.backward()

    np.testing.assert_allclose(
        logits.data, logits_t.detach().numpy(), rtol=1e-12, atol=1e-14
    )
    assert float(loss.data) == pytest.approx(loss_t.item(), rel=1e-12)
    grads = dict(model.named_parameters())
    for name, param in twin.named_parameters():
        assert grads[name].shape == tuple(param.shape)
        np.testing.assert_allclose(
            grads[name].grad, param.grad.numpy(), rtol=1e-10, atol=1e-13
        )


def test_parameters_are_laid_out_like_torch_linear_and_drawn_like_the_numpy_mlp():
    model = TensorMLP([3, 6, 2], rng=np.random.default_rng(4))
    reference = numpy_mlp(
        [3, 6, 2], rng=np.random.default_rng(4)
    )  # the same draws, in the same order
    shapes = [(name, tensor.shape) for name, tensor in model.named_parameters()]
    assert shapes == [
        ("0.weight", (6, 3)),
        ("0.bias", (6,)),
        ("2.weight", (2, 6)),
        ("2.bias", (2,)),
    ]
    for name, value in reference.parameters().items():
        np.testing.assert_array_equal(model.state_dict()[name], value)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(model(x).data, reference.forward(x), rtol=1e-14)
    assert model.parameters() == [tensor for _, tensor in model.named_parameters()]
    layer = TensorLinear(3, 6, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(layer.weight.data, model.layers[0].weight.data)
    assert layer.parameters() == [layer.weight, layer.bias]


def test_gradients_match_finite_differences():
    model = TensorMLP([2, 5, 3], "tanh", rng=np.random.default_rng(1))
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 2)), rng.integers(0, 3, size=6)
    model.zero_grad()
    tensor_cross_entropy(model(x), y).backward()
    for name, tensor in model.named_parameters():
        numeric = numerical_gradient(
            lambda: float(tensor_cross_entropy(model(x), y).data), tensor.data
        )
        assert relative_error(tensor.grad, numeric) < 1e-7, name


def test_cross_entropy_is_stable_for_large_logits_and_matches_torch():
    logits = np.array([[1000.0, 0.0, -1000.0], [3.0, 2.0, 1.0]])
    y = np.array([2, 0])
    ours = Tensor(logits)
    loss = tensor_cross_entropy(ours, y)
    loss.backward()
    theirs = torch.tensor(logits, requires_grad=True)
    loss_t = F.cross_entropy(theirs, torch.tensor(y))
    loss_t.backward()
    assert np.isfinite(loss.data) and float(loss.data) == pytest.approx(
        loss_t.item(), rel=1e-12
    )
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_gradients_accumulate_until_zero_grad():
    model = TensorMLP([2, 4, 2], rng=np.random.default_rng(0))
    x, y = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([0, 1])
    tensor_cross_entropy(model(x), y).backward()
    once = [t.grad.copy() for t in model.parameters()]
    tensor_cross_entropy(model(x), y).backward()
    for t, g in zip(model.parameters(), once):
        np.testing.assert_allclose(t.grad, 2 * g)
    model.zero_grad()
    assert all(not t.grad.any() for t in model.parameters())


def train_moons(width, steps, lr, seed=0):
    X_train, y_train = make_two_moons("train")
    model = TensorMLP([2, width, 2], rng=np.random.default_rng(seed))
    losses = []
    for _ in range(steps):
        model.zero_grad()
        loss = tensor_cross_entropy(model(X_train), y_train)
        loss.backward()
        for tensor in model.parameters():
            tensor.data -= lr * tensor.grad
        losses.append(float(loss.data))
    return model, losses


def test_plain_gradient_descent_trains_the_two_moons():
    model, losses = train_moons(width=8, steps=200, lr=1.0)
    X_train, y_train = make_two_moons("train")
    X_val, y_val = make_two_moons("val")
    train_accuracy = np.mean(model(X_train).data.argmax(axis=1) == y_train)
    val_accuracy = np.mean(model(X_val).data.argmax(axis=1) == y_val)
    assert losses[-1] < 0.5 * losses[0]  # from about log 2 = 0.69 to well under 0.35
    assert train_accuracy > 0.90 and val_accuracy > 0.90  # 91.7% and 95.0% when written
    linear, _ = train_moons(
        width=1, steps=200, lr=1.0
    )  # one relu unit: at best a bent line
    assert np.mean(linear(X_val).data.argmax(axis=1) == y_val) < val_accuracy


def test_wrong_arguments_raise_clear_errors():
    model = TensorMLP([2, 3, 2])
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, 2\), got shape \(4, 3\)"
    ):
        model(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="x must be 2-D"):
        model(np.zeros(2))
    with pytest.raises(TypeError, match="x must be a NumPy array"):
        model([[0.0, 1.0]])
    with pytest.raises(ValueError, match="activation"):
        TensorMLP([2, 3, 2], activation="sigmoid")
    with pytest.raises(ValueError, match="sizes"):
        TensorMLP([2])
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        TensorLinear(2, 3, rng=0)
    logits = model(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        tensor_cross_entropy(logits, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="labels in 0..1"):
        tensor_cross_entropy(logits, np.array([0, 2]))
    with pytest.raises(ValueError, match="one label per row"):
        tensor_cross_entropy(logits, np.array([0, 1, 1]))
    with pytest.raises(TypeError, match="logits must be a Tensor"):
        tensor_cross_entropy(logits.data, np.array([0, 1]))
    with pytest.raises(KeyError, match="exactly the keys"):
        model.load_state_dict({"0.weight": np.zeros((3, 2))})
    state = model.state_dict()
    state["2.bias"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"state\['2.bias'\] must have shape \(2,\)"):
        model.load_state_dict(state)
