"""One fully connected layer, forward and backward: helpers' NumPy ``Linear`` against ``torch.nn.Linear``.

The NumPy step is ``layer.forward(x)`` then ``layer.backward(dout)``, which fills
the weight and bias gradients and returns dx. The PyTorch step does the same with
autograd: ``twin(x).backward(dout)`` with ``x.requires_grad`` so that dx is computed
too. Both start from the same weights and the same float32 data.

Floating-point operations: forward 2 N D M, backward 4 N D M (dW and dx), so 6 N D M.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn.linear import Linear

IN_FEATURES, OUT_FEATURES = 784, 128  # the first layer of chapter 3's MNIST network
BATCH_SIZES = (64, 256)


def make_linear_steps(batch, in_features=IN_FEATURES, out_features=OUT_FEATURES):
    """Forward + backward of Linear(in_features, out_features) on x: (batch, in_features), float32."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, in_features), dtype=np.float32)
    dout = rng.standard_normal((batch, out_features), dtype=np.float32)
    layer = Linear(in_features, out_features, rng=rng, dtype=np.float32)
    twin = torch.nn.Linear(in_features, out_features)
    twin.load_state_dict(
        {
            name: torch.from_numpy(value.copy())
            for name, value in layer.parameters().items()
        }
    )
    x_torch = torch.from_numpy(x).requires_grad_()
    dout_torch = torch.from_numpy(dout)

    def numpy_step():
        layer.forward(x)
        return layer.backward(dout)

    def torch_step():
        x_torch.grad = None
        twin.zero_grad(set_to_none=True)
        twin(x_torch).backward(dout_torch)
        return x_torch.grad

    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        layer.grads["weight"], twin.weight.grad.numpy(), rtol=1e-4, atol=1e-4
    )
    return numpy_step, torch_step


def cases(quick):
    # The chapter's sizes are already small, so --quick keeps them (only the timing gets shorter).
    return [
        Case(
            f"Linear({IN_FEATURES}, {OUT_FEATURES}), batch {n}",
            lambda n=n: make_linear_steps(n),
            flops=6.0 * n * IN_FEATURES * OUT_FEATURES,
        )
        for n in BATCH_SIZES
    ]


BENCHMARK = Benchmark(
    name="linear",
    compares="`helpers.numpy_nn.linear.Linear` forward + backward against `torch.nn.Linear` forward + "
    "`backward()` (float32, same weights and data)",
    cases=cases,
)
