"""Softmax cross-entropy forward and backward: helpers' NumPy pair against PyTorch's own.

NumPy: ``cross_entropy(logits, y)`` and ``cross_entropy_backward(logits, y)``, the loss
and its gradient (softmax(Z) - onehot(y)) / N, each checking its arguments first.
PyTorch: ``F.cross_entropy(logits, y).backward()``, as chapter 3's training loop calls
it (``helpers.torch_nn.losses.cross_entropy`` adds Python-level argument checks on top,
which would make PyTorch look slower than it is). Logits (N, 10) as in chapter 3.
"""

import numpy as np
import torch
import torch.nn.functional as F

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn.losses import cross_entropy, cross_entropy_backward

NUM_CLASSES = 10
BATCH_SIZES = (64, 256)


def make_cross_entropy_steps(batch, num_classes=NUM_CLASSES):
    """Loss and d loss / d logits for logits: (batch, num_classes) float32 and y: (batch,) labels."""
    rng = np.random.default_rng(0)
    logits = 3.0 * rng.standard_normal((batch, num_classes), dtype=np.float32)
    y = rng.integers(0, num_classes, size=batch)
    logits_torch = torch.from_numpy(logits).requires_grad_()
    y_torch = torch.from_numpy(y)

    def numpy_step():
        cross_entropy(logits, y)
        return cross_entropy_backward(logits, y)

    def torch_step():
        logits_torch.grad = None
        F.cross_entropy(logits_torch, y_torch).backward()
        return logits_torch.grad

    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-4, atol=1e-7)
    return numpy_step, torch_step


def cases(quick):
    return [
        Case(f"logits ({n}, {NUM_CLASSES})", lambda n=n: make_cross_entropy_steps(n))
        for n in BATCH_SIZES
    ]


BENCHMARK = Benchmark(
    name="cross_entropy",
    compares="`helpers.numpy_nn.losses.cross_entropy` + `cross_entropy_backward` against "
    "`F.cross_entropy(...).backward()` (float32 logits)",
    cases=cases,
)
