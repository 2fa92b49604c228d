"""An LSTM, forward and backward: NumPy ``LSTM`` against ``torch.nn.LSTM``.

The NumPy step is ``lstm.forward(x)`` then ``lstm.backward(d_output)``:
backpropagation through time, which fills every weight gradient and returns dx.
The PyTorch step does the same with autograd, ``twin(x)[0].backward(d_output)``
with ``x.requires_grad``. Both start from the same weights and see the same float32
data, at the size of chapter 6's character model: batch 32, 64 steps, 64 input
features (an embedding), 128 hidden units. On a CPU PyTorch runs its own LSTM
kernel, which also computes the input part of every step in one matrix product.

Floating-point operations (matrix products only): per step and example the gates
cost 2 * 4H * (D + H) forward and twice that backward, so 6 * 4H * (D + H) * N * T.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn.rnn import LSTM

CHAPTER_SIZE = {"batch": 32, "steps": 64, "input_size": 64, "hidden_size": 128}
QUICK_SIZE = {"batch": 4, "steps": 8, "input_size": 8, "hidden_size": 16}


def lstm_step_flops(batch, steps, input_size, hidden_size):
    """Matrix-product FLOPs of one forward + backward: 6 * 4H * (D + H) * N * T."""
    return 6.0 * 4 * hidden_size * (input_size + hidden_size) * batch * steps


def make_lstm_steps(batch, steps, input_size, hidden_size):
    """Forward + backward of LSTM(input_size, hidden_size), x: (steps, batch, input)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps, batch, input_size), dtype=np.float32)
    d_output = rng.standard_normal((steps, batch, hidden_size), dtype=np.float32)
    lstm = LSTM(input_size, hidden_size, rng=rng, dtype=np.float32)
    twin = torch.nn.LSTM(input_size, hidden_size)
    twin.load_state_dict(
        {
            name: torch.from_numpy(value.copy())
            for name, value in lstm.parameters().items()
        }
    )
    x_torch = torch.from_numpy(x).requires_grad_()
    d_output_torch = torch.from_numpy(d_output)

    def numpy_step():
        lstm.forward(x)
        return lstm.backward(d_output)[0]

    def torch_step():
        x_torch.grad = None
        twin.zero_grad(set_to_none=True)
        twin(x_torch)[0].backward(d_output_torch)
        return x_torch.grad

    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-3, atol=1e-4)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(
            lstm.grads[name], param.grad.numpy(), rtol=1e-3, atol=1e-3
        )
    return numpy_step, torch_step


def _label(size):
    return (
        f"LSTM({size['input_size']}, {size['hidden_size']}), batch {size['batch']}, "
        f"T {size['steps']}"
    )


def cases(quick):
    size = QUICK_SIZE if quick else CHAPTER_SIZE
    return [
        Case(
            _label(size), lambda: make_lstm_steps(**size), flops=lstm_step_flops(**size)
        )
    ]


BENCHMARK = Benchmark(
    name="lstm",
    compares="`helpers.numpy_nn.rnn.LSTM` forward + backward through time against "
    "`torch.nn.LSTM` forward + `backward()` (float32, same weights and data)",
    cases=cases,
)
