"""The price of a Python-level graph: helpers' autograd engine against ``torch.autograd``.

The same small MLP loss, written once with ``helpers.numpy_nn.autograd.Tensor`` and
once with PyTorch tensors, op for op:

    h = relu(x @ W1.T + b1);  z = h @ W2.T + b2
    loss = mean_i [ log(sum_k exp(z_ik)) - sum_k z_ik * onehot_ik ]

and one step is ``zero the gradients; loss.backward()``. The engine builds a graph of
Python objects and calls one Python closure per node on the way back; PyTorch does the
same bookkeeping in C++. For scale, the same network with the hand-written backward
of ``helpers.numpy_nn.layers`` (no graph at all) is timed against the same PyTorch
step. Float64 throughout, because the engine computes in float64.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn import autograd
from helpers.numpy_nn import layers as numpy_layers

CHAPTER_SIZES, CHAPTER_BATCH = (784, 128, 10), 64
TINY_SIZES, TINY_BATCH = (2, 16, 2), 32
ENGINE, HAND_WRITTEN = "autograd engine", "hand-written backward"


def _data(sizes, batch):
    """The same float64 batch, labels and initial weights for every implementation."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], size=batch)
    onehot = np.eye(sizes[-1])[y]
    reference = numpy_layers.mlp(
        list(sizes), rng=rng
    )  # float64, PyTorch's default initialisation
    return x, y, onehot, reference


def _torch_step(x, onehot, state):
    """The loss above with PyTorch tensors; returns the step and the parameter tensors."""
    x_torch, onehot_torch = torch.from_numpy(x), torch.from_numpy(onehot)
    w1, b1, w2, b2 = (
        torch.tensor(state[name], requires_grad=True)
        for name in ("0.weight", "0.bias", "2.weight", "2.bias")
    )

    def torch_step():
        for param in (w1, b1, w2, b2):
            param.grad = None
        z = (x_torch @ w1.T + b1).relu() @ w2.T + b2
        loss = (z.exp().sum(dim=1).log() - (z * onehot_torch).sum(dim=1)).mean()
        loss.backward()
        return loss

    return torch_step, {"0.weight": w1, "0.bias": b1, "2.weight": w2, "2.bias": b2}


def make_engine_steps(sizes, batch):
    """The loss with the engine's ``Tensor`` against the same loss with ``torch.autograd``."""
    x, _, onehot, reference = _data(sizes, batch)
    state = reference.state_dict()
    x_engine = autograd.Tensor(x, label="x")
    params = {name: autograd.Tensor(value, label=name) for name, value in state.items()}
    w1, b1, w2, b2 = (
        params[name] for name in ("0.weight", "0.bias", "2.weight", "2.bias")
    )

    def numpy_step():
        for param in params.values():
            param.zero_grad()
        z = (x_engine @ w1.T + b1).relu() @ w2.T + b2
        loss = (z.exp().sum(axis=1).log() - (z * onehot).sum(axis=1)).mean()
        loss.backward()
        return float(loss.data)

    torch_step, torch_params = _torch_step(x, onehot, state)
    np.testing.assert_allclose(numpy_step(), torch_step().item(), rtol=1e-12)
    for name, param in params.items():
        np.testing.assert_allclose(
            param.grad, torch_params[name].grad.numpy(), rtol=1e-9, atol=1e-12
        )
    return numpy_step, torch_step


def make_hand_written_steps(sizes, batch):
    """The same network with ``helpers.numpy_nn.layers`` (forward, then backward by hand) against torch.autograd."""
    x, y, onehot, net = _data(sizes, batch)
    loss_layer = numpy_layers.CrossEntropyLoss()

    def numpy_step():
        loss = loss_layer(net.forward(x), y)
        net.backward(loss_layer.backward())
        return loss

    torch_step, torch_params = _torch_step(x, onehot, net.state_dict())
    np.testing.assert_allclose(numpy_step(), torch_step().item(), rtol=1e-12)
    for name, param in torch_params.items():
        np.testing.assert_allclose(
            net.grads[name], param.grad.numpy(), rtol=1e-9, atol=1e-12
        )
    return numpy_step, torch_step


def _label(kind, sizes, batch):
    return f"{kind}, MLP {'-'.join(str(s) for s in sizes)}, batch {batch}"


def cases(quick):
    found = []
    for sizes, batch in ((TINY_SIZES, TINY_BATCH), (CHAPTER_SIZES, CHAPTER_BATCH)):
        found.append(
            Case(
                _label(ENGINE, sizes, batch),
                lambda s=sizes, n=batch: make_engine_steps(s, n),
            )
        )
        found.append(
            Case(
                _label(HAND_WRITTEN, sizes, batch),
                lambda s=sizes, n=batch: make_hand_written_steps(s, n),
            )
        )
    return found


def summarize(rows):
    """The engine's overhead: its time over the hand-written backward's, for each size and thread count."""
    by_case = {(row["case"], row["threads"]): row for row in rows}
    lines = []
    for (case, threads), row in by_case.items():
        if not case.startswith(ENGINE):
            continue
        hand = by_case.get((case.replace(ENGINE, HAND_WRITTEN, 1), threads))
        if hand is None:
            continue
        overhead = row["numpy"]["median_s"] / hand["numpy"]["median_s"]
        network = case[len(ENGINE) + 2 :]
        lines.append(
            f"autograd engine overhead, {network}, {threads} thread{'s' if threads > 1 else ''}: "
            f"{overhead:.1f}x the hand-written backward, {row['ratio']:.1f}x torch.autograd"
        )
    return lines


BENCHMARK = Benchmark(
    name="autograd",
    compares="the loss of a small MLP and its `backward()` with `helpers.numpy_nn.autograd.Tensor` (and, for "
    "scale, with the hand-written backward of `helpers.numpy_nn.layers`) against the same loss with "
    "`torch.autograd` (float64)",
    cases=cases,
    summarize=summarize,
)
