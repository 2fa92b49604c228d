"""One Adam step on about a million parameters: NumPy ``Adam`` against torch's.

The parameters are a weight (1024, 1024) and a bias (1024,), 1,049,600 float32 numbers,
with a fixed gradient. The NumPy step is ``optimizer.step(grads)``: a handful of
elementwise passes over every array (the moments, the square root, the division),
each a new temporary. The PyTorch steps are ``optimizer.step()`` of
``torch.optim.Adam`` with its defaults (on a CPU, a loop over the tensors with
in-place operations) and with ``fused=True`` (one kernel per tensor that does the whole
update in a single pass). Adam is memory-bound: it reads and writes each array a few
times and does a few operations per number, so the difference is in the passes over
memory, not in arithmetic. Both start from the same values; one step is checked equal.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn import optim

SHAPES = {"weight": (1024, 1024), "bias": (1024,)}
QUICK_SHAPES = {"weight": (256, 256), "bias": (256,)}
LEARNING_RATE = 1e-3


def parameter_count(shapes):
    return sum(int(np.prod(shape)) for shape in shapes.values())


def make_adam_steps(shapes=SHAPES, fused=False):
    """Adam steps on float32 parameters of ``shapes`` with a fixed gradient."""
    rng = np.random.default_rng(0)
    params = {
        name: rng.standard_normal(shape, dtype=np.float32)
        for name, shape in shapes.items()
    }
    grads = {
        name: rng.standard_normal(shape, dtype=np.float32)
        for name, shape in shapes.items()
    }
    tensors = [
        torch.from_numpy(value.copy()).requires_grad_() for value in params.values()
    ]
    for tensor, grad in zip(tensors, grads.values()):
        tensor.grad = torch.from_numpy(grad.copy())
    optimizer = optim.Adam(params, lr=LEARNING_RATE)
    twin = torch.optim.Adam(tensors, lr=LEARNING_RATE, fused=fused)

    def numpy_step():
        optimizer.step(grads)

    def torch_step():
        twin.step()

    numpy_step()
    torch_step()
    for value, tensor in zip(params.values(), tensors):  # the same first step
        np.testing.assert_allclose(value, tensor.detach().numpy(), rtol=1e-5, atol=1e-6)
    return numpy_step, torch_step


def cases(quick):
    shapes = QUICK_SHAPES if quick else SHAPES
    count = f"{parameter_count(shapes):,} parameters"
    return [
        Case(f"Adam, {count}", lambda: make_adam_steps(shapes)),
        Case(
            f"Adam, {count}, torch fused=True",
            lambda: make_adam_steps(shapes, fused=True),
        ),
    ]


BENCHMARK = Benchmark(
    name="adam_step",
    compares="one `helpers.numpy_nn.optim.Adam` step against `torch.optim.Adam` "
    "(defaults, then `fused=True`) on a weight (1024, 1024) and a bias (1024,), "
    "float32, fixed gradients",
    cases=cases,
)
