"""NumPy optimisers = torch.optim, step for step, and their argument checks.

Each test starts a NumPy model and its torch twin from the same float64 weights, lets
each compute its own gradients (NumPy backward / torch autograd) and its own update
(``helpers.numpy_nn.optim`` / ``torch.optim``), and asserts that the two trajectories
agree at every one of 100 steps. A wrong sign, a missing bias correction or a buffer
started at the wrong value shows up within a step or two.
"""

import copy

import numpy as np
import pytest
import torch

from helpers.numpy_nn import optim
from helpers.numpy_nn.layers import CrossEntropyLoss, mlp
from helpers.torch_nn import layers as torch_layers

STEPS = 100
RTOL, ATOL = 1e-12, 1e-14

# (class name, keyword arguments): every switch of every method, with and without decay.
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.02)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, weight_decay=0.01, momentum=0.5)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, eps=1e-3, centered=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    ("Adam", dict(lr=0.02, weight_decay=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.0)),
]
IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items())}"
    for name, kwargs in CONFIGS
]


def _small_model():
    """A 3-7-2 tanh MLP in NumPy, its torch twin with the same float64 weights, data."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3))
    y = rng.integers(0, 2, size=20)
    net = mlp([3, 7, 2], activation="tanh", rng=1)
    twin = torch_layers.mlp([3, 7, 2], activation="tanh", dtype=torch.float64)
    twin.load_state_dict({k: torch.tensor(v) for k, v in net.parameters().items()})
    return net, twin, x, y


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors: one thread is 30 times faster than two on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_same_trajectory_as_torch_on_a_small_model(name, kwargs):
    """The optimiser alone: torch's optimiser gets the NumPy network's gradients."""
    net, twin, x, y = _small_model()
    loss_layer = CrossEntropyLoss()
    optimizer = getattr(optim, name)(net.parameters(), **kwargs)
    torch_optimizer = getattr(torch.optim, name)(twin.parameters(), **kwargs)
    initial_loss = loss_layer(net.forward(x), y)
    for step in range(STEPS):
        loss_layer(net.forward(x), y)
        net.backward(loss_layer.backward())
        optimizer.step(net.grads)
        for key, param in twin.named_parameters():
            param.grad = torch.tensor(net.grads[key])
        torch_optimizer.step()
        for key, value in twin.state_dict().items():
            np.testing.assert_allclose(
                net.parameters()[key],
                value.numpy(),
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{key} after step {step + 1}",
            )
    # The run really trained: the loss fell (so a no-op optimiser could not pass).
    assert loss_layer(net.forward(x), y) < 0.95 * initial_loss


def _quadratic():
    """f(p) = 1/2 p^T A p - b^T p with condition number 100: a long, narrow valley."""
    rotation = np.linalg.qr(np.random.default_rng(3).normal(size=(4, 4)))[0]
    A = rotation @ np.diag([100.0, 10.0, 3.0, 1.0]) @ rotation.T
    b = np.array([1.0, -2.0, 0.5, 3.0])
    return A, b


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_same_trajectory_as_torch_on_an_ill_conditioned_quadratic(name, kwargs):
    A, b = _quadratic()
    if name == "SGD":  # lr * 100 (the largest curvature) must stay below 2
        kwargs = dict(kwargs, lr=kwargs["lr"] * 0.1)
    # Two parameter arrays given as a list (not a dict): p = concat(first, second).
    start = [np.array([2.0, -1.0]), np.array([0.5, 1.5])]
    params = [array.copy() for array in start]
    tensors = [torch.tensor(array, requires_grad=True) for array in start]
    optimizer = getattr(optim, name)(params, **kwargs)
    torch_optimizer = getattr(torch.optim, name)(tensors, **kwargs)
    A_t, b_t = torch.tensor(A), torch.tensor(b)
    for step in range(STEPS):
        gradient = A @ np.concatenate(params) - b
        optimizer.step([gradient[:2], gradient[2:]])
        torch_optimizer.zero_grad()
        p = torch.cat(tensors)
        (0.5 * p @ A_t @ p - b_t @ p).backward()
        torch_optimizer.step()
        for mine, theirs in zip(params, tensors):
            np.testing.assert_allclose(
                mine,
                theirs.detach().numpy(),
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"after step {step + 1}",
            )
    assert not np.allclose(np.concatenate(params), np.concatenate(start))


def test_state_has_torchs_names_and_values():
    net, twin, x, y = _small_model()
    loss_layer = CrossEntropyLoss()
    optimizer = optim.Adam(net.parameters(), lr=0.01, amsgrad=True)
    torch_optimizer = torch.optim.Adam(twin.parameters(), lr=0.01, amsgrad=True)
    for _ in range(3):
        loss_layer(net.forward(x), y)
        net.backward(loss_layer.backward())
        optimizer.step(net.grads)
        torch_optimizer.zero_grad()
        torch.nn.functional.cross_entropy(
            twin(torch.tensor(x)), torch.tensor(y)
        ).backward()
        torch_optimizer.step()
    for (key, _), param in zip(net.parameters().items(), twin.parameters()):
        mine, theirs = optimizer.state[key], torch_optimizer.state[param]
        assert (
            set(mine)
            == set(theirs)
            == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
        )
        assert mine["step"] == int(theirs["step"]) == 3
        for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_allclose(mine[name], theirs[name].numpy(), rtol=1e-12)
    sgd = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    # The buffer appears on step 1, as b_1 = g_1 (a copy, not the caller's array).
    assert all(state == {} for state in sgd.state.values())
    sgd.step(net.grads)
    for key, grad in net.grads.items():
        np.testing.assert_array_equal(sgd.state[key]["momentum_buffer"], grad)
        assert sgd.state[key]["momentum_buffer"] is not grad


def test_param_groups_lr_is_read_at_every_step():
    params = {"w": np.array([1.0, 2.0])}
    optimizer = optim.SGD(params, lr=0.1)
    assert optimizer.param_groups[0]["lr"] == 0.1 and optimizer.param_groups[0][
        "params"
    ] == ["w"]
    optimizer.param_groups[0]["lr"] = 0.5
    optimizer.step({"w": np.array([1.0, 1.0])})
    np.testing.assert_allclose(params["w"], [0.5, 1.5])


def test_adamw_decay_is_decoupled_and_adam_decay_is_not():
    """With a zero gradient AdamW still shrinks p by (1 - lr*wd)."""
    p_adamw, p_adam = {"w": np.array([4.0])}, {"w": np.array([4.0])}
    optim.AdamW(p_adamw, lr=0.1, weight_decay=0.5).step({"w": np.array([0.0])})
    optim.Adam(p_adam, lr=0.1, weight_decay=0.5).step({"w": np.array([0.0])})
    np.testing.assert_allclose(p_adamw["w"], [4.0 * (1 - 0.1 * 0.5)])
    # Adam: the decay term is rescaled like a gradient, so the first step is ~lr.
    np.testing.assert_allclose(p_adam["w"], [4.0 - 0.1], rtol=1e-6)


def test_adam_first_step_is_lr_times_the_sign_thanks_to_bias_correction():
    params = {"w": np.array([0.0, 0.0, 0.0])}
    optim.Adam(params, lr=0.01).step({"w": np.array([1e-3, -50.0, 2.0])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01, -0.01], rtol=1e-4)


def test_state_dict_round_trip_continues_the_same_trajectory():
    net, _, x, y = _small_model()
    loss_layer = CrossEntropyLoss()

    def train(optimizer, model, steps):
        for _ in range(steps):
            loss_layer(model.forward(x), y)
            model.backward(loss_layer.backward())
            optimizer.step(model.grads)

    first = optim.Adam(net.parameters(), lr=0.01)
    train(first, net, 5)
    saved_net, saved = copy.deepcopy(net), first.state_dict()
    train(first, net, 5)

    second = optim.Adam(saved_net.parameters(), lr=0.01)
    second.load_state_dict(saved)
    assert (
        second.state["0.weight"]["exp_avg"] is not saved["state"]["0.weight"]["exp_avg"]
    )
    train(second, saved_net, 5)
    for key, value in net.parameters().items():
        np.testing.assert_array_equal(saved_net.parameters()[key], value)
    with pytest.raises(ValueError, match="state_dict must be for the parameters"):
        optim.Adam({"other": np.zeros(2)}).load_state_dict(saved)


def test_float32_parameters_stay_float32():
    params = {"w": np.ones(3, dtype=np.float32)}
    for name in ("SGD", "RMSprop", "Adam", "AdamW"):
        optimizer = getattr(optim, name)(params, lr=0.01)
        optimizer.step({"w": np.full(3, 0.5, dtype=np.float32)})
        assert params["w"].dtype == np.float32


def test_the_callers_gradient_is_never_changed():
    for name, kwargs in CONFIGS:
        params = {"w": np.array([1.0, -2.0])}
        grad = np.array([0.3, 0.4])
        optimizer = getattr(optim, name)(params, **kwargs)
        for _ in range(3):
            optimizer.step({"w": grad})
        np.testing.assert_array_equal(grad, [0.3, 0.4], err_msg=name)


def test_bad_gradients_name_the_parameter():
    optimizer = optim.Adam({"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(3)})
    with pytest.raises(KeyError, match=r"missing \['0.bias'\], unexpected \['0.b'\]"):
        optimizer.step({"0.weight": np.zeros((3, 2)), "0.b": np.zeros(3)})
    with pytest.raises(
        ValueError,
        match=r"grads\['0.weight'\] must have the shape of "
        r"params\['0.weight'\], \(3, 2\), got \(2, 3\)",
    ):
        optimizer.step({"0.weight": np.zeros((2, 3)), "0.bias": np.zeros(3)})
    with pytest.raises(
        TypeError, match=r"grads\['0.bias'\] must be a NumPy array, got a torch"
    ):
        optimizer.step({"0.weight": np.zeros((3, 2)), "0.bias": torch.zeros(3)})
    listed = optim.SGD([np.zeros(2), np.zeros(3)], lr=0.1)
    with pytest.raises(
        ValueError, match=r"grads must hold one array per parameter, 2, got 1"
    ):
        listed.step([np.zeros(2)])
    with pytest.raises(
        ValueError, match=r"grads\[1\] must have the shape of params\[1\]"
    ):
        listed.step([np.zeros(2), np.zeros(2)])
    assert all(state == {} for state in optimizer.state.values())  # nothing half-done


def test_the_torch_twins_are_torchs_own_classes():
    from helpers.torch_nn import optim as torch_optim

    for name in ("SGD", "RMSprop", "Adam", "AdamW"):
        assert getattr(torch_optim, name) is getattr(torch.optim, name)


def test_an_optimizer_built_before_load_state_dict_still_trains_the_model():
    net, twin, x, y = _small_model()
    optimizer = optim.SGD(net.parameters(), lr=0.1)
    net.load_state_dict({k: v * 2 for k, v in twin.state_dict().items()})
    before = {k: v.copy() for k, v in net.parameters().items()}
    loss_layer = CrossEntropyLoss()
    loss_layer(net.forward(x), y)
    net.backward(loss_layer.backward())
    optimizer.step(net.grads)
    for key, value in net.parameters().items():
        np.testing.assert_allclose(value, before[key] - 0.1 * net.grads[key])
