"""Batch normalisation, forward and backward: NumPy ``BatchNorm1d`` against torch's.

Training mode at x (256, 512), float32: the NumPy step is ``layer.forward(x)`` (batch
statistics, running averages, normalise, scale and shift) then ``layer.backward(dout)``
(the compact formula, two reductions per channel); the PyTorch step is
``twin(x).backward(dout)`` with ``x.requires_grad``, so that dx is computed too. Both
start from the same weights and see the same data; one step is checked equal.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn.norm import BatchNorm1d

BATCH, FEATURES = 256, 512


def make_batchnorm_steps(batch=BATCH, features=FEATURES):
    """Forward + backward of BatchNorm1d(features) on x: (batch, features), float32."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, features), dtype=np.float32) * 2 + 1
    dout = rng.standard_normal((batch, features), dtype=np.float32)
    layer = BatchNorm1d(features, dtype=np.float32)
    layer.weight[...] = rng.uniform(0.5, 1.5, size=features)
    twin = torch.nn.BatchNorm1d(features)
    twin.load_state_dict(
        {
            name: torch.from_numpy(np.copy(value))
            for name, value in layer.state_dict().items()
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

    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(
        layer.grads["weight"], twin.weight.grad.numpy(), rtol=1e-3, atol=1e-3
    )
    return numpy_step, torch_step


def cases(quick):
    # The size is small already, so --quick keeps it (only the timing gets shorter).
    return [Case(f"BatchNorm1d({FEATURES}), batch {BATCH}", make_batchnorm_steps)]


BENCHMARK = Benchmark(
    name="batchnorm",
    compares="`helpers.numpy_nn.norm.BatchNorm1d` forward + backward in training mode "
    "against `torch.nn.BatchNorm1d` forward + `backward()` (float32, x (256, 512))",
    cases=cases,
)
