"""NumPy layers: analytic backward = finite differences = torch.autograd, and clear errors."""

import numpy as np
import pytest
import torch

from helpers.gradcheck import GradientCheckError, check_layer_gradients
from helpers.numpy_nn import layers as L
from helpers.numpy_nn.linear import Linear
from helpers.torch_nn import layers as TL

SHAPES = [(1, 1), (1, 5), (3, 7), (8, 2)]


def _torch_twin(layer):
    kind = type(layer).__name__
    if kind == "Linear":
        twin = torch.nn.Linear(
            layer.in_features, layer.out_features, dtype=torch.float64
        )
        twin.load_state_dict(
            {k: torch.tensor(v) for k, v in layer.state_dict().items()}
        )
        return twin
    return getattr(TL, kind)()


@pytest.mark.parametrize("n, d", SHAPES)
@pytest.mark.parametrize(
    "make",
    [
        lambda d: Linear(d, 3, rng=np.random.default_rng(d)),
        lambda d: L.ReLU(),
        lambda d: L.Sigmoid(),
        lambda d: L.Tanh(),
    ],
    ids=["Linear", "ReLU", "Sigmoid", "Tanh"],
)
def test_layer_gradients_three_ways(make, n, d):
    rng = np.random.default_rng(n * 100 + d)
    layer = make(d)
    x = rng.normal(size=(n, d))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU's kink away from the finite-difference step
    errors = check_layer_gradients(layer, x, rng=np.random.default_rng(1))
    assert max(errors.values()) < 1e-7

    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    twin = _torch_twin(layer)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = twin(x_t)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-10, atol=1e-14)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(
            layer.grads[name], param.grad.numpy(), rtol=1e-10, atol=1e-14
        )


@pytest.mark.parametrize("n, k", [(1, 2), (4, 3), (9, 10)])
def test_cross_entropy_loss_layer_three_ways(n, k):
    rng = np.random.default_rng(k)
    logits, y = rng.normal(size=(n, k)), rng.integers(0, k, size=n)
    loss_layer = L.CrossEntropyLoss()
    loss = loss_layer(logits, y)
    dlogits = loss_layer.backward()
    logits_t = torch.tensor(logits, requires_grad=True)
    loss_t = torch.nn.CrossEntropyLoss()(logits_t, torch.tensor(y))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, logits_t.grad.numpy(), rtol=1e-10, atol=1e-14)
    from helpers.gradcheck import check_gradient

    assert (
        check_gradient(lambda: L.CrossEntropyLoss()(logits, y), logits, dlogits) < 1e-7
    )


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_whole_mlp_matches_torch_after_one_line_weight_copy(activation):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    torch_net = TL.mlp([6, 5, 4, 3], activation, dtype=torch.float64)
    net = L.mlp([6, 5, 4, 3], activation)
    net.load_state_dict(torch_net.state_dict())  # the one line
    assert list(net.parameters()) == [name for name, _ in torch_net.named_parameters()]
    X, y = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
    loss_layer = L.CrossEntropyLoss()
    loss = loss_layer(net(X), y)
    net.backward(loss_layer.backward())
    loss_t = torch.nn.CrossEntropyLoss()(torch_net(torch.tensor(X)), torch.tensor(y))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    for name, param in torch_net.named_parameters():
        np.testing.assert_allclose(
            net.grads[name], param.grad.numpy(), rtol=1e-9, atol=1e-13
        )
    assert max(check_layer_gradients(net, X).values()) < 1e-6


def test_gradient_checker_catches_a_planted_bug():
    class LeakyBackwardReLU(L.ReLU):
        def _local_derivative(self, x):
            return np.where(
                x > 0, 1.0, 0.1
            )  # wrong: this is not the derivative of max(x, 0)

    x = np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(GradientCheckError, match="gradient check failed for x"):
        check_layer_gradients(LeakyBackwardReLU(), x)


def test_shape_mismatch_between_layers_names_the_layer_and_both_shapes():
    net = L.Sequential(Linear(4, 8), L.ReLU(), Linear(5, 2))
    with pytest.raises(
        ValueError,
        match=r"Sequential layer 2 \(Linear\(in_features=5, out_features=2.*\) got input of "
        r"shape \(3, 8\): .*expects input of shape \(N, 5\)",
    ):
        net(np.ones((3, 4)))


def test_backward_before_forward_and_other_misuse_is_explained():
    with pytest.raises(
        RuntimeError, match=r"ReLU\(\): backward was called before forward"
    ):
        L.ReLU().backward(np.ones((2, 2)))
    with pytest.raises(
        RuntimeError, match="CrossEntropyLoss: backward was called before forward"
    ):
        L.CrossEntropyLoss().backward()
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        L.mlp([3, 2]).backward(np.ones((1, 2)))
    relu = L.Tanh()
    relu(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"dout must have the output's shape \(2, 3\), got \(3, 2\)"
    ):
        relu.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        L.mlp([3, 4, 2], activation="gelu")
    with pytest.raises(ValueError, match="at least an input and an output"):
        TL.mlp([3])
    with pytest.raises(KeyError, match="exactly the keys"):
        L.mlp([3, 4, 2]).load_state_dict({"0.weight": np.ones((4, 3))})


def test_zero_grad_clears_every_layer():
    net = L.mlp([3, 4, 2])
    net(np.ones((2, 3)))
    net.backward(np.ones((2, 2)))
    assert set(net.grads) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    net.zero_grad()
    assert net.grads == {}


def test_initialisation_scales_have_the_stated_variance():
    from helpers.numpy_nn.init import init_mlp_, kaiming_normal_, xavier_uniform_

    rng = np.random.default_rng(0)
    w = xavier_uniform_(np.empty((300, 500)), rng)
    assert w.var() == pytest.approx(2 / 800, rel=0.02) and np.abs(w).max() <= np.sqrt(
        6 / 800
    )
    w = kaiming_normal_(np.empty((300, 500)), rng)
    assert w.var() == pytest.approx(2 / 500, rel=0.02)
    net = init_mlp_(L.mlp([20, 30, 5]), "he", rng)
    assert np.all(net.layers[0].bias == 0)
    with pytest.raises(ValueError, match="unknown scheme 'lecun'"):
        init_mlp_(net, "lecun", rng)
    with pytest.raises(ValueError, match="weight must be 2-D"):
        xavier_uniform_(np.empty(4), rng)


def test_he_initialisation_keeps_relu_activations_from_vanishing():
    from helpers.numpy_nn.init import init_mlp_

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 100))
    deep = [100] * 11
    default = L.mlp(deep, "relu", rng=np.random.default_rng(1))
    he = init_mlp_(L.mlp(deep, "relu", rng=np.random.default_rng(1)), "he", rng)
    assert (
        default(x).std() < 0.1 * x.std()
    )  # PyTorch's default scale shrinks the signal layer by layer
    assert 0.3 < he(x).std() / x.std() < 3.0


def test_float32_networks_stay_float32_and_match_torch():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    torch_net = TL.mlp([5, 4, 3])
    net = L.mlp([5, 4, 3], dtype=np.float32)
    net.load_state_dict(torch_net.state_dict())
    X = rng.normal(size=(6, 5)).astype(np.float32)
    out = net(X)
    assert out.dtype == np.float32 and net.layers[0].weight.dtype == np.float32
    np.testing.assert_allclose(
        out, torch_net(torch.tensor(X)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
