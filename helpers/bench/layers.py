"""One MLP training step at chapter 3's size: 784-128-10, ReLU, softmax cross-entropy, SGD.

The NumPy step is the chapter's loop body: ``net.forward``, ``CrossEntropyLoss``,
``net.backward``, then ``param -= lr * grad`` for every parameter. The PyTorch step
is ``optimizer.zero_grad()``, ``F.cross_entropy(net(x), y).backward()``,
``optimizer.step()`` with ``torch.optim.SGD``. Both nets start from the same
weights and see the same float32 batch at every step.

Floating-point operations (matrix products only; the elementwise work is small):
6 N (784 * 128 + 128 * 10) per step.
"""

import numpy as np
import torch
import torch.nn.functional as F

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn import layers as numpy_layers
from helpers.torch_nn import layers as torch_layers

SIZES = (784, 128, 10)
BATCH_SIZES = (64, 256)
LEARNING_RATE = 0.01  # small, so that thousands of steps on one batch stay well-behaved


def mlp_step_flops(batch, sizes=SIZES):
    """Matrix-product FLOPs of one forward + backward: 6 N sum(d_in * d_out)."""
    return 6.0 * batch * sum(d_in * d_out for d_in, d_out in zip(sizes[:-1], sizes[1:]))


def make_mlp_steps(batch, sizes=SIZES, lr=LEARNING_RATE):
    """One SGD step of mlp(sizes) on x: (batch, sizes[0]) float32 and y: (batch,) labels."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    net = numpy_layers.mlp(list(sizes), rng=rng, dtype=np.float32)
    loss_layer = numpy_layers.CrossEntropyLoss()
    twin = torch_layers.mlp(list(sizes))
    twin.load_state_dict(
        {
            name: torch.from_numpy(value.copy())
            for name, value in net.parameters().items()
        }
    )
    optimizer = torch.optim.SGD(twin.parameters(), lr=lr)
    x_torch, y_torch = torch.from_numpy(x), torch.from_numpy(y)

    def numpy_step():
        loss = loss_layer(net.forward(x), y)
        net.backward(loss_layer.backward().astype(np.float32))
        for name, param in net.parameters().items():
            param -= lr * net.grads[name]
        return loss

    def torch_step():
        optimizer.zero_grad()
        loss = F.cross_entropy(twin(x_torch), y_torch)
        loss.backward()
        optimizer.step()
        return loss

    np.testing.assert_allclose(numpy_step(), torch_step().item(), rtol=1e-5)
    for (
        name,
        param,
    ) in twin.state_dict().items():  # the same update from the same weights
        np.testing.assert_allclose(
            net.parameters()[name], param.numpy(), rtol=1e-4, atol=1e-6
        )
    return numpy_step, torch_step


def cases(quick):
    label = "-".join(str(size) for size in SIZES)
    return [
        Case(
            f"MLP {label}, batch {n}",
            lambda n=n: make_mlp_steps(n),
            flops=mlp_step_flops(n),
        )
        for n in BATCH_SIZES
    ]


BENCHMARK = Benchmark(
    name="mlp_step",
    compares="one SGD step of `helpers.numpy_nn.layers.mlp` (forward, `CrossEntropyLoss`, backward, update) "
    "against `helpers.torch_nn.layers.mlp` with `F.cross_entropy`, `backward()` and `torch.optim.SGD` "
    "(float32, same weights and data)",
    cases=cases,
)
